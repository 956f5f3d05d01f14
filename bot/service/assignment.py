"""The assignment step, the one place where loads, links, the queue, holds, claims and the outbox change
together.

1. Load what the decision needs (`Known`: settings, the customer's link and blocks, the agents left out of
   this conversation; the directory is read through the store as the decision asks).
2. `routing.decide()`: pure.
3. `store.record_decision()`: one operation that takes the seat with the chosen agent (if it is still free)
   and records the decision. If the seat was taken meanwhile, decide again with what is true now. (On
   PostgreSQL a routed event's seat goes out last, with the COMMIT: a seat gone by then fails the commit and
   the whole transaction runs again, which decides again just the same.)
4. `settle()`: give back the previous holder's seat, move the conversation (assigned, queued or held), the
   link and the claim timer, and write the DM to the outbox.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import routing
from routing import Decision, Outcome, Rule, availability, lit

from .. import clock
from ..store import Contention, Conversation, ConversationStatus, DecisionRecord, OutboxKind, Store, Trigger

_TRIES = 5
# Assignments stickybot makes that its agent must claim in time (CONTRACT.md 8.2).
CLAIMED_RULES = frozenset({Rule.EXPLICIT_TEAM, Rule.STICKY, Rule.STICKY_TEAM, Rule.STICKY_TEAMS, Rule.DEFAULT,
                           Rule.QUEUE, Rule.SUCCESSOR, Rule.COVER})
# A person chose the agent: the customer's link follows, even away from an absent agent.
PERSON_CHOSE = frozenset({Rule.EXPLICIT_AGENT, Rule.TAKEN, Rule.MANUAL})


@dataclass(frozen=True)
class Known:
    """What a decision needs besides the directory."""

    settings: routing.Settings
    link: routing.Link | None
    blocked: frozenset[str] = frozenset()   # agents the customer must never reach
    left_out: frozenset[str] = frozenset()  # agents left out of this conversation until it is resolved
    broken: routing.Link | None = None      # the link an admin broke last (read only where a reason needs it)


def known(store: Store, conv: Conversation) -> Known:
    return Known(store.settings(), store.link(conv.customer_id), store.blocked(conv.customer_id),
                 store.left_out(conv.id))


@dataclass(frozen=True)
class Assigned:
    decision_id: int
    conversation_id: str
    status: str
    agent_id: str | None
    rule: str


def route(store: Store, conv: Conversation, event: routing.Event, facts: Known, at: datetime, trigger: Trigger,
          event_id: str | None = None, note: str | None = None) -> tuple[Decision, Assigned]:
    """Decide for `event` and make it so. `note` (a reason template: see routing.reason) goes before the reason,
    e.g. why it is routed again."""
    event = replace(event, exclude=event.exclude | facts.left_out)
    for _ in range(_TRIES):
        decision = decide(store, event, facts)
        if note:
            decision = replace(decision, reason=f"{note}; {decision.reason}")
        decision_id = store.record_decision(conv.id, decision, at, event_id, rotation=True, trigger=trigger)
        if decision_id is not None:
            if trigger == Trigger.EVENT:
                _count_stickiness(store, decision)
            return decision, settle(store, conv, decision, decision_id, at, facts.settings)
    raise Contention(f"agent {decision.agent} kept changing while deciding")


def _count_stickiness(store: Store, decision: Decision) -> None:
    """For the metrics, once committed: a created or reopened conversation's first decision, as the stats count
    it (a hold's outcome is counted when the hold ends)."""
    if decision.window_passed:
        store.info.setdefault("counted", []).append("window_passed")
    if not decision.returning:
        return
    store.info.setdefault("counted", []).append("returning")
    if decision.held:
        return  # counted when the hold ends (its miss too, unless the agent came back)
    went = _went(decision, decision.linked_agent)
    store.info.setdefault("returning_outcome", []).append(went)
    if decision.miss is not None and went != "to_their_agent":
        store.info.setdefault("missed", []).append(str(decision.miss))


def _went(decision: Decision, their_agent: str | None) -> str:
    if not decision.assigned:
        return "to_unassigned"
    if decision.agent == their_agent:
        return "to_their_agent"
    return "to_cover" if decision.rule == Rule.COVER else "to_teammate"


def decide(store: Store, event: routing.Event, facts: Known) -> Decision:
    """The decision for `event` with what the store holds now (read again on every call: a lost seat means
    the directory changed). Routing and the preview share it."""
    return routing.decide(event, facts.settings, facts.link, store.directory(event.occurred_at), facts.blocked,
                          facts.broken)


def preview(store: Store, customer_id: str, team: str | None, at: datetime) -> Decision:
    """The decision a conversation.created would get at `at`; nothing is recorded or changed."""
    link = store.link(customer_id)
    facts = Known(store.settings(), link, store.blocked(customer_id),
                  broken=store.broken_link(customer_id) if link is None else None)
    return decide(store, routing.Event(customer_id=customer_id, occurred_at=at, team=team), facts)


def reroute(store: Store, conv: Conversation, at: datetime, leaving: str, why: str, trigger: Trigger,
            leave_out: bool = False, waited: bool = False) -> Assigned:
    """Route an open or held conversation again by rules 3-4, without `leaving` (kept out of it until it is
    resolved when `leave_out`); `why` is a reason template. `waited`: the customer waited for `leaving` in
    vain (a hold ran out): rule 3's fallbacks apply."""
    if leave_out:
        store.leave_out(conv.id, leaving)
    facts = known(store, conv)
    facts = replace(facts, left_out=facts.left_out | {leaving})
    event = routing.Event(customer_id=conv.customer_id, occurred_at=at, team=conv.team,
                          waited_for=leaving if waited else None)
    return route(store, conv, event, facts, at, trigger, note=why)[1]


def assign(store: Store, conv: Conversation, agent_id: str, rule: Rule, why: str, at: datetime,
           trigger: Trigger, event_id: str | None = None, settings: routing.Settings | None = None) -> Assigned:
    """Give the conversation to `agent_id` whatever its state: a person's reassignment in the chat tool (rule
    manual, never part of the rotation), or an agent taking it (rule taken). `why` is a reason template."""
    decision = Decision(Outcome.ASSIGNED, agent_id, conv.team, rule, why)
    decision_id = store.record_decision(conv.id, decision, at, event_id, rotation=rule != Rule.MANUAL,
                                        trigger=trigger)
    if decision_id is None:
        raise Contention(f"agent {agent_id} changed while assigning")
    return settle(store, conv, decision, decision_id, at, settings or store.settings())


def drain(store: Store, agent_id: str | None, at: datetime, why: str,
          settings: routing.Settings | None = None) -> list[Assigned]:
    """An agent that is available now takes, until full: first the conversations held for it (the longest
    waiting first), whatever drain_unassigned says; then, if the queue drains, its own returning customers (a
    link inside the window now) and then the oldest."""
    settings = settings or store.settings()
    if agent_id is None:
        return []
    agent = store.agent(agent_id, for_update=True, at=at)
    if agent is None or not agent.available_at(at):
        return []
    room = None if agent.max_open is None else agent.max_open - agent.open_load
    taken = []
    for conv in store.held_for(agent_id, room):
        waited = _minutes(at - conv.held_since) if conv.held_since else "a while"
        decision = Decision(Outcome.ASSIGNED, agent_id, conv.team, Rule.STICKY,
                            f"{lit(agent_id)} {why}: the returning customer waited {waited} for them",
                            needs_room=True, linked_agent=agent_id)
        decision_id = store.record_decision(conv.id, decision, at, None, rotation=True, trigger=Trigger.CAME_BACK)
        if decision_id is None:
            return taken  # full after all
        taken.append(settle(store, conv, decision, decision_id, at, settings))
    if not settings.drain_unassigned or (room is not None and len(taken) >= room):
        return taken
    since = at - timedelta(days=settings.sticky_days) if settings.sticky_days > 0 else None
    room = None if room is None else room - len(taken)
    for conv in store.queue_for(agent_id, list(agent.teams), room, since):
        decision = Decision(Outcome.ASSIGNED, agent_id, conv.team, Rule.QUEUE,
                            f"{lit(agent_id)} {why}; waiting in the queue since {clock.iso(conv.queued_at)}",
                            needs_room=True)
        decision_id = store.record_decision(conv.id, decision, at, None, rotation=True, trigger=Trigger.DRAIN)
        if decision_id is None:
            break  # full after all
        taken.append(settle(store, conv, decision, decision_id, at, settings))
    return taken


def end_holds(store: Store, now: datetime, limit: int = 100) -> list[Assigned]:
    """Held conversations whose wait is over go through rule 3's fallbacks, without the agent they waited for."""
    done = []
    for conv in store.holds_due(now, limit):
        waited_for = conv.held_for
        done.append(reroute(store, conv, now, waited_for, f"waited {_minutes(now - conv.held_since)} for "
                            f"{lit(waited_for)}", Trigger.HOLD_OVER, waited=True))
    return done


def lapse_claims(store: Store, now: datetime, limit: int = 100) -> list[Assigned]:
    """Assignments not claimed in time are routed again like a Release, their agent left out until resolved."""
    done = []
    due = store.claims_due(now, limit)
    minutes = store.settings().claim_minutes if due else 0
    for conv in due:
        late = conv.holder
        moved = reroute(store, conv, now, late, f"{lit(late)} did not take it within {_minutes_n(minutes)}",
                        Trigger.CLAIM_LAPSE, leave_out=True)
        update_dm(store, conv.id, moved.decision_id, f"you did not take it within {_minutes_n(minutes)}; "
                                                     f"{where_it_went(moved.status, moved.agent_id, moved.rule)}")
        store.info.setdefault("counted", []).append("claim_lapse")
        done.append(moved)
    return done


def settle(store: Store, conv: Conversation, decision: Decision, decision_id: int, at: datetime,
           settings: routing.Settings) -> Assigned:
    """Make a recorded decision so. Its seat (for an assignment) is already taken."""
    by_stickybot = decision.rule != Rule.MANUAL
    if by_stickybot:
        store.info.setdefault("decided", []).append(str(decision.rule))  # counted once committed
    _end_hold(store, conv, decision, decision_id, at)
    if conv.holder is not None:
        store.free_seat(conv.holder)
    if decision.rule not in (Rule.QUEUE, Rule.MANUAL):
        conv.team = decision.team
    conv.queued_at = conv.queue_seq = conv.held_since = conv.held_until = conv.claim_due = conv.claimed_at = None
    if decision.assigned:
        conv.status, conv.agent_id = ConversationStatus.ASSIGNED, decision.agent
        if settings.claim_minutes > 0 and decision.rule in CLAIMED_RULES:
            conv.claim_due = at + timedelta(minutes=settings.claim_minutes)
        _follow(store, conv.customer_id, decision, at, settings)
    elif decision.held:
        conv.status, conv.agent_id = ConversationStatus.HELD, decision.agent
        conv.held_since, conv.held_until = clock.utc(at), decision.held_until
        store.info.setdefault("counted", []).append("hold")
    else:
        conv.status, conv.agent_id = ConversationStatus.UNASSIGNED, None
        conv.queued_at, conv.queue_seq = clock.utc(at), decision_id
    store.save_conversation(conv)
    if by_stickybot:
        handoff = {"decision": decision_id, "conversation": conv.id}
        if decision.linked_agent and decision.since is not None:
            handoff.update(linked=decision.linked_agent, since_days=decision.since.days)
        if decision.covering:
            handoff.update(covering=decision.covering, covering_until=clock.iso(decision.covering_until))
        store.enqueue(OutboxKind.SLACK_HANDOFF, handoff)
        write_back = OutboxKind.of(conv.channel, "assign")  # a helpdesk's conversation: write the owner back
        if write_back is not None and decision.assigned:
            store.enqueue(write_back, {"decision": decision_id, "conversation": conv.id})
    return Assigned(decision_id, conv.id, str(conv.status), conv.agent_id, str(decision.rule))


def _follow(store: Store, customer_id: str, decision: Decision, at: datetime, settings: routing.Settings) -> None:
    """The customer's link after an assignment: it follows the agent, except that while the customer's agent is
    absent no assignment stickybot makes on its own moves it (its time moves forward instead: CONTRACT.md 9.2).
    Routing says so for its own decisions; a queue drain asks."""
    if decision.rule not in PERSON_CHOSE and (decision.keeps_link or (
            decision.rule == Rule.QUEUE and _absent_agents_link(store, customer_id, at, settings))):
        store.cover_link(customer_id, decision.agent, at)
    else:
        link_to(store, customer_id, decision.agent, at, by_person=decision.rule == Rule.MANUAL)


def _absent_agents_link(store: Store, customer_id: str, at: datetime, settings: routing.Settings) -> bool:
    """Whether the customer's link, inside the window, names an agent absent at `at`."""
    link = store.link(customer_id)
    if not routing.in_window(settings, link, at):
        return False
    agent = store.directory(at).agent(link.agent_id)
    return agent is not None and agent.active and availability.absence_at(agent, at) is not None


def link_to(store: Store, customer_id: str, agent_id: str, at: datetime, by_person: bool = False) -> None:
    """The customer's link follows an assignment; a person's choice of an agent blocked for the customer is
    obeyed but never becomes the link (routing never picks a blocked agent itself)."""
    if by_person and agent_id in store.blocked(customer_id):
        return
    store.set_link(customer_id, agent_id, at)


def _end_hold(store: Store, conv: Conversation, decision: Decision, decision_id: int, at: datetime) -> None:
    """A held conversation that a new decision moves on: count how the hold ended, and update its DM."""
    if conv.status != ConversationStatus.HELD:
        return
    came_back = decision.assigned and decision.agent == conv.held_for
    store.info.setdefault("counted", []).append("hold_came_back" if came_back else "hold_fell_back")
    store.info.setdefault("returning_outcome", []).append("after_hold" if came_back else _went(decision, None))
    held = update_dm(store, conv.id, decision_id, f"the customer waited {_minutes(at - conv.held_since)}; "
                                                  f"{where_it_went(decision.status, decision.agent, decision.rule)}")
    if not came_back and held is not None and held.miss is not None:
        store.info.setdefault("missed", []).append(held.miss)


def update_dm(store: Store, conversation_id: str, before: int | None, outcome: str) -> DecisionRecord | None:
    """Update (through the outbox) the DM of the conversation's decision before decision `before` (None: its
    latest decision) to say `outcome`; that decision is returned."""
    earlier = store.decision_before(conversation_id, before)
    if earlier is not None:
        store.enqueue(OutboxKind.SLACK_UPDATE, {"decision": earlier.id, "conversation": conversation_id,
                                                "outcome": outcome})
    return earlier


def where_it_went(status: str, agent: str | None, rule: str) -> str:
    if status == Outcome.ASSIGNED:
        return f"it went to {agent} ({rule})"
    if status == Outcome.HELD:
        return f"it is held for {agent}"
    return "it is waiting in Unassigned"


def _minutes(delta: timedelta) -> str:
    return _minutes_n(max(0, round(delta.total_seconds() / 60)))


def _minutes_n(n: int) -> str:
    return "1 min" if n == 1 else f"{n} min"
