"""The load client: wrk, sending fresh pre-signed events (bench/wrk.lua), each at most once."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from bench.workload import Stream, Workload, make_stream, sent_mix, write_streams

SCRIPT = Path(__file__).with_name("wrk.lua")
THREADS = 2
# The smallest rate a measured run's events are sized for; the real bound is several times the warm-up's rate.
FLOOR_RATE = 2_000.0
HEADROOM = 4.0


class ClientError(Exception):
    pass


def require_wrk() -> str:
    path = shutil.which("wrk")
    if not path:
        raise ClientError("wrk is not installed; install it (apt-get install wrk) and run the bench again")
    return path


@dataclass
class Load:
    """How hard to push: connections, and how long."""
    concurrency: int
    duration: float

    @property
    def lag(self) -> int:
        """Events between a conversation's creation and its first use on the same thread: more than the
        connections a thread has, so the creation has been answered."""
        return 2 * math.ceil(self.concurrency / THREADS) + 4


def streams_for(work: Workload, tag: str, rate: float, seconds: float, lag: int,
                pool: list[str] = ()) -> list[Stream]:
    """Enough fresh events for `seconds` at `rate`, split over the client threads (the pool too)."""
    per_thread = math.ceil(rate * (seconds + 1) / THREADS)
    return [make_stream(work, f"{tag}t{n}", per_thread, lag, list(pool[n::THREADS]), f"{tag}/{n}")
            for n in range(THREADS)]


def pause_for(load: Load, rate: float, fraction: float, latency_ms: float) -> float:
    """The pause per connection, in ms, that brings `load.concurrency` connections to `fraction` of `rate`
    events a second when each answer takes about `latency_ms`."""
    return max(0.0, 1000.0 * load.concurrency / (fraction * rate) - latency_ms)


def run_wrk(port: int, streams: list[Stream], load: Load, prefix: Path, seconds: float,
            on_start: Callable[[], object] = lambda: None, pause_ms: float = 0.0) -> dict:
    """Send the streams for `seconds` (as fast as answers come, or pausing `pause_ms` between an answer and
    the next request on each connection); `on_start` runs once the events are ready, just before wrk starts."""
    write_streams(streams, prefix)
    on_start()
    env = {**os.environ, "STICKY_BENCH_PAUSE_MS": f"{pause_ms:.3f}"}
    out = subprocess.run(
        [require_wrk(), "-t", str(THREADS), "-c", str(max(load.concurrency, THREADS)), "-d",
         f"{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(SCRIPT), f"http://127.0.0.1:{port}",
         "--", str(prefix)], capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise ClientError(f"wrk failed ({out.returncode}): {out.stderr.strip()[-500:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["duration_s"] if result["duration_s"] else 0.0
    result["pause_ms"] = pause_ms
    result["sent_events"] = sent_mix(streams, result["sent"])
    for n in range(len(streams)):
        Path(f"{prefix}.{n}").unlink(missing_ok=True)
    return result


def measure(port: int, work: Workload, load: Load, tag: str, prefix: Path, rate: float,
            pool: list[str] = (), on_start: Callable[[], object] = lambda: None, pause_ms: float = 0.0) -> dict:
    """One measured run on fresh events, sized for `rate` events a second."""
    result = run_wrk(port, streams_for(work, tag, rate, load.duration, load.lag, pool), load, prefix,
                     load.duration, on_start, pause_ms)
    result["sized_for_rps"] = rate
    return result


def warm_then_measure(port: int, work: Workload, load: Load, tag: str, prefix: Path, warmup: float) -> dict:
    """A warm-up on its own events, then the measured run on fresh ones, sized from the warm-up's rate.
    The measured run may resolve and write to conversations the warm-up opened."""
    warm_streams = streams_for(work, f"{tag}w", 10_000, warmup, load.lag)
    warm = run_wrk(port, warm_streams, load, prefix, warmup)
    pool = [conv for stream, sent in zip(warm_streams, warm["sent"])
            for conv in stream.still_open(sent, load.lag)]
    rate = max(FLOOR_RATE, HEADROOM * warm["rps"])
    return {**measure(port, work, load, f"{tag}m", prefix, rate, pool), "warmup_rps": warm["rps"]}


def problems(result: dict) -> list[str]:
    """What makes a run's figures doubtful, in words."""
    out = []
    if result["exhausted"]:
        out.append("ran out of fresh events before the end (rate not valid; raise HEADROOM)")
    if result["duplicates"]:
        out.append(f"{result['duplicates']} answers were duplicates")
    if result["non_2xx"]:
        out.append(f"{result['non_2xx']} answers were not 2xx")
    if result["socket_errors"] or result["timeouts"]:
        out.append(f"{result['socket_errors']} socket errors, {result['timeouts']} timeouts")
    return out
