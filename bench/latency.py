"""Latency as a team feels it, beside the saturated figures of bench/client.py:

- `alone`: routed events sent one at a time on one kept-alive connection, each after the last was answered,
  with /healthz on the same connection in between: the cost of one event, and what serving alone costs.
- `paced`: a fixed rate (say 100 events/s for 30 s), open loop: event i is due at start + i / rate and goes
  out then on whichever connection is free, whether or not earlier answers came; its latency is counted from
  when it was due, so a slow answer delays the ones behind it and is counted for them too.
- `teamsize`: `alone` with new customers only, all for one team of N agents, N growing: what the directory's
  size costs one decision.
"""
from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import replace

from bench.workload import RESOLVED, Workload, make_stream

WEBHOOK = "/webhooks/widget"


def _post(conn: http.client.HTTPConnection, line: str) -> int:
    stamp, signature, body = line.split("\t", 2)
    conn.request("POST", WEBHOOK, body=body, headers={"Content-Type": "application/json",
                                                       "X-Sticky-Timestamp": stamp, "X-Sticky-Signature": signature})
    answer = conn.getresponse()
    answer.read()
    return answer.status


def _get(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    answer = conn.getresponse()
    answer.read()
    return answer.status


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def alone(port: int, work: Workload, tag: str, events: int, warmup: int = 50) -> dict:
    """`events` conversation.created events (the workload's returning share), one at a time, and a /healthz
    after each; medians of both, on one connection."""
    shape = replace(work, mix=(1.0, 0.0, 0.0))
    lines = make_stream(shape, tag, warmup + events, 1, [], tag).lines
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    routed, health, failed = [], [], 0
    try:
        for n, line in enumerate(lines):
            started = time.perf_counter()
            status = _post(conn, line)
            spent = (time.perf_counter() - started) * 1e3
            started = time.perf_counter()
            _get(conn, "/healthz")
            ping = (time.perf_counter() - started) * 1e3
            if n >= warmup:
                routed.append(spent)
                health.append(ping)
                failed += status != 200
    finally:
        conn.close()
    return {"events": events, "p50_ms": statistics.median(routed), "p90_ms": percentile(routed, 0.9),
            "healthz_p50_ms": statistics.median(health), "non_2xx": failed}


def paced(port: int, work: Workload, tag: str, rate: float, seconds: float, connections: int,
          warmup_s: float = 3.0) -> dict:
    """Open loop at `rate` events a second for `seconds` (after `warmup_s` at the same rate, not counted)."""
    total = int(rate * (warmup_s + seconds))
    lag = 2 * connections + 4  # a resolve names a conversation created this many events before (answered)
    stream = make_stream(work, tag, total, lag, [], tag)
    counted_from = int(rate * warmup_s)
    latencies: list[float] = []
    failed, late = [0], [0]
    cursor = iter(range(total))
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while True:
                with lock:
                    n = next(cursor, None)
                if n is None:
                    return
                due = start + n / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                status = _post(conn, stream.lines[n])
                spent = (time.perf_counter() - due) * 1e3
                if n >= counted_from:
                    with lock:
                        latencies.append(spent)
                        failed[0] += status != 200
                        late[0] += wait < -0.001
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    resolves = sum(1 for kind, _ in stream.events[counted_from:] if kind == RESOLVED)
    return {"rate": rate, "seconds": seconds, "events": len(latencies), "resolves": resolves,
            "achieved_rps": total / took, "p50_ms": statistics.median(latencies),
            "p99_ms": percentile(latencies, 0.99), "max_ms": max(latencies), "non_2xx": failed[0],
            "sent_late": late[0], "connections": connections}
