"""One use-case per event type. Each runs inside one write transaction."""
from __future__ import annotations

import json
from typing import Callable

from sqlmodel import Session, select

import routing
from integrations.inbound import EventType, Inbound
from routing import Decision, Outcome, Rule

from .. import clock, store
from ..db import Database
from ..models import AgentRow, Conversation, Customer, DecisionRow, ProcessedEvent
from . import core


def handle(db: Database, event: Inbound) -> dict:
    """Apply one inbound event exactly once; a repeated key gets the first answer back."""
    return db.transact(lambda session: _handle(session, event))


def _handle(session: Session, event: Inbound) -> dict:
    prior = session.get(ProcessedEvent, event.key)
    if prior is not None:
        return {**json.loads(prior.answer), "duplicate": True}
    # Claim the key first: a concurrent delivery of the same event waits here, then retries and finds it.
    marker = ProcessedEvent(key=event.key, conversation_id=event.conversation_id, answer="{}",
                            received_at=clock.utc(clock.now()))
    session.add(marker)
    session.flush()
    answer = _HANDLERS[event.type](session, event)
    marker.answer = json.dumps(answer)
    session.add(marker)
    return {**answer, "duplicate": answer.get("duplicate", False)}


def _created(session: Session, event: Inbound) -> dict:
    conv = store.conversation(session, event.conversation_id)
    if conv is not None:
        return {**routed_answer(session, conv), "duplicate": True}
    return _route_new(session, event)


def _reopened(session: Session, event: Inbound) -> dict:
    conv = store.conversation(session, event.conversation_id)
    if conv is None:
        return _route_new(session, event)
    if conv.status != "resolved":
        return {**routed_answer(session, conv), "duplicate": True}
    _remember_customer(session, event)
    conv.customer_id = event.customer_id
    if event.conversation_url:
        conv.url = event.conversation_url
    return _route(session, conv, event)


def _route_new(session: Session, event: Inbound) -> dict:
    _remember_customer(session, event)
    at = clock.utc(event.occurred_at)
    conv = Conversation(id=event.conversation_id, customer_id=event.customer_id, status="new",
                        url=event.conversation_url, channel=event.channel, team=event.team,
                        created_at=at, updated_at=clock.utc(clock.now()))
    session.add(conv)
    session.flush()  # a concurrent create of the same conversation fails here and is retried as a duplicate
    return _route(session, conv, event)


def _route(session: Session, conv: Conversation, event: Inbound) -> dict:
    decision = core.route(session, routing.Event(
        customer_id=event.customer_id, occurred_at=event.occurred_at, team=event.team,
        assign_agent=event.assign_agent, assign_team=event.assign_team,
        availability_check=event.availability_check))
    core.apply(session, conv, decision, event.occurred_at, event_id=event.key)
    return _decision_answer(conv.id, decision)


def _resolved(session: Session, event: Inbound) -> dict:
    conv = store.conversation(session, event.conversation_id)
    if conv is None:
        return ignored(event.conversation_id, "no such conversation: it was never routed by stickybot")
    if conv.status != "resolved":
        freed = conv.agent_id if conv.status == "assigned" else None
        store.add_load(session, freed, -1)
        conv.status, conv.queued_at, conv.queue_seq = "resolved", None, None
        conv.updated_at = clock.utc(clock.now())
        session.add(conv)
        store.refresh_link(session, conv.customer_id, conv.agent_id, event.occurred_at)
        core.drain(session, freed, event.occurred_at, "resolved a conversation and has room")
    else:
        store.refresh_link(session, conv.customer_id, conv.agent_id, event.occurred_at)
    return state_answer(conv)


def _assigned(session: Session, event: Inbound) -> dict:
    conv = store.conversation(session, event.conversation_id)
    if conv is None:
        return ignored(event.conversation_id, "no such conversation: it was never routed by stickybot")
    agent = store.DbDirectory(session).agent(event.agent)
    if agent is None or not agent.active:
        what = "not in the directory" if agent is None else "deactivated"
        return ignored(conv.id, f"agent '{event.agent}' is {what}", conv.agent_id)
    if conv.agent_id == agent.id and conv.status != "unassigned":
        store.set_link(session, conv.customer_id, agent.id, event.occurred_at)
        return state_answer(conv)
    if conv.status == "resolved":
        conv.agent_id = agent.id
        session.add(conv)
        store.set_link(session, conv.customer_id, agent.id, event.occurred_at)
        return state_answer(conv)
    decision = Decision(Outcome.ASSIGNED, agent.id, conv.team, Rule.MANUAL,
                        f"reassigned to {agent.id} in the chat tool")
    core.apply(session, conv, decision, event.occurred_at, event_id=event.key)
    return state_answer(conv)


def _message(session: Session, event: Inbound) -> dict:
    conv = store.conversation(session, event.conversation_id)
    if conv is None:
        return ignored(event.conversation_id, "no such conversation: it was never routed by stickybot")
    store.refresh_link(session, conv.customer_id, conv.agent_id, event.occurred_at)
    return state_answer(conv)


_HANDLERS: dict[EventType, Callable[[Session, Inbound], dict]] = {
    EventType.CREATED: _created, EventType.REOPENED: _reopened, EventType.RESOLVED: _resolved,
    EventType.ASSIGNED: _assigned, EventType.MESSAGE: _message,
}


def _remember_customer(session: Session, event: Inbound) -> None:
    customer = session.get(Customer, event.customer_id)
    if customer is None:
        customer = Customer(id=event.customer_id)
    if event.customer_name is not None:
        customer.name = event.customer_name
    if event.customer_email is not None:
        customer.email = event.customer_email
    session.add(customer)


def _decision_answer(conversation_id: str, d: Decision) -> dict:
    return {"conversation": conversation_id, "status": str(d.status), "agent": d.agent, "team": d.team,
            "rule": str(d.rule), "reason": d.reason}


def routed_answer(session: Session, conv: Conversation) -> dict:
    """A conversation's current state in the shape of a created/reopened answer."""
    last = session.exec(select(DecisionRow).where(DecisionRow.conversation_id == conv.id)
                        .order_by(DecisionRow.id.desc()).limit(1)).first()
    return {"conversation": conv.id, "status": conv.status,
            "agent": conv.agent_id if conv.status != "unassigned" else None, "team": conv.team,
            "rule": last.rule if last else None, "reason": last.reason if last else None}


def state_answer(conv: Conversation) -> dict:
    return {"conversation": conv.id, "status": conv.status, "agent": conv.agent_id}


def ignored(conversation_id: str, reason: str, agent: str | None = None) -> dict:
    return {"conversation": conversation_id, "status": "ignored", "agent": agent, "reason": reason}


def agent_row(session: Session, ref: str) -> AgentRow | None:
    found = store.DbDirectory(session).agent(ref)
    return session.get(AgentRow, found.id) if found else None
