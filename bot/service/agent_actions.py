"""What agents do from Slack: set their own status, release a conversation."""
from __future__ import annotations

from datetime import datetime

from routing import Rule, Status, lit

from ..errors import NotFound
from ..store import AgentRecord, Conversation, ConversationStatus, OutboxKind, Store, Trigger
from . import assignment, directory
from .audit import By


def agent_for_slack_user(store: Store, user_id: str) -> AgentRecord:
    found = store.agent_for_slack_user(user_id)
    if found is None:
        raise NotFound("your Slack account is not linked to an agent; ask an admin to set your slack_user_id")
    return found


def set_presence(store: Store, user_id: str, status: Status, now: datetime) -> dict:
    agent = agent_for_slack_user(store, user_id)
    before = store.agent(agent.id, for_update=True, at=now)
    after, taken = directory.change_agent(store, before, {"status": status}, before, By(f"slack:{user_id}", now))
    return {"agent": after.id, "status": str(after.status), "open_load": after.open_load, "taken": len(taken)}


def release(store: Store, conversation_id: str, user_id: str, channel: str | None, ts: str | None,
            now: datetime) -> dict:
    """The holder gives a conversation back: routed again without them; their DM says where it went."""
    agent = agent_for_slack_user(store, user_id)
    conv = store.conversation(conversation_id, for_update=True)
    if conv is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    if conv.holder != agent.id:
        outcome, released = f"it was no longer yours (it is {where_is(conv)})", False
    else:
        moved = assignment.reroute(store, conv, now, agent.id, f"{lit(agent.id)} released it", Trigger.RELEASE,
                                   leave_out=True)
        outcome = assignment.where_it_went(moved.status, moved.agent_id, moved.rule)
        released = True
    if channel and ts:
        store.enqueue(OutboxKind.SLACK_RELEASED, {"conversation": conv.id, "channel": channel, "ts": ts,
                                                 "outcome": outcome})
    return {"conversation": conv.id, "released": released, "outcome": outcome}


def take(store: Store, conversation_id: str, user_id: str, now: datetime,
         clicked: tuple[str, str] | None = None) -> dict:
    """An agent takes a conversation: one held for it becomes its own now, whatever its status (rule taken);
    one assigned to it with a claim due is claimed. Anything else changes nothing and says where it is.
    `clicked`: the DM whose Take it button was clicked (channel, ts), updated to say what happened."""
    agent = agent_for_slack_user(store, user_id)
    conv = store.conversation(conversation_id, for_update=True)
    if conv is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    if conv.held_for == agent.id:
        assignment.assign(store, conv, agent.id, Rule.TAKEN, f"{lit(agent.id)} took it", now, Trigger.TAKEN)
        return {"conversation": conv.id, "taken": True, "outcome": "it is yours now"}
    if conv.holder == agent.id:
        if conv.claimed_at is None:
            conv.claimed_at = now
            store.save_conversation(conv)
            last = store.last_decision(conv.id)
            store.enqueue(OutboxKind.SLACK_UPDATE, {"decision": last.id, "conversation": conv.id, "rerender": True})
        return {"conversation": conv.id, "taken": True, "outcome": "it is yours (claimed)"}
    outcome = f"nothing changed: it is {where_is(conv)}"
    if clicked:
        store.enqueue(OutboxKind.SLACK_UPDATE, {"conversation": conv.id, "channel": clicked[0], "ts": clicked[1],
                                                "outcome": outcome})
    return {"conversation": conv.id, "taken": False, "outcome": outcome}


def where_is(conv: Conversation) -> str:
    if conv.status == ConversationStatus.RESOLVED:
        return "resolved"
    if conv.status == ConversationStatus.ASSIGNED:
        return f"with {conv.agent_id}"
    if conv.status == ConversationStatus.HELD:
        return f"held for {conv.agent_id}"
    return "waiting in Unassigned"
