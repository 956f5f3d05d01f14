"""The big team the dashboard bench measures: agents in teams (some with working hours in their own zone and
absences), conversations over the last two weeks with their decisions (some waiting in the queue, some held),
the customers' sticky links, and a little audit and a few failed deliveries. Written with SQLAlchemy Core on
the reflected tables (bench.seed._checked stops with a message if a table gains a column the bench does not
fill); the settings through the admin API."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import MetaData, create_engine, insert

from bench.seed import BATCH, _checked, app_for, call, close, links
from bench.workload import Workload

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "UTC")
WEEKDAYS = {day: [["09:00", "12:30"], ["13:30", "17:30"]] for day in ("mon", "tue", "wed", "thu", "fri")}
# Of the conversations: most resolved; these shares open, waiting in the queue, or held for their agent.
ASSIGNED, QUEUED, HELD = 0.10, 0.05, 0.01


@dataclass(frozen=True)
class Size:
    agents: int = 10_000
    teams: int = 100
    conversations: int = 100_000
    links: int = 1_000_000
    days: int = 14  # the conversations' span, back from now

    def workload(self) -> Workload:
        return Workload("dashboard", teams=self.teams, agents=self.agents, customers=self.links)


def agent_id(n: int) -> str:
    return f"agent{n:03d}"  # as bench.workload names them, so that bench.seed.links points at them


def seed(url: str, size: Size, rng_seed: int = 5) -> dict:
    """Migrate `url` and fill it; says what it wrote."""
    from bot.migrate import upgrade

    upgrade(url)
    app = app_for(url)
    try:
        call(app.test_client(), "PATCH", "/api/settings", {"sticky_days": 7, "availability_check": True,
                                                           "drain_unassigned": True, "sticky_wait_minutes": 30})
    finally:
        close(app)
    rng, now = random.Random(rng_seed), datetime.now(timezone.utc)
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        t = meta.tables
        with engine.begin() as conn:
            _directory(conn, t, size, rng, now)
        links(url, size.workload(), size.links)  # customers cust0.. with links inside the window
        written = _conversations(engine, t, size, rng, now)
        with engine.begin() as conn:
            _open_loads(conn, t, written["open_by_agent"])
            _audit_and_outbox(conn, t, rng, now)
    finally:
        engine.dispose()
    return {"agents": size.agents, "teams": size.teams, "links": size.links, "conversations": size.conversations,
            "queued": written["queued"], "held": written["held"], "decisions": written["decisions"]}


def _directory(conn, t, size: Size, rng: random.Random, now: datetime) -> None:
    conn.execute(insert(t["team"]), [_checked(t["team"], {"id": f"team{k:03d}", "name": f"Team {k}",
                                                          "chatwoot_team_id": None}) for k in range(size.teams)])
    agents, members, absences = [], [], []
    for n in range(size.agents):
        timed = n % 5 == 0  # a fifth work set hours in a zone of their own
        agents.append(_checked(t["agent"], {
            "id": agent_id(n), "name": f"Agent {n}", "email": f"agent{n}@example.com", "slack_user_id": None,
            "status": rng.choices(("online", "away", "offline"), (7, 2, 1))[0], "max_open": 5 if n % 2 else None,
            "active": n % 50 != 49, "open_load": 0, "last_assigned": None, "chatwoot_user_id": None,
            "time_zone": ZONES[n % len(ZONES)] if timed else None,
            "hours": json.dumps(WEEKDAYS, sort_keys=True) if timed else None,
            "cover": json.dumps([agent_id((n + 1) % size.agents)]) if timed else None,
            "dnd_start": None, "dnd_end": None}))
        members.append({"agent_id": agent_id(n), "team_id": f"team{n % size.teams:03d}"})
        if n % 40 == 7:  # one in forty has an absence, current or coming
            start = now + timedelta(days=rng.randint(-3, 10))
            absences.append(_checked(t["absence"], {
                "agent_id": agent_id(n), "starts_at": start, "ends_at": start + timedelta(days=rng.randint(1, 14)),
                "cover": json.dumps([agent_id((n + 1) % size.agents), agent_id((n + 2) % size.agents)]),
                "note": "holiday", "source": "api", "created_at": now}))
    for table, rows in (("agent", agents), ("membership", members), ("absence", absences)):
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(t[table]), rows[start:start + BATCH])


def _conversations(engine, t, size: Size, rng: random.Random, now: datetime) -> dict:
    """Conversations, their customers (the new ones) and decisions: the first decision of each is the channel's
    event (half of them returning customers, most sent to their agent)."""
    open_by_agent: dict[str, int] = {}
    counts = {"queued": 0, "held": 0, "decisions": 0}
    for start in range(0, size.conversations, BATCH):
        convs, decisions, customers = [], [], []
        for n in range(start, min(start + BATCH, size.conversations)):
            conv, decision, customer = _one(t, size, rng, now, n)
            convs.append(conv)
            decisions.append(decision)
            customers.extend([customer] if customer else [])
            counts["queued"] += conv["status"] == "unassigned"
            counts["held"] += conv["status"] == "held"
            if conv["status"] == "assigned":
                open_by_agent[conv["agent_id"]] = open_by_agent.get(conv["agent_id"], 0) + 1
        with engine.begin() as conn:
            conn.execute(insert(t["conversation"]), convs)
            conn.execute(insert(t["decision"]), decisions)
            if customers:
                conn.execute(insert(t["customer"]), customers)
        counts["decisions"] += len(decisions)
    return {**counts, "open_by_agent": open_by_agent}


def _one(t, size: Size, rng: random.Random, now: datetime, n: int) -> tuple[dict, dict, dict | None]:
    """Conversation n, its first decision, and its customer's row if the customer is new."""
    at = now - timedelta(seconds=size.days * 86400 * (1 - n / size.conversations))
    returning = rng.random() < 0.5
    customer = f"cust{rng.randrange(size.links)}" if returning else f"new{n}"
    agent, linked = agent_id(rng.randrange(size.agents)), agent_id(rng.randrange(size.agents))
    roll = rng.random()
    status = ("held" if roll < HELD else "unassigned" if roll < HELD + QUEUED
              else "assigned" if roll < HELD + QUEUED + ASSIGNED else "resolved")
    rule = ("sticky_hold" if status == "held" else "unassigned" if status == "unassigned"
            else "sticky" if returning and rng.random() < 0.8 else "sticky_team" if returning else "default")
    holder = None if status == "unassigned" else linked if rule in ("sticky", "sticky_hold") else agent
    conv_id = f"conv{n:06d}"
    decision = _checked(t["decision"], {
        "conversation_id": conv_id, "status": {"held": "held", "unassigned": "unassigned"}.get(status, "assigned"),
        "agent_id": holder, "team": f"team{rng.randrange(size.teams):03d}", "rule": rule,
        "reason": "seeded by the bench", "decided_at": at, "event_id": f"evt{n}", "trigger": "event",
        "is_returning": returning, "window_passed": False, "miss": "away" if rule == "sticky_team" else None,
        "linked_agent": linked if returning else None,
        "held_until": at + timedelta(minutes=30) if status == "held" else None})
    new = None if returning else _checked(t["customer"], {"id": customer, "name": f"Customer {n}", "email": None})
    return _conversation(t, conv_id, customer, status, holder, n, at), decision, new


def _conversation(t, conv_id: str, customer: str, status: str, agent: str, n: int, at: datetime) -> dict:
    return _checked(t["conversation"], {
        "id": conv_id, "customer_id": customer, "status": status,
        "agent_id": agent, "team": None, "url": None, "channel": "widget",
        "created_at": at, "queued_at": at if status == "unassigned" else None,
        "queue_seq": n + 1 if status == "unassigned" else None, "updated_at": at,
        "held_since": at if status == "held" else None,
        "held_until": at + timedelta(minutes=30) if status == "held" else None,
        "claim_due": None, "claimed_at": None})


def _open_loads(conn, t, open_by_agent: dict[str, int]) -> None:
    agent = t["agent"]
    for agent_id_, load in open_by_agent.items():
        conn.execute(agent.update().where(agent.c.id == agent_id_).values(open_load=load))


def _audit_and_outbox(conn, t, rng: random.Random, now: datetime) -> None:
    conn.execute(insert(t["audit"]), [_checked(t["audit"], {
        "at": now - timedelta(minutes=n), "actor": "api", "action": "agent.update", "target": agent_id(n),
        "before": json.dumps({"status": "away"}), "after": json.dumps({"status": "online"})}) for n in range(300)])
    conn.execute(insert(t["outbox"]), [_checked(t["outbox"], {
        "kind": "slack.handoff", "payload": "{}", "state": "failed", "attempts": 5, "next_attempt_at": now,
        "lease_until": None, "last_error": "channel_not_found", "created_at": now, "sent_at": now})
        for _ in range(20)])
