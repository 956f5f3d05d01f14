"""The outbox's Slack sender: handoff DMs (or the queue channel), and updates to a released DM."""
from __future__ import annotations

import logging

from integrations.slack import blocks
from integrations.slack.client import SlackClient, SlackFailure, Verdict as SlackVerdict

from routing import render

from ..db import Database
from ..outbox import DeliveryFailure, Verdict
from ..store import ConversationStatus, OutboxItem, OutboxKind, Store

log = logging.getLogger(__name__)

_VERDICTS = {SlackVerdict.RETRY: Verdict.RETRY, SlackVerdict.GIVE_UP: Verdict.GIVE_UP,
             SlackVerdict.ALARM: Verdict.PAUSE}


class SlackSender:
    kinds = frozenset({OutboxKind.SLACK_HANDOFF, OutboxKind.SLACK_RELEASED})

    def __init__(self, db: Database, client: SlackClient, queue_channel: str | None):
        self.db, self.client, self.queue_channel = db, client, queue_channel

    def send(self, item: OutboxItem) -> str | None:
        try:
            if item.kind == OutboxKind.SLACK_RELEASED:
                p = item.payload
                text, body = blocks.released(p["conversation"], p["outcome"])
                self.client.update(p["channel"], p["ts"], text, body)
                return None
            target = self.db.read(lambda store: render_handoff(store, item.payload, self.queue_channel))
            if isinstance(target, str):
                return target
            channel, text, body = target
            self.client.post(channel, text, body)
            return None
        except SlackFailure as exc:
            raise DeliveryFailure(_VERDICTS[exc.verdict], exc.error, exc.retry_after) from None


def render_handoff(store: Store, payload: dict, queue_channel: str | None) -> tuple[str, str, list] | str:
    """(channel, text, blocks) for a handoff row, from what is stored now; or why nothing is to be posted: a
    handoff is only news while its conversation is still where that decision put it (after a long Slack outage,
    the DM for a conversation since resolved or moved would only mislead)."""
    decision = store.decision(payload["decision"])
    conv = store.conversation(decision.conversation_id) if decision else None
    if decision is None or conv is None:
        return "the decision is gone"
    latest = store.last_decision(conv.id)
    still = conv.holder == decision.agent_id if decision.agent_id else conv.status == ConversationStatus.UNASSIGNED
    if latest is None or latest.id != decision.id or not still:
        return f"stale: the conversation is {conv.status} now" + (f" with {conv.agent_id}" if conv.holder else "")
    customer = store.customer(conv.customer_id)
    handoff = blocks.Handoff(
        conversation_id=conv.id, decision_id=decision.id, rule=decision.rule,
        reason=render(decision.reason, conv.customer_id),
        customer_id=conv.customer_id, customer_name=customer.name if customer else None, url=conv.url,
        team=decision.team, agent_id=decision.agent_id, linked_agent=payload.get("linked"),
        since_days=payload.get("since_days"))
    agent = store.agent(decision.agent_id) if decision.agent_id else None
    if agent is not None and agent.slack_user_id:
        return (agent.slack_user_id, *blocks.handoff(handoff))
    if queue_channel:
        return (queue_channel, *blocks.queue_notice(handoff))
    return "nowhere to post: no Slack id for the agent and no STICKY_SLACK_QUEUE_CHANNEL"
