"""The HTTP helpers the API benchmarks share: JSON calls with a bearer token, signing in as
admin, and timing a list of GET requests (p50/p99/max). Python standard library only."""
import json
import statistics
import time
import urllib.request


class Api:
    def __init__(self, base, timeout=120):
        self.base = base
        self.timeout = timeout
        self.token = None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        if self.token:
            req.add_header("authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            return r.status, json.loads(r.read() or b"null")

    def login(self, password, username="admin"):
        _, body = self.call("POST", "/api/auth/login", {"username": username, "password": password})
        self.token = body["token"]
        return self

    def timed(self, label, paths, show_max=False):
        """GETs every path in turn and prints the latency percentiles."""
        ms = []
        for p in paths:
            t0 = time.perf_counter()
            status, _ = self.call("GET", p)
            ms.append((time.perf_counter() - t0) * 1000)
            assert status == 200, (status, p)
        ms.sort()
        p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
        tail = f", max {ms[-1]:.1f} ms" if show_max else ""
        print(f"{label}: p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms{tail} over {len(ms)} requests")
