"""The read side of one decision against team size: an event's preflight (with the directory rows it reads
ahead) and the pick over one team, in a read transaction, for a team of 10 and of 5,000 agents (all online,
never assigned: bench.seed.one_team). What bench/run.py's team-size row measures on top of this is the
event's writes and its commit.

    python bench/pick.py                  # SQLite and PostgreSQL
    python bench/pick.py --db sqlite --sizes 10,1000,5000
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.databases import PG_DEFAULT, Databases  # noqa: E402
from bench.seed import one_team  # noqa: E402


def measure(url: str, rounds: int = 5, calls: int = 300) -> float:
    """Median over `rounds` of the mean milliseconds of one preflight and pick."""
    import routing
    from bot.db import Database

    db = Database(url)
    at = datetime.now(timezone.utc)

    def work(store):
        store.preflight("bench-key", "bench-conversation", "bench-customer", team="team00", at=at)
        return routing.pick_in(store.directory(at), "team00", at)
    try:
        for _ in range(50):
            db.read(work)
        means = []
        for _ in range(rounds):
            started = time.perf_counter()
            for _ in range(calls):
                db.read(work)
            means.append((time.perf_counter() - started) / calls * 1e3)
        return statistics.median(means)
    finally:
        db.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--pg-url", default=PG_DEFAULT)
    p.add_argument("--sizes", default="10,5000")
    args = p.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="stickybot-pick-") as scratch:
        for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            dbs = Databases(backend, Path(scratch), args.pg_url)
            if (why := dbs.reachable()) is not None:
                print(f"[{backend}] skipped: {why}")
                continue
            found = {}
            for size in sizes:
                url = dbs.fresh(f"pick{size}")
                try:
                    one_team(url, size)
                    found[size] = measure(url)
                finally:
                    dbs.drop(url)
            cells = ", ".join(f"{n:,} agents {ms:.3f} ms" for n, ms in found.items())
            print(f"[{backend}] preflight and pick, read only: {cells} | largest/smallest "
                  f"{found[sizes[-1]] / found[sizes[0]]:.2f}", flush=True)


if __name__ == "__main__":
    main()
