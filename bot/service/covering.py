"""What an absence, or the end of a shift, does to conversations already in flight (CONTRACT.md 9.1-9.2):
nobody waits on an absent agent, and an open conversation follows its absent agent's cover once the customer
writes again."""
from __future__ import annotations

from datetime import datetime

import routing
from routing import CUSTOMER, availability, lit

from ..store import Conversation, ConversationStatus, Store, Trigger
from .assignment import Assigned, known, reroute, route, update_dm, where_it_went


def customer_wrote(store: Store, conv: Conversation, at: datetime, event_id: str | None) -> Assigned | None:
    """The customer wrote in an open conversation (locked) whose agent is absent at `at`: it goes to that
    agent's cover (rule cover), or rule 3's fallbacks with the conversation's team. None: its agent is not
    absent after all (the preflight read before the lock), and nothing changes."""
    holder = conv.holder
    agent = store.directory(at).agent(holder) if holder is not None else None
    if agent is None or availability.absence_at(agent, at) is None:
        return None
    event = routing.Event(customer_id=conv.customer_id, occurred_at=at, team=conv.team, absent_holder=holder,
                          exclude=frozenset({holder}))
    _, moved = route(store, conv, event, known(store, conv), at, Trigger.ABSENT, event_id, note=f"{CUSTOMER} wrote")
    update_dm(store, conv.id, moved.decision_id, "the customer wrote while you were absent; "
                                                 + where_it_went(moved.status, moved.agent_id, moved.rule))
    return moved


def release_holds(store: Store, now: datetime) -> list[Assigned]:
    """Held conversations nobody should wait on any longer, by the server's clock: those held for an agent who
    is absent now (to its cover first), and those held for an agent who went off duty and does not start
    again before the hold's end (rule 3's fallbacks without it)."""
    held = store.held()
    if not held:
        return []
    directory = store.directory(now)
    agents = {agent_id: directory.agent(agent_id) for agent_id in {c.held_for for c in held}}
    done = []
    for conv in held:
        agent = agents[conv.held_for]
        why = _why_not_waiting(agent, conv, now) if agent is not None else None
        if why is None:
            continue
        current = store.conversation(conv.id, for_update=True)
        if current is None or current.status != ConversationStatus.HELD or current.held_for != conv.held_for:
            continue  # moved on meanwhile
        done.append(_move_on(store, current, agent, why, now))
    return done


def _why_not_waiting(agent: routing.Agent, conv: Conversation, now: datetime) -> str | None:
    if availability.absence_at(agent, now) is not None:
        return "absent"
    if not availability.on_duty(agent, now) and conv.held_until is not None \
            and availability.next_start(agent, now, conv.held_until) is None:
        return "off duty"
    return None


def _move_on(store: Store, conv: Conversation, agent: routing.Agent, why: str, now: datetime) -> Assigned:
    if why == "absent":
        event = routing.Event(customer_id=conv.customer_id, occurred_at=now, team=conv.team,
                              absent_holder=agent.id, exclude=frozenset({agent.id}))
        return route(store, conv, event, known(store, conv), now, Trigger.ABSENT,
                     note=f"held for {lit(agent.id)}")[1]
    return reroute(store, conv, now, agent.id, f"held for {lit(agent.id)}, who went off duty and is not back "
                   "before the wait ends", Trigger.OFF_DUTY, waited=True)
