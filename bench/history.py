"""Read latency over a long history, against a running `binhyen serve` whose database was
filled with `binhyen gen-history`: the open-incidents board, a unit's history page, search by
incident number and by caller phone (of historical incidents), and the year-on-year reports.

Usage: bench/history.py BASE_URL ADMIN_PASSWORD [REQUESTS]
Only the Python standard library is used. Prints p50/p99 per query."""
import random
import sys
import time
import urllib.parse

from bench_api import Api

base, password = sys.argv[1], sys.argv[2]
requests = int(sys.argv[3]) if len(sys.argv) > 3 else 300


api = Api(base).login(password)
rng = random.Random(1)

# Sample historical incidents at random depths of the history (paging by id).
_, newest = api.call("GET", "/api/incidents?status=all&limit=1")
max_id = newest[0]["id"]
sample = []
while len(sample) < 200:
    _, page = api.call("GET", f"/api/incidents?status=all&limit=5&before_id={rng.randint(2, max_id)}")
    sample.extend(page)
numbers = [i["number"] for i in sample]
phones = []
for n in numbers[:100]:
    _, full = api.call("GET", f"/api/incidents/by-number/{urllib.parse.quote(n)}")
    phone = (full.get("incident", full).get("caller") or {}).get("phone")
    if phone:
        phones.append(phone)
units = sorted({i["unit_code"] for i in sample if i.get("unit_code")})
print(f"history: newest id {max_id}; sampled {len(numbers)} numbers, {len(phones)} phones, {len(units)} units")


def timed(label, paths):
    api.timed(label, paths, show_max=True)


n = requests
timed("open incidents (status=open, up to 500)", ["/api/incidents?status=open&limit=500"] * (n // 3))
timed("a unit's history (unit=…, 50 newest)", [f"/api/incidents?status=all&unit={rng.choice(units)}&limit=50" for _ in range(n)])
timed("a unit's history, deep page (before_id random)", [
    f"/api/incidents?status=all&unit={rng.choice(units)}&limit=50&before_id={rng.randint(2, max_id)}" for _ in range(n)])
timed("search by number", [f"/api/incidents?status=all&number={urllib.parse.quote(rng.choice(numbers))}" for _ in range(n)])
timed("search by phone", [f"/api/incidents?status=all&phone={urllib.parse.quote(rng.choice(phones))}" for _ in range(n)])

year = time.gmtime().tm_year
for label, q in [
    ("incidents, last calendar year vs the year before, by unit", f"period={year - 1}&by=unit"),
    ("incidents, reporting year so far, by unit and kind", f"period=R{year}&by=unit_kind"),
    ("incidents, one reporting month, by unit", f"period=R{year}-10&by=unit"),
    ("crimes and clearance, last calendar year, by unit and group", f"period={year - 1}&by=unit_group"),
    ("crimes and clearance, one reporting month, by unit", f"period=R{year}-10&by=unit"),
    ("response times, last calendar year, by unit and priority", f"period={year - 1}&by=unit_priority"),
]:
    path = "/api/stats/incidents" if label.startswith("incidents") else (
        "/api/stats/crimes" if label.startswith("crimes") else "/api/stats/response-times")
    timed(label, [f"{path}?{q}"] * 5)
