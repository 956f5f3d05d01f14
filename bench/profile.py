"""Where the webhook path spends its time under load: flame graphs of the real server's workers.

    python bench/profile.py                  # SQLite and PostgreSQL; SVGs in bench/profiles/
    python bench/profile.py --db sqlite --seconds 10
    python bench/profile.py --db postgres --workload routed --src /work/bench-old   # another tree

Seeds the bench's default workload, starts the Procfile's web command, drives fresh signed events with wrk
(as bench/run.py does), and records every worker with py-spy (`pip install py-spy`; `--gil`: the thread
holding the interpreter, so time spent waiting does not show) meanwhile. Each worker's
flame graph is written to bench/profiles/<db>-worker<N>.svg, with py-spy's own summary of the hottest
functions printed. On PostgreSQL, what the database's backends do meanwhile is sampled too (bench/pgwait.py:
lock waits, time waiting for the application inside a transaction); and, in a process of its own, how many
statements and round trips each kind of event costs (bench.inproc `statements`).
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.client import Load, warm_then_measure  # noqa: E402
from bench.databases import PG_DEFAULT, Databases  # noqa: E402
from bench import pgwait  # noqa: E402
from bench.procfile import parse_serve  # noqa: E402
from bench.server import Server, Tree  # noqa: E402
from bench.workload import WORKLOADS  # noqa: E402

OUT = ROOT / "bench" / "profiles"


def workers_of(pid: int, expected: int = 2, within: float = 10.0) -> list[int]:
    """The server's worker processes (the children of its master, once they are all up)."""
    deadline = time.monotonic() + within
    while True:
        found = [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                text=True).stdout.split()]
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def summary(raw: Path, top: int = 25) -> str:
    """The functions most often on the stack (inclusive), from py-spy's collapsed stacks."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        for frame in set(stack.split(";")):
            inclusive[frame] = inclusive.get(frame, 0) + n
    rows = sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]
    return "\n".join(f"{100 * n / total:5.1f}%  {frame[:150]}" for frame, n in rows)


def profile(backend: str, args, scratch: Path) -> None:
    dbs = Databases(backend, scratch, args.pg_url)
    problem = dbs.reachable()
    if problem:
        print(f"[{backend}] skipped: {problem}")
        return
    tree = Tree.open(args.src, sys.executable, scratch)
    work = WORKLOADS[args.workload]
    url = dbs.fresh("profile")
    try:
        tree.inproc("seed", {"url": url, "workload": work.name})
        server = Server(tree, parse_serve("procfile"), "stickybot", url, scratch / "server.log")
        try:
            pids = workers_of(server.proc.pid)
            spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
            spies = [subprocess.Popen(
                [spy, "record", "-p", str(pid), "-d", str(int(args.seconds + args.warmup)), "-r", "200", "-o",
                 str(OUT / f"{backend}-worker{n}.{kind}"), "--nonblocking", "--gil", "--format",
                 "flamegraph" if kind == "svg" else "raw"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True) for n, pid in enumerate(pids) for kind in ("svg", "txt")]
            time.sleep(1)  # the recorders attach
            sampler = pgwait.Sampler(url) if backend == "postgres" else None
            with sampler or _nothing():
                result = warm_then_measure(server.port, work, Load(args.concurrency, args.seconds),
                                           f"prof{time.time():.0f}", scratch / "events", args.warmup)
            for spy in spies:
                spy.wait(120)
            if sampler is not None:
                print(pgwait.show(backend, sampler.report()))
            print(f"[{backend}] {result['rps']:.0f} events/s while recorded (p99 {result['p99_ms']:.1f} ms); "
                  f"flame graphs: {', '.join(str(p.relative_to(ROOT)) for p in sorted(OUT.glob(backend + '-*.svg')))}")
            print(summary(OUT / f"{backend}-worker0.txt"))
        finally:
            server.stop()
        if backend == "postgres":
            counted = tree.inproc("statements", {"url": url, "workload": work.name, "events": 200})
            for kind, c in counted.items():
                print(f"[{backend}] {kind}: {c['statements']:.1f} statements, {c['round_trips']:.1f} round trips "
                      f"per event ({c['events']} events)")
    finally:
        dbs.drop(url)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="default")
    parser.add_argument("--src", type=Path, default=ROOT, help="the source tree to profile (default: this one)")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="stickybot-profile-") as scratch:
        for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            profile(backend, args, Path(scratch))


if __name__ == "__main__":
    threading.current_thread().name = "profile"
    main()
