"""Incidents created per second through the HTTP API, and the latency of the open-incidents
view and of searches by phone and by number, against a running `binhyen serve`.

Usage: bench/incidents.py BASE_URL ADMIN_PASSWORD [INCIDENTS] [THREADS]
Only the Python standard library is used."""
import json
import random
import statistics
import sys
import threading
import time
import urllib.request

base, password = sys.argv[1], sys.argv[2]
total = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 8


def call(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read() or b"null")


_, login = call("POST", "/api/auth/login", body={"username": "admin", "password": password})
token = login["token"]
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
        status, created = call("POST", "/api/incidents", token, body)
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


def timed(label, paths):
    ms = []
    for p in paths:
        t0 = time.perf_counter()
        status, _ = call("GET", p, token)
        ms.append((time.perf_counter() - t0) * 1000)
        assert status == 200
    ms.sort()
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"{label}: p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms over {len(ms)} requests")


rng = random.Random(1)
timed("open incidents (status=open, 500 newest)", ["/api/incidents?status=open&limit=500"] * 100)
timed("search by phone", [f"/api/incidents?phone={rng.choice(phones)}&status=all" for _ in range(300)])
timed("search by number", [f"/api/incidents/by-number/{rng.choice(numbers)}" for _ in range(300)])
