"""What agents and admins do from Slack: presence, status, release."""
from __future__ import annotations

import json

from sqlalchemy import func
from sqlmodel import Session, select

from integrations.slack.client import ALARM

from .. import clock, store
from ..errors import NotFound
from ..models import AgentRow, Conversation, OutboxRow, StickyLink
from ..outbox import Kind
from . import core, customers, directory


def agent_for_slack_user(session: Session, user_id: str) -> AgentRow:
    row = session.exec(select(AgentRow).where(AgentRow.slack_user_id == user_id, AgentRow.active == True)  # noqa: E712
                       ).first()
    if row is None:
        raise NotFound("your Slack account is not linked to an agent; ask an admin to set your slack_user_id")
    return row


def set_presence(session: Session, user_id: str, status: str) -> dict:
    agent = agent_for_slack_user(session, user_id)
    before = _queue_ids(session)
    after = directory.patch_agent(session, agent.id, {"status": status})
    taken = len(before - _queue_ids(session))
    return {"agent": after["id"], "status": after["status"], "open_load": after["open_load"], "taken": taken}


def _queue_ids(session: Session) -> set[str]:
    return set(session.exec(select(Conversation.id).where(Conversation.status == "unassigned")).all())


def status(session: Session) -> dict:
    settings = store.settings(session)
    agents = session.exec(select(AgentRow).where(AgentRow.active == True).order_by(AgentRow.id)).all()  # noqa: E712
    failed = session.exec(select(func.count()).select_from(OutboxRow).where(OutboxRow.state == "failed")).one()
    held = session.exec(select(OutboxRow.last_error, func.count()).where(
        OutboxRow.state == "pending", OutboxRow.last_error.in_(ALARM)).group_by(OutboxRow.last_error)).all()
    backlog = session.exec(select(func.count()).select_from(OutboxRow).where(OutboxRow.state == "pending")).one()
    return {
        "sticky_days": settings.sticky_days, "availability_check": settings.availability_check,
        "drain_unassigned": settings.drain_unassigned,
        "online": [a.id for a in agents if a.status == "online"],
        "open_load": {a.id: a.open_load for a in agents if a.open_load},
        "queue": customers.queue_length(session),
        "links": session.exec(select(func.count()).select_from(StickyLink)).one(),
        "failed_deliveries": failed, "outbox_backlog": backlog,
        "slack_alarm": {error: count for error, count in held},
    }


def release(session: Session, conversation_id: str, user_id: str, channel: str | None, ts: str | None) -> dict:
    """The holder gives a conversation back: routed again without them; their DM says where it went."""
    agent = agent_for_slack_user(session, user_id)
    conv = store.conversation(session, conversation_id)
    if conv is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    if conv.status != "assigned" or conv.agent_id != agent.id:
        now = "resolved" if conv.status == "resolved" else (
            f"with {conv.agent_id}" if conv.status == "assigned" else "waiting in Unassigned")
        outcome = f"it was no longer yours (it is {now})"
        released = False
    else:
        row = core.reroute(session, conv, clock.now(), agent.id, f"{agent.id} released it")
        outcome = (f"it went to {row.agent_id} ({row.rule})" if row.status == "assigned"
                   else "it is waiting in Unassigned")
        released = True
    if channel and ts:
        store.enqueue(session, Kind.SLACK_RELEASED, json.dumps(
            {"conversation": conv.id, "channel": channel, "ts": ts, "outcome": outcome}))
    return {"conversation": conv.id, "released": released, "outcome": outcome}
