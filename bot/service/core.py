"""Applying decisions: the one place where loads, links, the queue and the outbox change together."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, or_
from sqlmodel import Session, select

import routing
from routing import Decision, Outcome, Rule

from .. import clock, store
from ..models import Conversation, DecisionRow, StickyLink
from ..outbox import Kind, enqueue

_ROUTE_TRIES = 5


def route(session: Session, event: routing.Event) -> Decision:
    """Decide for `event`, holding the chosen agent's row so its load cannot change before commit.

    On PostgreSQL the chosen agent is locked and read again; if what the decision saw is no longer
    true the decision is made again. SQLite transactions already hold the database's write lock.
    """
    settings = store.settings(session)
    link = store.link(session, event.customer_id)
    if session.get_bind().dialect.name == "sqlite":
        return routing.decide(event, settings, link, store.DbDirectory(session))
    for _ in range(_ROUTE_TRIES):
        # A savepoint per try: rolling it back releases the lock of an agent we did not keep,
        # so a transaction never holds one agent while waiting for another (no deadlocks).
        attempt = session.begin_nested()
        directory = store.DbDirectory(session)
        decision = routing.decide(event, settings, link, directory)
        if not decision.assigned:
            attempt.commit()
            return decision
        if _still_holds(store.lock_agent(session, decision.agent), directory.seen[decision.agent]):
            attempt.commit()
            return decision
        attempt.rollback()
    raise store.Contention(f"agent {decision.agent} kept changing while deciding")


def _still_holds(fresh, seen: routing.Agent) -> bool:
    """What the decision relied on is still true of the locked row: active, and available if it was."""
    if fresh is None or not fresh.active:
        return False
    return store.as_agent(fresh).available or not seen.available


def apply(session: Session, conv: Conversation, decision: Decision, at: datetime,
          event_id: str | None = None) -> DecisionRow:
    """Record `decision` for `conv` and make it so: loads, rotation, link, queue, handoff."""
    row = DecisionRow(conversation_id=conv.id, status=decision.status, agent_id=decision.agent,
                      team=decision.team, rule=decision.rule, reason=decision.reason,
                      decided_at=clock.utc(at), event_id=event_id)
    session.add(row)
    session.flush()
    if decision.rule != Rule.MANUAL:
        session.info.setdefault("decided", []).append(str(decision.rule))
    held = conv.agent_id if conv.status == "assigned" else None
    if decision.rule != Rule.QUEUE and decision.rule != Rule.MANUAL:
        conv.team = decision.team
    if decision.status == Outcome.ASSIGNED:
        if held != decision.agent:
            store.add_load(session, held, -1)
            store.add_load(session, decision.agent, +1)
        if decision.rule != Rule.MANUAL:
            store.mark_assigned(session, decision.agent, row.id)
        conv.status, conv.agent_id, conv.queued_at, conv.queue_seq = "assigned", decision.agent, None, None
        store.set_link(session, conv.customer_id, decision.agent, at)
    else:
        store.add_load(session, held, -1)
        conv.status, conv.agent_id = "unassigned", None
        conv.queued_at, conv.queue_seq = clock.utc(at), row.id
    conv.updated_at = clock.utc(clock.now())
    session.add(conv)
    if decision.rule != Rule.MANUAL:
        payload = {"decision": row.id, "conversation": conv.id}
        if decision.linked_agent:
            payload.update(linked=decision.linked_agent, since_days=decision.since.days if decision.since else None)
        enqueue(session, Kind.SLACK_HANDOFF, payload)
        if conv.channel == "chatwoot" and decision.status == Outcome.ASSIGNED:
            enqueue(session, Kind.CHATWOOT_ASSIGN, {"decision": row.id, "conversation": conv.id})
    return row


def drain(session: Session, agent_id: str | None, at: datetime, why: str) -> list[DecisionRow]:
    """Give an available agent the queued conversations it may take: its own customers first, then oldest."""
    if agent_id is None or not store.settings(session).drain_unassigned:
        return []
    row = store.lock_agent(session, agent_id)
    if row is None or not store.as_agent(row).available:
        return []
    room = None if row.max_open is None else row.max_open - row.open_load
    teams = store.DbDirectory(session).teams_of(agent_id)
    mine = case((StickyLink.agent_id == agent_id, 0), else_=1)
    query = (
        select(Conversation)
        .outerjoin(StickyLink, StickyLink.customer_id == Conversation.customer_id)
        .where(Conversation.status == "unassigned",
               or_(Conversation.team.is_(None), Conversation.team.in_(teams)) if teams
               else Conversation.team.is_(None))
        .order_by(mine, Conversation.queued_at, Conversation.queue_seq)
        .with_for_update(skip_locked=True, of=Conversation)
    )
    if room is not None:
        query = query.limit(room)
    taken = []
    for conv in session.exec(query).all():
        since = clock.iso(conv.queued_at)
        decision = Decision(Outcome.ASSIGNED, agent_id, conv.team, Rule.QUEUE,
                            f"{agent_id} {why}; waiting in the queue since {since}")
        taken.append(apply(session, conv, decision, at))
    return taken


def reroute(session: Session, conv: Conversation, at: datetime, leaving: str, why: str) -> DecisionRow:
    """Route an open conversation again by rules 3-4, without `leaving`."""
    event = routing.Event(customer_id=conv.customer_id, occurred_at=at, team=conv.team,
                          exclude=frozenset({leaving}))
    decision = route(session, event)
    decision = Decision(decision.status, decision.agent, decision.team, decision.rule, f"{why}; {decision.reason}")
    return apply(session, conv, decision, at)


def eligible_open(session: Session, agent_id: str) -> list[Conversation]:
    return list(session.exec(
        select(Conversation).where(and_(Conversation.agent_id == agent_id, Conversation.status == "assigned"))
        .order_by(Conversation.created_at, Conversation.id).with_for_update()
    ).all())
