"""The bench's client when wrk is not installed: one process per connection, keep-alive, pre-signed
requests, latencies gathered and summarised like wrk's. Heavier than wrk, so its ratios run lower."""
from __future__ import annotations

import http.client
import multiprocessing as mp
import statistics
import time
from pathlib import Path


def _worker(port: int, lines: list[str], duration: float, out) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    latencies, bad, errors, n = [], 0, 0, 0
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        ts, sig, body = lines[n % len(lines)].rstrip("\n").split("\t", 2)
        n += 1
        started = time.perf_counter()
        try:
            conn.request("POST", "/webhooks/widget", body=body.encode(), headers={
                "Content-Type": "application/json", "X-Sticky-Timestamp": ts, "X-Sticky-Signature": sig})
            response = conn.getresponse()
            response.read()
            bad += response.status >= 300
        except OSError:
            errors += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            continue
        latencies.append(time.perf_counter() - started)
    out.put((latencies, bad, errors, n > len(lines)))


def run(port: int, reqs: Path, duration: float, concurrency: int) -> dict:
    lines = reqs.read_text().splitlines()
    queue: mp.Queue = mp.Queue()
    procs = [mp.Process(target=_worker, args=(port, lines[i::concurrency], duration, queue))
             for i in range(concurrency)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r[0])
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "duration_s": elapsed, "socket_errors": sum(r[2] for r in results),
            "non_2xx": sum(r[1] for r in results), "wrapped": sum(r[3] for r in results),
            "p50_ms": cuts[49] * 1e3, "p95_ms": cuts[94] * 1e3, "p99_ms": cuts[98] * 1e3,
            "max_ms": latencies[-1] * 1e3 if latencies else 0.0}
