"""Incidents created per second through the HTTP API, and the latency of the open-incidents
view and of searches by phone and by number, against a running `binhyen serve`.

Usage: bench/incidents.py BASE_URL ADMIN_PASSWORD [INCIDENTS] [THREADS]
Only the Python standard library is used."""
import random
import sys
import threading
import time

from bench_api import Api

base, password = sys.argv[1], sys.argv[2]
total = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 8


api = Api(base, timeout=30).login(password)
kinds = ["fire", "traffic_accident", "public_order", "rescue", "medical"]
numbers, phones, lock = [], [], threading.Lock()


def worker(n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        phone = "09" + "".join(rng.choice("0123456789") for _ in range(8))
        body = {
            "kind": rng.choice(kinds),
            "channel": "hotline_113",
            "description": "Tin báo thử tải",
            "lat": 21.0 + rng.random() * 0.1,
            "lon": 105.78 + rng.random() * 0.1,
            "caller_phone": phone,
        }
        status, created = api.call("POST", "/api/incidents", body)
        assert status == 201, created
        with lock:
            numbers.append(created["number"])
            phones.append(phone)


started = time.perf_counter()
ts = [threading.Thread(target=worker, args=(total // threads, i)) for i in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
elapsed = time.perf_counter() - started
print(f"created {len(numbers)} incidents in {elapsed:.1f} s: {len(numbers) / elapsed:.0f}/s ({threads} clients)")


timed = api.timed


rng = random.Random(1)
timed("open incidents (status=open, 500 newest)", ["/api/incidents?status=open&limit=500"] * 100)
timed("search by phone", [f"/api/incidents?phone={rng.choice(phones)}&status=all" for _ in range(300)])
timed("search by number", [f"/api/incidents/by-number/{rng.choice(numbers)}" for _ in range(300)])
