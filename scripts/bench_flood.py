#!/usr/bin/env python3
"""Unauthenticated CPU flood (review finding 4): how long the login page takes for everyone
while anonymous clients flood the public credential endpoints.

Measures p50/p95 of GET /accesso from one client, first alone, then during each flood:
  - 300 bad activation posts (made-up tokens), 48 at a time;
  - 300 wrong logins for made-up names, 48 at a time, each from its own X-Forwarded-For
    address (the server runs with PEC_TRUSTED_PROXY=1), so that neither rate limit applies and
    every one of them would run argon2: this is the hashing queue at work.

Usage: bench_flood.py BASE_URL   (loopback only; stops by itself)
"""
import http.client
import statistics
import sys
import threading
import time
import urllib.parse

BASE = urllib.parse.urlparse(sys.argv[1])
assert BASE.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
HOST = f"{BASE.hostname}:{BASE.port}"


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(BASE.hostname, BASE.port, timeout=30)
    h = {"Host": HOST, "Origin": f"http://{HOST}", "Accept": "application/json"}
    h.update(headers or {})
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=h)
    res = conn.getresponse()
    res.read()
    conn.close()
    return res.status


def probe(samples, stop=None):
    """GET /accesso one after another; returns the times in ms."""
    times = []
    while len(times) < samples and not (stop and stop.is_set() and len(times) >= 20):
        t = time.perf_counter()
        request("GET", "/accesso", headers={"Accept": "text/html"})
        times.append((time.perf_counter() - t) * 1000)
    return times


def flood(make_request, total=300, parallel=48):
    statuses = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def worker():
        for i in counter:
            status = make_request(i)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(parallel)]
    for t in threads:
        t.start()
    return threads, statuses


def bad_activation(i):
    token = f"{i:064x}"
    body = urllib.parse.urlencode({"token": token, "password": "Una-Password-2026!", "password_again": "Una-Password-2026!"})
    return request("POST", "/api/attiva/password", body)


def wrong_login(i):
    body = urllib.parse.urlencode({"username": f"nessuno{i}", "password": "sbagliata", "next": "/"})
    return request("POST", "/api/accedi", body, {"X-Forwarded-For": f"198.18.{i // 250}.{i % 250 + 1}"})


def summary(name, times, statuses=None):
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    extra = f"  answers {dict(sorted(statuses.items()))}" if statuses else ""
    print(f"BENCH flood {name}: /accesso p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
          f"({len(times)} requests){extra}")


def main():
    probe(20)  # warm up
    summary("none", probe(200))
    for name, make in [("300 bad activation posts", bad_activation), ("300 wrong logins, 300 addresses", wrong_login)]:
        started = time.perf_counter()
        threads, statuses = flood(make)
        stop = threading.Event()
        result = []
        prober = threading.Thread(target=lambda: result.extend(probe(400, stop)))
        prober.start()
        for t in threads:
            t.join()
        stop.set()
        prober.join()
        summary(f"during {name} ({time.perf_counter() - started:.1f} s)", result, statuses)
        time.sleep(2)


if __name__ == "__main__":
    main()
