"""What agents do from Slack: set their own status, release a conversation."""
from __future__ import annotations

from datetime import datetime

from routing import Status, lit

from ..errors import NotFound
from ..store import AgentRecord, ConversationStatus, OutboxKind, Store
from . import assignment, directory


def agent_for_slack_user(store: Store, user_id: str) -> AgentRecord:
    found = store.agent_for_slack_user(user_id)
    if found is None:
        raise NotFound("your Slack account is not linked to an agent; ask an admin to set your slack_user_id")
    return found


def set_presence(store: Store, user_id: str, status: Status, now: datetime) -> dict:
    agent = agent_for_slack_user(store, user_id)
    before = store.agent(agent.id, for_update=True)
    after, taken = directory.change_agent(store, before, {"status": status}, before.available, now)
    return {"agent": after.id, "status": str(after.status), "open_load": after.open_load, "taken": len(taken)}


def release(store: Store, conversation_id: str, user_id: str, channel: str | None, ts: str | None,
            now: datetime) -> dict:
    """The holder gives a conversation back: routed again without them; their DM says where it went."""
    agent = agent_for_slack_user(store, user_id)
    conv = store.conversation(conversation_id, for_update=True)
    if conv is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    if conv.holder != agent.id:
        where = "resolved" if conv.status == ConversationStatus.RESOLVED else (
            f"with {conv.agent_id}" if conv.status == ConversationStatus.ASSIGNED else "waiting in Unassigned")
        outcome, released = f"it was no longer yours (it is {where})", False
    else:
        moved = assignment.reroute(store, conv, now, agent.id, f"{lit(agent.id)} released it")
        outcome = (f"it went to {moved.agent_id} ({moved.rule})" if moved.agent_id
                   else "it is waiting in Unassigned")
        released = True
    if channel and ts:
        store.enqueue(OutboxKind.SLACK_RELEASED, {"conversation": conv.id, "channel": channel, "ts": ts,
                                                 "outcome": outcome})
    return {"conversation": conv.id, "released": released, "outcome": outcome}
