"""The stickiness figures on a year of history: GET /api/stats on 1,000,000 decisions.

    python bench/stats.py                      # SQLite and PostgreSQL (if reachable)
    python bench/stats.py --db sqlite --decisions 100000

Seeds a fresh database with a year of decisions (realistic shares: 60% first decisions of created or reopened
conversations, half of those returning customers, a few holds, queue waits and claim lapses), then times the
stats call through the app's API (signed in with the admin token), for 7, 30 and 90 days, several rounds each,
next to a baseline in the same run: `SELECT count(*)` of the whole decision table (the cost of touching every
row once). Prints the median of each and the ratio; the target is the stats call under 1 s.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import MetaData, create_engine, func, insert, select  # noqa: E402

from bench.databases import PG_DEFAULT, Databases  # noqa: E402

AGENTS = [f"agent{n:02d}" for n in range(60)]
TEAMS = [f"team{n}" for n in range(6)]
TOKEN = "bench-admin"


def seed(url: str, count: int, now: datetime, rng: random.Random) -> None:
    from bot.migrate import upgrade

    upgrade(url)
    engine = create_engine(url.replace("postgresql+psycopg://", "postgresql+psycopg://", 1))
    meta = MetaData()
    meta.reflect(engine, only=["decision", "settings"])
    decision = meta.tables["decision"]
    start = now - timedelta(days=365)
    step = timedelta(days=365) / count
    rows, conv = [], 0
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(meta.tables["settings"])).scalar() == 0:
            conn.execute(insert(meta.tables["settings"]).values(id=1, sticky_days=7, availability_check=True,
                                                                 drain_unassigned=True))
    for n in range(count):
        at = start + step * n
        kind = rng.random()
        agent, linked = rng.choice(AGENTS), rng.choice(AGENTS)
        returning = rng.random() < 0.5
        row = dict(id=n + 1, conversation_id=f"c{conv}", status="assigned", agent_id=agent, team=rng.choice(TEAMS),
                   rule="default", reason="seeded", decided_at=at, event_id=None, trigger="event",
                   is_returning=returning, window_passed=not returning and rng.random() < 0.2, miss=None,
                   linked_agent=linked if returning else None, held_until=None)
        if kind < 0.60:  # a first decision
            conv += 1
            row["conversation_id"] = f"c{conv}"
            if returning:
                roll = rng.random()
                if roll < 0.70:
                    row.update(agent_id=linked, rule="sticky")
                elif roll < 0.75:
                    row.update(status="held", agent_id=linked, rule="sticky_hold", miss="away",
                               held_until=at + timedelta(minutes=15))
                elif roll < 0.95:
                    row.update(rule="sticky_team", miss=rng.choice(["away", "offline", "full"]))
                else:
                    row.update(status="unassigned", agent_id=None, rule="unassigned", miss="offline")
        else:  # what happens next to a recent conversation: a drain, a hold's end, a release, a lapse
            row["conversation_id"] = f"c{max(1, conv - rng.randrange(1, 50))}"
            row.update(trigger=rng.choice(["drain", "came_back", "hold_over", "release", "claim_lapse", "manual"]),
                       rule="queue", is_returning=False, window_passed=False, linked_agent=None)
        rows.append(row)
        if len(rows) == 20_000:
            _insert(engine, decision, rows)
            rows = []
    if rows:
        _insert(engine, decision, rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SELECT setval('decision_id_seq', {count})")
            conn.exec_driver_sql("ANALYZE decision")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _insert(engine, table, rows: list[dict]) -> None:
    with engine.begin() as conn:
        conn.execute(insert(table), rows)


def measure(url: str, rounds: int, now: datetime) -> dict:
    from bot import create_app
    from bot.clock import FrozenClock
    from bot.config import Config

    app = create_app(Config(database_url=url, admin_token=TOKEN, scheduler=False, deliver_after_commit=False),
                     clock=FrozenClock(now))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    db = app.extensions["stickybot"].db

    def count_all():
        with db.engine.connect() as conn:
            return conn.exec_driver_sql("SELECT count(*) FROM decision").scalar()

    out: dict = {"decisions": count_all()}
    timings: dict[str, list[float]] = {"baseline": [], **{f"days_{d}": [] for d in (7, 30, 90)}}
    for _ in range(rounds):
        started = time.perf_counter()
        count_all()
        timings["baseline"].append(time.perf_counter() - started)
        for days in (7, 30, 90):
            started = time.perf_counter()
            r = client.get(f"/api/stats?days={days}", headers=auth)
            timings[f"days_{days}"].append(time.perf_counter() - started)
            assert r.status_code == 200, r.get_json()
            out.setdefault(f"routed_{days}", r.get_json()["total"]["routed"])
    app.extensions["stickybot"].close()
    out.update({name: round(statistics.median(values), 4) for name, values in timings.items()})
    out.update({f"ratio_{d}": round(out[f"days_{d}"] / out["baseline"], 2) for d in (7, 30, 90)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    now = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)
    report = {}
    with tempfile.TemporaryDirectory(prefix="stickybot-stats-") as scratch:
        for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            dbs = Databases(backend, Path(scratch), args.pg_url)
            problem = dbs.reachable()
            if problem:
                print(f"[{backend}] skipped: {problem}")
                continue
            url = dbs.fresh("stats")
            try:
                started = time.perf_counter()
                seed(url, args.decisions, now, random.Random(7))
                seeded = time.perf_counter() - started
                result = measure(url, args.rounds, now)
            finally:
                dbs.drop(url)
            report[backend] = {**result, "seed_s": round(seeded, 1)}
            print(f"[{backend}] {result['decisions']:,} decisions (seeded in {seeded:.0f} s): stats 7 days "
                  f"{result['days_7'] * 1000:.0f} ms, 30 days {result['days_30'] * 1000:.0f} ms, 90 days "
                  f"{result['days_90'] * 1000:.0f} ms | count(*) of all decisions {result['baseline'] * 1000:.0f} ms "
                  f"| ratios {result['ratio_7']}, {result['ratio_30']}, {result['ratio_90']}")
            sys.stdout.flush()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "stats.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
