"""A realistic directory: 50 teams of 10 agents, and customers with sticky links."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert

from bot.clock import now
from bot.db import Database
from bot.migrate import upgrade
from bot.models import AgentRow, Customer, Membership, StickyLink, Team

TEAMS, PER_TEAM = 50, 10


def agent_ids() -> list[str]:
    return [f"agent{n:03d}" for n in range(TEAMS * PER_TEAM)]


def seed(url: str, customers: int, stale: int = 0, rng_seed: int = 7) -> None:
    """Directory plus `customers` linked customers (last seen 0-10 days ago) and `stale` links 30+ days old."""
    upgrade(url)
    rng = random.Random(rng_seed)
    db = Database(url)
    moment = now()
    try:
        with db.write() as s:
            s.execute(insert(Team), [{"id": f"team{t:02d}", "name": f"Team {t}"} for t in range(TEAMS)])
            s.execute(insert(AgentRow), [
                {"id": a, "name": a, "email": f"{a}@example.com", "slack_user_id": None, "status": "online",
                 "max_open": None, "active": True, "open_load": 0} for a in agent_ids()])
            s.execute(insert(Membership), [{"agent_id": a, "team_id": f"team{n // PER_TEAM:02d}"}
                                           for n, a in enumerate(agent_ids())])
        agents = agent_ids()
        for start in range(0, customers + stale, 50_000):
            rows = range(start, min(start + 50_000, customers + stale))
            with db.write() as s:
                s.execute(insert(Customer), [{"id": f"cust{i}", "name": f"Customer {i}", "email": None} for i in rows])
                s.execute(insert(StickyLink), [{
                    "customer_id": f"cust{i}", "agent_id": rng.choice(agents),
                    "last_interaction_at": moment - (timedelta(days=30 + rng.random() * 30) if i >= customers
                                                     else timedelta(seconds=rng.random() * 10 * 86400))}
                    for i in rows])
    finally:
        db.dispose()
