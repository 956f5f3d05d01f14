"""One use-case per chat-channel event type, each inside the caller's write transaction."""
from __future__ import annotations

import json
from typing import Callable

import routing
from routing import Decision, Outcome, Rule, lit, render
from integrations.inbound import Author, EventType, Inbound

from .. import clock
from ..store import Conversation, ConversationStatus, Preflight, Store, Trigger
from . import assignment, covering


def handle(store: Store, event: Inbound, also: tuple[str, ...] = ()) -> dict:
    """Apply one inbound event exactly once; a repeated key gets the first answer back. `also`: further keys its
    answer is kept under (the helpdesk delivery that carried it: see earlier())."""
    routed = event.type in (EventType.CREATED, EventType.REOPENED) and not event.assign_agent
    pre = store.preflight(event.key, event.conversation_id, event.customer_id, event.alias_key,
                          team=(event.assign_team or event.team or "") if routed else None, at=event.occurred_at,
                          lock=event.type == EventType.RESOLVED)
    if pre.answer is not None:
        return {**_from_record(json.loads(pre.answer), pre.conversation_customer), "duplicate": True}
    if pre.conversation_exists and pre.conversation_channel != event.channel:
        # Channels are kept apart: one channel's events never touch another's conversations.
        return ignored(event.conversation_id, f"the conversation belongs to the {pre.conversation_channel} "
                                              f"channel, not {event.channel}") | {"duplicate": False}
    answer = _HANDLERS[event.type](store, event, pre)
    answer.setdefault("duplicate", False)
    # Written last: a concurrent delivery of the same event loses here (unique key) and is run again,
    # then finds this answer. A routed answer's reason is kept as its template (routing.reason), so that a
    # forgotten customer's id never stays behind in it.
    record = {**answer, "duplicate": False}
    if "template" in answer:
        record["reason"] = answer.pop("template")
        record["template"] = True
    for key in filter(None, (event.key, event.alias_key, *also)):
        store.mark_processed(key, event.conversation_id, json.dumps(record))
    return answer


def earlier(store: Store, key: str, conversation_id: str) -> dict | None:
    """The answer the event or delivery known by `key` got, as a duplicate's answer; None if none was applied."""
    record = store.answer_of(key)
    if record is None:
        return None
    conv = store.conversation(conversation_id)
    return {**_from_record(json.loads(record), conv.customer_id if conv else None), "duplicate": True}


def _from_record(record: dict, customer_id: str | None) -> dict:
    if record.pop("template", False):
        record["reason"] = render(record["reason"], customer_id or "")
    return record


def _created(store: Store, event: Inbound, pre: Preflight) -> dict:
    if not pre.conversation_exists:
        return _route_new(store, event, pre)
    return {**routed_answer(store, _existing(store, event)), "duplicate": True}


def _reopened(store: Store, event: Inbound, pre: Preflight) -> dict:
    if not pre.conversation_exists:
        return _route_new(store, event, pre)
    conv = _existing(store, event)
    if conv.status != ConversationStatus.RESOLVED:
        return {**routed_answer(store, conv), "duplicate": True}
    store.remember_customer(event.customer_id, event.customer_name, event.customer_email)
    conv.customer_id = event.customer_id
    conv.url = event.conversation_url or conv.url
    return _route(store, conv, event, pre)


def _route_new(store: Store, event: Inbound, pre: Preflight) -> dict:
    store.remember_customer(event.customer_id, event.customer_name, event.customer_email)
    conv = Conversation(id=event.conversation_id, customer_id=event.customer_id, status=ConversationStatus.NEW,
                        url=event.conversation_url, channel=event.channel, team=event.team,
                        created_at=event.occurred_at, label=event.conversation_label, stored=False)
    return _route(store, conv, event, pre)


def _route(store: Store, conv: Conversation, event: Inbound, pre: Preflight) -> dict:
    decision, _ = assignment.route(store, conv, routing.Event(
        customer_id=event.customer_id, occurred_at=event.occurred_at, team=event.team,
        assign_agent=event.assign_agent, assign_team=event.assign_team,
        availability_check=event.availability_check),
        assignment.Known(pre.settings, pre.link, pre.blocked, broken=pre.broken),
        event.occurred_at, Trigger.EVENT, event_id=event.key)
    return {"conversation": conv.id, "status": str(decision.status), "agent": decision.agent,
            "team": decision.team, "rule": str(decision.rule), "reason": render(decision.reason, conv.customer_id),
            "template": decision.reason, **deadlines(conv)}


def _resolved(store: Store, event: Inbound, pre: Preflight) -> dict:
    if not pre.conversation_exists:
        return _unknown(event)
    conv = _existing(store, event)
    if conv.agent_id is not None and conv.status != ConversationStatus.HELD:
        store.touch_link(conv.customer_id, conv.agent_id, event.occurred_at)
    if conv.status != ConversationStatus.RESOLVED:
        freed = conv.holder
        if freed is not None:
            store.free_seat(freed)
        if conv.status == ConversationStatus.HELD:
            store.info.setdefault("counted", []).append("hold_resolved")
            assignment.update_dm(store, conv.id, None, "it was resolved while the customer waited")
            conv.agent_id = None
        conv.status = ConversationStatus.RESOLVED
        conv.queued_at = conv.queue_seq = conv.held_since = conv.held_until = None
        store.save_conversation(conv)
        store.clear_left_out(conv.id)
        if not pre.nothing_to_drain:  # else the seat is freed with the COMMIT and nothing waits to read it
            assignment.drain(store, freed, event.occurred_at, "resolved a conversation and has room", pre.settings)
    return state_answer(conv)


def _assigned(store: Store, event: Inbound, pre: Preflight) -> dict:
    if not pre.conversation_exists:
        return _unknown(event)
    conv = _existing(store, event)
    if event.agent is None:
        return _taken_away(store, conv, event)
    agent = store.directory().agent(event.agent)
    if agent is None or not agent.active:
        what = "not in the directory" if agent is None else "deactivated"
        return ignored(conv.id, f"agent '{event.agent}' is {what}", conv.agent_id)
    if conv.status == ConversationStatus.RESOLVED or conv.holder == agent.id:
        if conv.agent_id != agent.id:
            conv.agent_id = agent.id
            store.save_conversation(conv)
        assignment.link_to(store, conv.customer_id, agent.id, event.occurred_at, by_person=True)
        return state_answer(conv)
    assignment.assign(store, conv, agent.id, Rule.MANUAL, f"reassigned to {lit(agent.id)} in the chat tool",
                      event.occurred_at, Trigger.MANUAL, event.key, pre.settings)
    return state_answer(conv)


def _taken_away(store: Store, conv: Conversation, event: Inbound) -> dict:
    """A person took the assignee away in the chat tool (Chatwoot's "unassign"): the conversation frees that
    agent's seat and waits in Unassigned for someone else (that agent is left out of it until it is resolved)."""
    holder = conv.holder
    if holder is None:
        return state_answer(conv)
    store.leave_out(conv.id, holder)
    decision = Decision(Outcome.UNASSIGNED, None, conv.team, Rule.MANUAL,
                        f"unassigned from {lit(holder)} in the chat tool; waiting for someone else")
    decision_id = store.record_decision(conv.id, decision, event.occurred_at, event.key, rotation=False,
                                        trigger=Trigger.MANUAL)
    assignment.settle(store, conv, decision, decision_id, event.occurred_at, store.settings())
    return state_answer(conv)


def _message(store: Store, event: Inbound, pre: Preflight) -> dict:
    if not pre.conversation_exists:
        return _unknown(event)
    moves = event.author == Author.CUSTOMER and pre.holder_absent
    conv = _existing(store, event, lock=event.author == Author.AGENT or moves)
    if conv.agent_id is not None and conv.status != ConversationStatus.HELD:
        store.touch_link(conv.customer_id, conv.agent_id, event.occurred_at)
    if moves and conv.holder is not None:  # its agent is absent: the customer's words go to the cover
        covering.customer_wrote(store, conv, event.occurred_at, event.key)
        return state_answer(conv)
    if event.author == Author.AGENT and conv.claim_due is not None and conv.claimed_at is None \
            and conv.holder is not None and (event.agent is None or _same_agent(store, event.agent, conv.holder)):
        conv.claimed_at = event.occurred_at  # the assignee replied to the customer: claimed
        store.save_conversation(conv)
    return state_answer(conv)


def _same_agent(store: Store, ref: str, agent_id: str) -> bool:
    found = store.directory().agent(ref)
    return found is not None and found.id == agent_id


_HANDLERS: dict[EventType, Callable[[Store, Inbound, Preflight], dict]] = {
    EventType.CREATED: _created, EventType.REOPENED: _reopened, EventType.RESOLVED: _resolved,
    EventType.ASSIGNED: _assigned, EventType.MESSAGE: _message,
}


def _existing(store: Store, event: Inbound, lock: bool = True) -> Conversation:
    """The conversation the preflight found (conversations are never deleted)."""
    return store.conversation(event.conversation_id, for_update=lock)


def _unknown(event: Inbound) -> dict:
    return ignored(event.conversation_id, "no such conversation: it was never routed by stickybot")


def routed_answer(store: Store, conv: Conversation) -> dict:
    """A conversation's current state in the shape of a created/reopened answer."""
    last = store.last_decision(conv.id)
    return {"conversation": conv.id, "status": str(conv.status),
            "agent": conv.agent_id if conv.status != ConversationStatus.UNASSIGNED else None, "team": conv.team,
            "rule": last.rule if last else None, "reason": render(last.reason, conv.customer_id) if last else None,
            **deadlines(conv)}


def state_answer(conv: Conversation) -> dict:
    return {"conversation": conv.id, "status": str(conv.status), "agent": conv.agent_id, **deadlines(conv)}


def deadlines(conv: Conversation) -> dict:
    """A hold's end and a claim's deadline, in an answer only while they apply (answers of conversations
    without them keep the contract's shape exactly)."""
    times = {"held_until": conv.held_until, "claim_due": conv.claim_due, "claimed_at": conv.claimed_at}
    return {name: clock.iso(value) for name, value in times.items() if value is not None}


def ignored(conversation_id: str, reason: str, agent: str | None = None) -> dict:
    return {"conversation": conversation_id, "status": "ignored", "agent": agent, "reason": reason}
