"""The assignment step, the one place where loads, links, the queue and the outbox change together.

1. Load what the decision needs (`Known`: settings and the customer's link; the directory is read through the
   store as the decision asks).
2. `routing.decide()`: pure.
3. `store.record_decision()`: one operation that takes the seat with the chosen agent (if it is still free)
   and records the decision. If the seat was taken meanwhile, decide again with what is true now.
4. `settle()`: give back the previous holder's seat, move the conversation, the link and the queue, and write
   the handoff to the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import routing
from routing import Decision, Outcome, Rule, lit

from .. import clock
from ..store import Contention, Conversation, ConversationStatus, OutboxKind, Store

_TRIES = 5


@dataclass(frozen=True)
class Known:
    """What a decision needs besides the directory."""

    settings: routing.Settings
    link: routing.Link | None


def known(store: Store, customer_id: str) -> Known:
    return Known(store.settings(), store.link(customer_id))


@dataclass(frozen=True)
class Assigned:
    decision_id: int
    conversation_id: str
    status: str
    agent_id: str | None
    rule: str


def route(store: Store, conv: Conversation, event: routing.Event, facts: Known, at: datetime,
          event_id: str | None = None, note: str | None = None) -> tuple[Decision, Assigned]:
    """Decide for `event` and make it so. `note` (a reason template: see routing.reason) goes before the reason,
    e.g. why it is routed again."""
    for _ in range(_TRIES):
        # Read again on every try: a lost seat means the directory changed.
        decision = routing.decide(event, facts.settings, facts.link, store.directory())
        if note:
            decision = replace(decision, reason=f"{note}; {decision.reason}")
        decision_id = store.record_decision(conv.id, decision, at, event_id, rotation=True)
        if decision_id is not None:
            return decision, settle(store, conv, decision, decision_id, at)
    raise Contention(f"agent {decision.agent} kept changing while deciding")


def reroute(store: Store, conv: Conversation, at: datetime, leaving: str, why: str) -> Assigned:
    """Route an open conversation again by rules 3-4, without `leaving`; `why` is a reason template."""
    event = routing.Event(customer_id=conv.customer_id, occurred_at=at, team=conv.team,
                          exclude=frozenset({leaving}))
    return route(store, conv, event, known(store, conv.customer_id), at, note=why)[1]


def reassign(store: Store, conv: Conversation, agent_id: str, at: datetime, event_id: str | None,
             why: str) -> Assigned:
    """A person moved the conversation to `agent_id` in the chat tool: obeyed, recorded, never rotated. `why` is
    a reason template."""
    decision = Decision(Outcome.ASSIGNED, agent_id, conv.team, Rule.MANUAL, why)
    decision_id = store.record_decision(conv.id, decision, at, event_id, rotation=False)
    if decision_id is None:
        raise Contention(f"agent {agent_id} changed while reassigning")
    return settle(store, conv, decision, decision_id, at)


def drain(store: Store, agent_id: str | None, at: datetime, why: str,
          settings: routing.Settings | None = None) -> list[Assigned]:
    """Give an available agent the queued conversations it may take: first its own returning customers (a link
    inside the window now), then the oldest, until it is full."""
    settings = settings or store.settings()
    if agent_id is None or not settings.drain_unassigned:
        return []
    agent = store.agent(agent_id, for_update=True)
    if agent is None or not agent.available:
        return []
    room = None if agent.max_open is None else agent.max_open - agent.open_load
    since = at - timedelta(days=settings.sticky_days) if settings.sticky_days > 0 else None
    taken = []
    for conv in store.queue_for(agent_id, list(agent.teams), room, since):
        decision = Decision(Outcome.ASSIGNED, agent_id, conv.team, Rule.QUEUE,
                            f"{lit(agent_id)} {why}; waiting in the queue since {clock.iso(conv.queued_at)}",
                            needs_room=True)
        decision_id = store.record_decision(conv.id, decision, at, None, rotation=True)
        if decision_id is None:
            break  # full after all
        taken.append(settle(store, conv, decision, decision_id, at))
    return taken


def settle(store: Store, conv: Conversation, decision: Decision, decision_id: int, at: datetime) -> Assigned:
    """Make a recorded decision so. Its seat (for an assignment) is already taken."""
    by_stickybot = decision.rule != Rule.MANUAL
    if by_stickybot:
        store.info.setdefault("decided", []).append(str(decision.rule))  # counted once committed
    if conv.holder is not None:
        store.free_seat(conv.holder)
    if decision.rule not in (Rule.QUEUE, Rule.MANUAL):
        conv.team = decision.team
    if decision.assigned:
        conv.status, conv.agent_id, conv.queued_at, conv.queue_seq = ConversationStatus.ASSIGNED, decision.agent, \
            None, None
        store.set_link(conv.customer_id, decision.agent, at)
    else:
        conv.status, conv.agent_id = ConversationStatus.UNASSIGNED, None
        conv.queued_at, conv.queue_seq = clock.utc(at), decision_id
    store.save_conversation(conv)
    if by_stickybot:
        handoff = {"decision": decision_id, "conversation": conv.id}
        if decision.linked_agent:
            handoff.update(linked=decision.linked_agent, since_days=decision.since.days if decision.since else None)
        store.enqueue(OutboxKind.SLACK_HANDOFF, handoff)
        if conv.channel == "chatwoot" and decision.assigned:
            store.enqueue(OutboxKind.CHATWOOT_ASSIGN, {"decision": decision_id, "conversation": conv.id})
    return Assigned(decision_id, conv.id, str(conv.status), conv.agent_id, str(decision.rule))
