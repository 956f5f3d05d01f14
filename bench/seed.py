"""Seeding a database for the bench, through what stays stable while stickybot's insides change: the
migrations (`bot.migrate.upgrade`), the admin API (the directory and the settings) and SQLAlchemy Core on the
reflected tables (customers and their sticky links, which no API creates in bulk)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import Integer, MetaData, create_engine, insert

from bench.workload import ADMIN_TOKEN, SECRET, Workload

BATCH = 20_000


class SeedError(Exception):
    pass


def app_for(url: str):
    """stickybot's app on `url`, as a test client sees it: no scheduler, no delivery after commits."""
    from bot import create_app
    from bot.config import Config

    return create_app(Config(database_url=url, webhook_secret=SECRET, admin_token=ADMIN_TOKEN, scheduler=False,
                             deliver_after_commit=False))


def close(app) -> None:
    runtime = app.extensions.get("stickybot")
    getattr(runtime, "close", lambda: None)()


def call(client, method: str, path: str, body: dict) -> dict:
    answer = client.open(path, method=method, json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    if answer.status_code >= 300:
        raise SeedError(f"{method} {path} answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
    return answer.get_json()


def directory(client, work: Workload) -> None:
    call(client, "PATCH", "/api/settings",
         {"sticky_days": work.sticky_days, "availability_check": True, "drain_unassigned": True})
    for team in work.team_ids():
        call(client, "PUT", f"/api/teams/{team}", {"name": team.replace("team", "Team ")})
    for n, agent in enumerate(work.agent_ids()):
        call(client, "PUT", f"/api/agents/{agent}", {
            "name": f"Agent {n}", "email": f"{agent}@example.com", "slack_user_id": None,
            "teams": work.teams_of(n), "status": work.status_of(n), "max_open": None})


ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")


def availability(client, work: Workload) -> bool:
    """Hours, zones and absences for every agent, if this tree has them (its agents answer with `hours`):
    on duty all week in one of four zones (so the workload's routing stays as it is, while every decision
    works out hours in a zone), every 10th agent absent now with the next agent covering, and everyone with
    an absence next month. False: the tree has no availability to seed."""
    agents = work.agent_ids()
    if "hours" not in call(client, "GET", f"/api/agents/{agents[0]}", None):
        return False
    week = {day: [["00:00", "12:00"], ["12:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    now = datetime.now(timezone.utc)
    for n, agent in enumerate(agents):
        call(client, "PATCH", f"/api/agents/{agent}", {"time_zone": ZONES[n % len(ZONES)], "hours": week})
        later = now + timedelta(days=30 + n % 7)
        call(client, "POST", f"/api/agents/{agent}/absences", {"start": later.isoformat(),
                                                               "end": (later + timedelta(days=5)).isoformat()})
        if n % 10 == 0:
            call(client, "POST", f"/api/agents/{agent}/absences", {
                "start": (now - timedelta(days=1)).isoformat(), "end": (now + timedelta(days=3)).isoformat(),
                "cover": [agents[(n + 1) % len(agents)]], "note": "holiday"})
    return True


def _checked(table, values: dict) -> dict:
    """`values` for `table`, after checking the bench knows every column the table requires."""
    unknown = [c.name for c in table.columns if c.name not in values and not c.nullable
               and c.server_default is None
               and not (c.primary_key and c.autoincrement in (True, "auto") and isinstance(c.type, Integer))]
    if unknown:
        raise SeedError(f"table {table.name} requires {', '.join(unknown)}, which bench/seed.py does not fill; "
                        "teach it what to put there")
    return {k: v for k, v in values.items() if k in table.columns}


def links(url: str, work: Workload, live: int, stale: int = 0, rng_seed: int = 7) -> None:
    """Customers cust0.. with links last touched inside the sticky window (up to sticky_days - 1 days ago), and
    customers stale0.. with links 30-60 days old."""
    rng = random.Random(rng_seed)
    agents = work.agent_ids()
    moment = datetime.now(timezone.utc)
    inside = (work.sticky_days - 1) * 86400
    if work.seen_days is not None:
        plan = [(f"cust{i}", moment - timedelta(days=work.seen_days)) for i in range(live)]
    else:
        plan = [(f"cust{i}", moment - timedelta(seconds=rng.random() * inside)) for i in range(live)]
    plan += [(f"stale{i}", moment - timedelta(days=30 + rng.random() * 30)) for i in range(stale)]
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=["customer", "sticky_link"])
        customer, link = meta.tables["customer"], meta.tables["sticky_link"]
        for start in range(0, len(plan), BATCH):
            part = plan[start:start + BATCH]
            with engine.begin() as conn:
                conn.execute(insert(customer), [_checked(customer, {"id": c, "name": f"Customer {c}", "email": None})
                                                for c, _ in part])
                conn.execute(insert(link), [_checked(link, {"customer_id": c, "agent_id": rng.choice(agents),
                                                            "last_interaction_at": at}) for c, at in part])
    finally:
        engine.dispose()


def old_records(url: str, count: int, rng_seed: int = 11) -> None:
    """What the retention job deletes: `count` idempotency keys of events received 40-90 days ago, and half as
    many delivered outbox rows finished then."""
    rng = random.Random(rng_seed)
    moment = datetime.now(timezone.utc)
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=["processed_event", "outbox"])
        keys, outbox = meta.tables["processed_event"], meta.tables["outbox"]
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            ages = [moment - timedelta(days=40 + rng.random() * 50) for _ in range(size)]
            with engine.begin() as conn:
                conn.execute(insert(keys), [_checked(keys, {"key": f"widget:old{start + i}",
                                                            "conversation_id": f"old{start + i}", "answer": "{}",
                                                            "received_at": at}) for i, at in enumerate(ages)])
                conn.execute(insert(outbox), [_checked(outbox, {
                    "kind": "handoff", "payload": "{}", "state": "delivered", "attempts": 1, "next_attempt_at": at,
                    "created_at": at, "sent_at": at}) for at in ages[::2]])
    finally:
        engine.dispose()


def check_links(client, live: int, stale: int) -> None:
    """The app reads the seeded links as links: active inside the window, inactive outside it."""
    samples = [("cust0", True), (f"cust{live - 1}", True)] if live else []
    samples += [("stale0", False)] if stale else []
    for customer, active in samples:
        sticky = call(client, "GET", f"/api/customers/{customer}", None).get("sticky")
        if not sticky or sticky.get("active") is not active:
            raise SeedError(f"the app does not read the seeded link of {customer} as {'an active' if active else 'a'}"
                            f" link (it answered {sticky}); the stored form of links has changed, adapt bench/seed.py")


def seed(url: str, work: Workload, live: int | None = None, stale: int = 0, old: int = 0) -> dict:
    from bot.migrate import upgrade

    live = work.customers if live is None else live
    upgrade(url)
    app = app_for(url)
    try:
        client = app.test_client()
        directory(client, work)
        with_availability = availability(client, work) if work.availability else False
        links(url, work, live, stale)
        check_links(client, live, stale)
        if old:
            old_records(url, old)
    finally:
        close(app)
    return {"agents": work.agents, "teams": work.teams, "links": live, "stale_links": stale, "old_keys": old,
            "old_outbox_rows": (old + 1) // 2, "availability": with_availability}


def one_team(url: str, agents: int) -> dict:
    """A directory of one team of `agents` agents, all online (bench.workload.one_team), the agents and their
    memberships written in bulk with SQLAlchemy Core (the settings and the team through the admin API)."""
    from bot.migrate import upgrade
    from bench.workload import one_team as shape

    work = shape(agents)
    upgrade(url)
    app = app_for(url)
    try:
        client = app.test_client()
        call(client, "PATCH", "/api/settings", {"sticky_days": 7, "availability_check": True, "drain_unassigned": True})
        call(client, "PUT", "/api/teams/team00", {"name": "Team 0"})
    finally:
        close(app)
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=["agent", "membership"])
        agent, membership = meta.tables["agent"], meta.tables["membership"]
        ids = work.agent_ids()
        with engine.begin() as conn:
            conn.execute(insert(agent), [_checked(agent, {
                "id": a, "name": a, "email": f"{a}@example.com", "slack_user_id": None, "status": "online",
                "max_open": None, "active": True, "open_load": 0, "last_assigned": None}) for a in ids])
            conn.execute(insert(membership), [_checked(membership, {"agent_id": a, "team_id": "team00"}) for a in ids])
    finally:
        engine.dispose()
    return {"agents": agents, "teams": 1}
