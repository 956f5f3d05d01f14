"""One use-case per event type. Each runs inside one write transaction."""
from __future__ import annotations

import json
from typing import Callable

from sqlmodel import Session

import routing
from integrations.inbound import EventType, Inbound
from routing import Decision, Outcome, Rule

from .. import store
from ..db import Database
from ..store import Conv
from . import core


def handle(db: Database, event: Inbound) -> dict:
    """Apply one inbound event exactly once; a repeated key gets the first answer back."""
    return db.transact(lambda tx: _handle(tx, event), raw=True)


def _handle(session: Session, event: Inbound) -> dict:
    pre = store.preflight(session, event.key, event.conversation_id, event.customer_id)
    if pre.answer is not None:
        return {**json.loads(pre.answer), "duplicate": True}
    if event.type in (EventType.CREATED, EventType.REOPENED) and not pre.conversation_exists:
        answer = _route_new(session, event, pre)  # the common case, with what the preflight read
    else:
        answer = _HANDLERS[event.type](session, event)
    answer.setdefault("duplicate", False)
    # Written last: a concurrent delivery of the same event loses here (unique key) and is run again,
    # then finds this answer.
    store.mark_processed(session, event.key, event.conversation_id, json.dumps({**answer, "duplicate": False}))
    return answer


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
    store.remember_customer(session, event.customer_id, event.customer_name, event.customer_email)
    conv.customer_id = event.customer_id
    conv.url = event.conversation_url or conv.url
    return _route(session, conv, event)


def _route_new(session: Session, event: Inbound, pre: store.Preflight | None = None) -> dict:
    store.remember_customer(session, event.customer_id, event.customer_name, event.customer_email)
    conv = Conv(id=event.conversation_id, customer_id=event.customer_id, status="new", url=event.conversation_url,
                channel=event.channel, team=event.team, created_at=event.occurred_at, stored=False)
    return _route(session, conv, event, pre)


def _route(session: Session, conv: Conv, event: Inbound, pre: store.Preflight | None = None) -> dict:
    known = {"settings": pre.settings, "link": pre.link} if pre is not None else {}
    decision = core.route(session, routing.Event(
        customer_id=event.customer_id, occurred_at=event.occurred_at, team=event.team,
        assign_agent=event.assign_agent, assign_team=event.assign_team,
        availability_check=event.availability_check), **known)
    core.apply(session, conv, decision, event.occurred_at, event_id=event.key, claimed=decision.assigned)
    return {"conversation": conv.id, "status": str(decision.status), "agent": decision.agent,
            "team": decision.team, "rule": str(decision.rule), "reason": decision.reason}


def _resolved(session: Session, event: Inbound) -> dict:
    conv = store.conversation(session, event.conversation_id)
    if conv is None:
        return ignored(event.conversation_id, "no such conversation: it was never routed by stickybot")
    if conv.status != "resolved":
        freed = conv.holder
        store.add_load(session, freed, -1)
        conv.status, conv.queued_at, conv.queue_seq = "resolved", None, None
        store.save_conversation(session, conv)
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
        store.save_conversation(session, conv)
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


def routed_answer(session: Session, conv: Conv) -> dict:
    """A conversation's current state in the shape of a created/reopened answer."""
    last = store.last_decision(session, conv.id)
    return {"conversation": conv.id, "status": conv.status,
            "agent": conv.agent_id if conv.status != "unassigned" else None, "team": conv.team,
            "rule": last[0] if last else None, "reason": last[1] if last else None}


def state_answer(conv: Conv) -> dict:
    return {"conversation": conv.id, "status": conv.status, "agent": conv.agent_id}


def ignored(conversation_id: str, reason: str, agent: str | None = None) -> dict:
    return {"conversation": conversation_id, "status": "ignored", "agent": agent, "reason": reason}
