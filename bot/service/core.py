"""Applying decisions: the one place where loads, links, the queue and the outbox change together."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import json

import routing
from routing import Decision, Outcome, Rule

from .. import clock, store
from ..outbox import Kind
from ..store import Conv

_ROUTE_TRIES = 5


@dataclass(frozen=True)
class Applied:
    decision_id: int
    conversation_id: str
    status: str
    agent_id: str | None
    rule: str


def route(session, event: routing.Event, settings: routing.Settings | None = None,
          link: routing.Link | None | bool = False) -> Decision:
    """Decide for `event` and, for an assignment, take the seat with the chosen agent at once.

    The seat is taken by one conditional update (the agent still active, and still available if the
    decision relied on it), which also holds the agent's row until commit. If another transaction got
    there first, the decision is made again with what is true now. The returned decision's load is
    counted already: `apply` must be told so (claimed=True).
    """
    settings = settings or store.settings(session)
    if link is False:
        link = store.link(session, event.customer_id)
    for _ in range(_ROUTE_TRIES):
        directory = store.DbDirectory(session)
        decision = routing.decide(event, settings, link, directory)
        if not decision.assigned:
            return decision
        if store.claim(session, decision.agent, must_be_available=directory.seen[decision.agent].available):
            return decision
    raise store.Contention(f"agent {decision.agent} kept changing while deciding")


def apply(session, conv: Conv, decision: Decision, at: datetime, event_id: str | None = None,
          claimed: bool = False) -> Applied:
    """Record `decision` for `conv` and make it so: loads, rotation, link, queue, handoff.
    `claimed`: route() already counted the new agent's seat."""
    decision_id = store.add_decision(session, conv.id, decision, at, event_id)
    stickybot_made = decision.rule != Rule.MANUAL
    if stickybot_made:
        session.info.setdefault("decided", []).append(str(decision.rule))  # counted once committed
    held = conv.holder
    if decision.rule not in (Rule.QUEUE, Rule.MANUAL):
        conv.team = decision.team
    if decision.status == Outcome.ASSIGNED:
        moved = held != decision.agent
        if moved:
            store.add_load(session, held, -1)
        delta = (1 if moved else 0) - (1 if claimed else 0)
        store.add_load(session, decision.agent, delta, decision_id if stickybot_made else None)
        conv.status, conv.agent_id, conv.queued_at, conv.queue_seq = "assigned", decision.agent, None, None
        store.set_link(session, conv.customer_id, decision.agent, at)
    else:
        store.add_load(session, held, -1)
        conv.status, conv.agent_id = "unassigned", None
        conv.queued_at, conv.queue_seq = clock.utc(at), decision_id
    store.save_conversation(session, conv)
    if stickybot_made:
        payload = {"decision": decision_id, "conversation": conv.id}
        if decision.linked_agent:
            payload.update(linked=decision.linked_agent, since_days=decision.since.days if decision.since else None)
        store.enqueue(session, Kind.SLACK_HANDOFF, json.dumps(payload, separators=(",", ":")))
        if conv.channel == "chatwoot" and decision.status == Outcome.ASSIGNED:
            store.enqueue(session, Kind.CHATWOOT_ASSIGN, json.dumps({"decision": decision_id, "conversation": conv.id}))
    return Applied(decision_id, conv.id, conv.status, conv.agent_id, str(decision.rule))


def drain(session, agent_id: str | None, at: datetime, why: str) -> list[Applied]:
    """Give an available agent the queued conversations it may take: its own customers first, then oldest."""
    if agent_id is None or not store.settings(session).drain_unassigned:
        return []
    agent = store.lock_agent(session, agent_id)
    if agent is None or not agent.available:
        return []
    room = None if agent.max_open is None else agent.max_open - agent.open_load
    ids = store.waiting_for(session, agent_id, store.DbDirectory(session).teams_of(agent_id), room)
    taken = []
    for conv in sorted(store.queued(session, ids), key=lambda c: ids.index(c.id)):
        since = clock.iso(conv.queued_at)
        decision = Decision(Outcome.ASSIGNED, agent_id, conv.team, Rule.QUEUE,
                            f"{agent_id} {why}; waiting in the queue since {since}")
        taken.append(apply(session, conv, decision, at))
    return taken


def reroute(session, conv: Conv, at: datetime, leaving: str, why: str) -> Applied:
    """Route an open conversation again by rules 3-4, without `leaving`."""
    event = routing.Event(customer_id=conv.customer_id, occurred_at=at, team=conv.team,
                          exclude=frozenset({leaving}))
    decision = route(session, event)
    decision = Decision(decision.status, decision.agent, decision.team, decision.rule, f"{why}; {decision.reason}",
                        decision.linked_agent, decision.since)
    return apply(session, conv, decision, at, claimed=decision.assigned)
