"""The reads and writes the use-cases share: the hot path of every webhook, in plain SQL (bot.sql).
Every function takes the open Session and works inside its transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

import routing
from . import clock
from .sql import RawTx, Sql
from .store_errors import Contention  # noqa: F401  (raised by the use-cases)

_AGENT = "SELECT id, status, active, max_open, open_load, last_assigned, email FROM agent"


def sql(tx) -> Sql:
    """This transaction's raw access: a RawTx's own, or one made once per Session."""
    if isinstance(tx, RawTx):
        return tx.q
    if tx.new or tx.dirty or tx.deleted:
        tx.flush()  # ORM changes made earlier in this transaction come before any raw statement
    found = tx.info.get("sql")
    if found is None:
        found = tx.info["sql"] = Sql.of(tx)
    return found


def dialect(tx) -> str:
    return "postgresql" if sql(tx).pg else "sqlite"



def settings(session: Session) -> routing.Settings:
    row = sql(session).one("SELECT sticky_days, availability_check, drain_unassigned FROM settings WHERE id = 1")
    return routing.Settings(row[0], bool(row[1]), bool(row[2])) if row else routing.Settings()


def _agent(row) -> routing.Agent:
    return routing.Agent(id=row[0], status=routing.Status(row[1]), active=bool(row[2]), max_open=row[3],
                         open_load=row[4], last_assigned=row[5], email=row[6])


def as_agent(row) -> routing.Agent:
    """An ORM agent row as the routing engine sees it."""
    return routing.Agent(id=row.id, status=routing.Status(row.status), active=row.active, max_open=row.max_open,
                         open_load=row.open_load, last_assigned=row.last_assigned, email=row.email)


class DbDirectory:
    """routing.Directory over the database, loading only what a decision asks for."""

    def __init__(self, session: Session):
        self.q = sql(session)
        self.seen: dict[str, routing.Agent] = {}

    def _keep(self, rows) -> list[routing.Agent]:
        agents = [_agent(r) for r in rows]
        self.seen.update((a.id, a) for a in agents)
        return agents

    def agent(self, ref: str) -> routing.Agent | None:
        row = self.q.one(f"{_AGENT} WHERE id = :ref", ref=ref)
        if row is None and "@" in ref:
            row = self.q.one(f"{_AGENT} WHERE lower(email) = :email", email=ref.lower())
        return self._keep([row])[0] if row is not None else None

    def team_exists(self, team_id: str) -> bool:
        return self.q.one("SELECT 1 FROM team WHERE id = :team", team=team_id) is not None

    def members(self, team_id: str) -> list[routing.Agent]:
        return self._keep(self.q.all(
            "SELECT a.id, a.status, a.active, a.max_open, a.open_load, a.last_assigned, a.email FROM agent a "
            "JOIN membership m ON m.agent_id = a.id WHERE m.team_id = :team AND a.active = :yes",
            team=team_id, yes=True))

    def teams_of(self, agent_id: str) -> list[str]:
        return [r[0] for r in self.q.all("SELECT team_id FROM membership WHERE agent_id = :agent ORDER BY team_id",
                                         agent=agent_id)]

    def everyone(self) -> list[routing.Agent]:
        return self._keep(self.q.all(f"{_AGENT} WHERE active = :yes", yes=True))


def lock_agent(session: Session, agent_id: str) -> routing.Agent | None:
    """The agent, read fresh and locked until commit (PostgreSQL; SQLite holds the write lock already)."""
    row = sql(session).one(f"{_AGENT} WHERE id = :agent FOR_UPDATE", agent=agent_id)
    return _agent(row) if row is not None else None


def claim(tx, agent_id: str, must_be_available: bool) -> bool:
    """Take a seat with `agent_id` (open load + 1) if it is still active, and still available when the decision
    relied on that: one statement that also holds the agent's row until commit. False: decide again."""
    row = sql(tx).all(
        "UPDATE agent SET open_load = open_load + 1 WHERE id = :agent AND active = :yes AND (:any = :yes OR "
        "(status = 'online' AND (max_open IS NULL OR open_load < max_open))) RETURNING id",
        agent=agent_id, yes=True, any=not must_be_available)
    return bool(row)


def add_load(session: Session, agent_id: str | None, delta: int, assigned_seq: int | None = None) -> None:
    """Change an agent's open load (and, for an assignment stickybot made, its place in the rotation)."""
    if agent_id is None or (delta == 0 and assigned_seq is None):
        return
    if assigned_seq is None:
        sql(session).later("UPDATE agent SET open_load = open_load + :delta WHERE id = :agent",
                           delta=delta, agent=agent_id)
    else:
        sql(session).later("UPDATE agent SET open_load = open_load + :delta, last_assigned = :seq WHERE id = :agent",
                           delta=delta, seq=assigned_seq, agent=agent_id)


# --- conversations -------------------------------------------------------------------------------

@dataclass
class Conv:
    """A conversation as the use-cases read and change it."""

    id: str
    customer_id: str
    status: str  # new | assigned | unassigned | resolved
    agent_id: str | None = None
    team: str | None = None
    url: str | None = None
    channel: str = "widget"
    created_at: datetime | None = None
    queued_at: datetime | None = None
    queue_seq: int | None = None
    stored: bool = True  # False until the first decision writes it

    @property
    def holder(self) -> str | None:
        return self.agent_id if self.status == "assigned" else None


_CONV = "SELECT id, customer_id, status, agent_id, team, url, channel, created_at, queued_at, queue_seq FROM conversation"


def _conv(row) -> Conv:
    return Conv(*row[:7], Sql.dt(row[7]), Sql.dt(row[8]), row[9])


def conversation(session: Session, conversation_id: str) -> Conv | None:
    row = sql(session).one(f"{_CONV} WHERE id = :id FOR_UPDATE", id=conversation_id)
    return _conv(row) if row is not None else None


def queued(session: Session, ids: list[str]) -> list[Conv]:
    """Of these conversations, those still waiting, locked; ones another transaction holds are skipped."""
    if not ids:
        return []
    marks = ", ".join(f":id{n}" for n in range(len(ids)))
    rows = sql(session).all(f"{_CONV} WHERE status = 'unassigned' AND id IN ({marks}) FOR_UPDATE SKIP_LOCKED",
                            **{f"id{n}": v for n, v in enumerate(ids)})
    return [_conv(r) for r in rows]


def held_by(session: Session, agent_id: str) -> list[Conv]:
    rows = sql(session).all(f"{_CONV} WHERE agent_id = :agent AND status = 'assigned' ORDER BY created_at, id "
                            "FOR_UPDATE", agent=agent_id)
    return [_conv(r) for r in rows]


def save_conversation(session: Session, conv: Conv) -> None:
    q = sql(session)
    values = dict(id=conv.id, customer=conv.customer_id, status=conv.status, agent=conv.agent_id, team=conv.team,
                  url=conv.url, queued_at=q.ts(conv.queued_at), queue_seq=conv.queue_seq, now=q.ts(clock.now()))
    if conv.stored:
        q.later("UPDATE conversation SET customer_id = :customer, status = :status, agent_id = :agent, team = :team, "
              "url = :url, queued_at = :queued_at, queue_seq = :queue_seq, updated_at = :now WHERE id = :id", **values)
        return
    # A concurrent first delivery of the same conversation fails here and is run again as a duplicate.
    q.later("INSERT INTO conversation (id, customer_id, status, agent_id, team, url, channel, created_at, queued_at, "
          "queue_seq, updated_at) VALUES (:id, :customer, :status, :agent, :team, :url, :channel, :created_at, "
          ":queued_at, :queue_seq, :now)", channel=conv.channel, created_at=q.ts(conv.created_at), **values)
    conv.stored = True


def waiting_for(session: Session, agent_id: str, teams: list[str], limit: int | None) -> list[str]:
    """Queued conversations `agent_id` may take: its own customers first, then oldest first."""
    marks = ", ".join(f":t{n}" for n in range(len(teams)))
    eligible = f"(c.team IS NULL OR c.team IN ({marks}))" if teams else "c.team IS NULL"
    rows = sql(session).all(
        "SELECT c.id FROM conversation c LEFT JOIN sticky_link l ON l.customer_id = c.customer_id "
        f"WHERE c.status = 'unassigned' AND {eligible} "
        "ORDER BY CASE WHEN l.agent_id = :agent THEN 0 ELSE 1 END, c.queued_at, c.queue_seq"
        + (" LIMIT :limit" if limit is not None else ""),
        agent=agent_id, limit=limit, **{f"t{n}": t for n, t in enumerate(teams)})
    return [r[0] for r in rows]


# --- decisions, customers, links, outbox, idempotency ------------------------------------------

def add_decision(session: Session, conversation_id: str, decision: routing.Decision, at: datetime,
                 event_id: str | None) -> int:
    q = sql(session)
    return q.all("INSERT INTO decision (conversation_id, status, agent_id, team, rule, reason, decided_at, event_id) "
                 "VALUES (:conv, :status, :agent, :team, :rule, :reason, :at, :event) RETURNING id",
                 conv=conversation_id, status=str(decision.status), agent=decision.agent, team=decision.team,
                 rule=str(decision.rule), reason=decision.reason, at=q.ts(at), event=event_id)[0][0]


def last_decision(session: Session, conversation_id: str) -> tuple[str, str] | None:
    return sql(session).one("SELECT rule, reason FROM decision WHERE conversation_id = :conv ORDER BY id DESC "
                            "LIMIT 1", conv=conversation_id)


def remember_customer(session: Session, customer_id: str, name: str | None, email: str | None) -> None:
    # The row is rewritten only when something new arrived (no page dirtied for a returning customer).
    sql(session).later(
        "INSERT INTO customer (id, name, email) VALUES (:id, :name, :email) ON CONFLICT (id) DO UPDATE "
        "SET name = coalesce(excluded.name, customer.name), email = coalesce(excluded.email, customer.email) "
        "WHERE (excluded.name IS NOT NULL AND (customer.name IS NULL OR customer.name <> excluded.name)) "
        "OR (excluded.email IS NOT NULL AND (customer.email IS NULL OR customer.email <> excluded.email))",
        id=customer_id, name=name, email=email)


def link(session: Session, customer_id: str) -> routing.Link | None:
    row = sql(session).one("SELECT agent_id, last_interaction_at FROM sticky_link WHERE customer_id = :c",
                           c=customer_id)
    return routing.Link(row[0], Sql.dt(row[1])) if row else None


def set_link(session: Session, customer_id: str, agent_id: str, at: datetime) -> None:
    """Point the customer's link at `agent_id` as of `at`, unless the link is already newer (one statement)."""
    q = sql(session)
    q.later("INSERT INTO sticky_link (customer_id, agent_id, last_interaction_at) VALUES (:c, :agent, :at) "
          "ON CONFLICT (customer_id) DO UPDATE SET agent_id = excluded.agent_id, "
          "last_interaction_at = excluded.last_interaction_at "
          "WHERE sticky_link.last_interaction_at <= excluded.last_interaction_at",
          c=customer_id, agent=agent_id, at=q.ts(at))


def refresh_link(session: Session, customer_id: str, agent_id: str | None, at: datetime) -> None:
    """Move the link's time forward when the conversation's agent is the linked agent."""
    if agent_id is None:
        return
    q = sql(session)
    q.later("UPDATE sticky_link SET last_interaction_at = :at WHERE customer_id = :c AND agent_id = :agent "
          "AND last_interaction_at < :at", at=q.ts(at), c=customer_id, agent=agent_id)


def enqueue(session: Session, kind: str, payload: str) -> None:
    q = sql(session)
    now = q.ts(clock.now())
    q.later("INSERT INTO outbox (kind, payload, state, attempts, next_attempt_at, created_at) "
          "VALUES (:kind, :payload, 'pending', 0, :now, :now)", kind=kind, payload=payload, now=now)


@dataclass
class Preflight:
    answer: str | None
    conversation_exists: bool
    settings: routing.Settings
    link: routing.Link | None


def preflight(tx, key: str, conversation_id: str, customer_id: str | None) -> Preflight:
    """What every event needs first, in one round trip: its earlier answer, whether the conversation
    exists, the settings, and the customer's link."""
    row = sql(tx).one(
        "SELECT s.sticky_days, s.availability_check, s.drain_unassigned, "
        "(SELECT answer FROM processed_event WHERE key = :key), "
        "(SELECT 1 FROM conversation WHERE id = :conv), "
        "(SELECT agent_id FROM sticky_link WHERE customer_id = :cust), "
        "(SELECT last_interaction_at FROM sticky_link WHERE customer_id = :cust) "
        "FROM settings s WHERE s.id = 1", key=key, conv=conversation_id, cust=customer_id)
    link_ = routing.Link(row[5], Sql.dt(row[6])) if row[5] is not None else None
    return Preflight(row[3], row[4] is not None, routing.Settings(row[0], bool(row[1]), bool(row[2])), link_)


def mark_processed(session: Session, key: str, conversation_id: str | None, answer: str) -> None:
    q = sql(session)
    q.later("INSERT INTO processed_event (key, conversation_id, answer, received_at) VALUES (:key, :conv, :answer, :now)",
          key=key, conv=conversation_id, answer=answer, now=q.ts(clock.now()))


def active_agents(session: Session) -> list[routing.Agent]:
    return DbDirectory(session).everyone()
