"""The Core-versus-plain-SQL step on its own: the webhook's hot statements run through SQLAlchemy Core
(`Connection.execute`) and as plain SQL on the same connection's driver cursor (what `bot.store.runner` does on
the hot path), alternated in one process on the same database and the same open transaction.

    python bench/core_vs_raw.py                  # SQLite and PostgreSQL (if reachable)
    python bench/core_vs_raw.py --db sqlite --rounds 9 --calls 2000

Three reads every routed event makes (the settings row, the customer's link, a team's members) and one write
(an agent's load). Prints, per statement, the median time per call of each way over the rounds and the ratio
Core / plain; the database's own work is the same on both sides, so the difference is the layer above it.
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

from sqlalchemy import create_engine, select, update  # noqa: E402

from bench.databases import PG_DEFAULT, Databases  # noqa: E402


def _seed(url: str) -> None:
    from bot.migrate import upgrade
    from bot.models import AgentRow, Customer, Membership, StickyLink, Team
    from sqlmodel import Session

    upgrade(url)
    engine = create_engine(url)
    now = datetime.now(timezone.utc)
    with Session(engine) as session:
        session.add(Team(id="billing", name="Billing"))
        session.flush()  # the team before its members (no relationships tell the session the order)
        for n in range(10):
            session.add(AgentRow(id=f"a{n}", name=f"A{n}", status="online"))
        session.flush()
        for n in range(10):
            session.add(Membership(agent_id=f"a{n}", team_id="billing"))
        session.add(Customer(id="cust_42", name="Ada"))
        session.add(StickyLink(customer_id="cust_42", agent_id="a3", last_interaction_at=now))
        session.commit()
    engine.dispose()


def _statements():
    """(name, Core statement, plain SQL, parameters) for each measured statement."""
    from bot.models import AgentRow, Membership, StickyLink, WorkspaceSettings

    agent, member, link, settings = (m.__table__ for m in (AgentRow, Membership, StickyLink, WorkspaceSettings))
    return [
        ("settings row", select(settings.c.sticky_days, settings.c.availability_check, settings.c.drain_unassigned)
         .where(settings.c.id == 1),
         "SELECT sticky_days, availability_check, drain_unassigned FROM settings WHERE id = :id", {"id": 1}),
        ("customer's link", select(link.c.agent_id, link.c.last_interaction_at).where(link.c.customer_id == "cust_42"),
         "SELECT agent_id, last_interaction_at FROM sticky_link WHERE customer_id = :c", {"c": "cust_42"}),
        ("team's members", select(agent.c.id, agent.c.status, agent.c.open_load, agent.c.max_open)
         .join(member, member.c.agent_id == agent.c.id).where(member.c.team_id == "billing"),
         "SELECT a.id, a.status, a.open_load, a.max_open FROM agent a JOIN membership m ON m.agent_id = a.id "
         "WHERE m.team_id = :t", {"t": "billing"}),
        ("agent's load (write)", update(agent).where(agent.c.id == "a3").values(open_load=agent.c.open_load + 0),
         "UPDATE agent SET open_load = open_load + 0 WHERE id = :a", {"a": "a3"}),
    ]


def measure(url: str, rounds: int, calls: int) -> dict:
    from bot.store.runner import Runner

    _seed(url)
    engine = create_engine(url)
    out = {}
    try:
        with engine.connect() as conn:
            runner = Runner(conn)
            for name, core, plain, params in _statements():
                def via_core():
                    result = conn.execute(core)
                    return result.fetchall() if result.returns_rows else result.rowcount

                def via_plain():
                    cursor = runner.raw.cursor()
                    cursor.execute(runner._text(plain), params)
                    return cursor.fetchall() if cursor.description else cursor.rowcount
                a, b = via_core(), via_plain()  # the same rows either way (times come back typed only by Core)
                assert a == b if isinstance(a, int) else [r[0] for r in a] == [r[0] for r in b], name
                times = {"core": [], "plain": []}
                for _ in range(rounds):
                    for way, call in (("core", via_core), ("plain", via_plain)):
                        started = time.perf_counter()
                        for _ in range(calls):
                            call()
                        times[way].append((time.perf_counter() - started) / calls * 1e6)
                core_us, plain_us = statistics.median(times["core"]), statistics.median(times["plain"])
                out[name] = {"core_us": round(core_us, 1), "plain_us": round(plain_us, 1),
                             "ratio": round(core_us / plain_us, 2)}
            conn.rollback()
    finally:
        engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=PG_DEFAULT)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=1000, help="calls per way per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stickybot-core-") as scratch:
        for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            dbs = Databases(backend, Path(scratch), args.pg_url)
            if (why := dbs.reachable()) is not None:
                print(f"[{backend}] skipped: PostgreSQL not reachable ({why})")
                continue
            url = dbs.fresh("core")
            try:
                for name, r in measure(url, args.rounds, args.calls).items():
                    print(f"[{backend}] {name:22} Core {r['core_us']:7.1f} us  plain {r['plain_us']:6.1f} us  "
                          f"Core / plain {r['ratio']:.2f}", flush=True)
            finally:
                dbs.drop(url)


if __name__ == "__main__":
    main()
