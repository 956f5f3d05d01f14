"""The outbox's Slack sender: a decision's DM (a handoff, a hold, or a notice to the queue channel), and
updates to DMs already posted (released, a hold that ended, a claim that lapsed)."""
from __future__ import annotations

import logging
from datetime import datetime

from integrations.slack import blocks
from integrations.slack.client import SlackClient, SlackFailure, Verdict as SlackVerdict
from routing import Outcome, first_contact, render

from .. import clock
from ..db import Database
from ..outbox import DeliveryFailure, Verdict
from ..service import home
from ..store import ConversationStatus, DecisionRecord, OutboxItem, OutboxKind, Store

log = logging.getLogger(__name__)

VERDICTS = {SlackVerdict.RETRY: Verdict.RETRY, SlackVerdict.GIVE_UP: Verdict.GIVE_UP,
             SlackVerdict.ALARM: Verdict.PAUSE}


class SlackSender:
    name = "slack"
    kinds = frozenset({OutboxKind.SLACK_HANDOFF, OutboxKind.SLACK_RELEASED, OutboxKind.SLACK_UPDATE})

    def __init__(self, db: Database, client: SlackClient, queue_channel: str | None):
        self.db, self.client, self.queue_channel = db, client, queue_channel

    def send(self, item: OutboxItem) -> str | None:
        p = item.payload
        try:
            if item.kind == OutboxKind.SLACK_RELEASED:
                self.client.update(p["channel"], p["ts"], *blocks.released(p["conversation"], p["outcome"]))
                return None
            if item.kind == OutboxKind.SLACK_UPDATE:
                return self._update(p)
            self._homes(p["decision"])
            target = self.db.read(lambda store: render_handoff(store, p, self.queue_channel))
            if isinstance(target, str):
                return target
            channel, text, body = target
            posted = self.client.post(channel, text, body)
        except SlackFailure as exc:
            raise DeliveryFailure(VERDICTS[exc.verdict], exc.error, exc.retry_after) from None
        # Where it went, so the DM can be updated when its hold ends or its claim lapses. Sent already: a
        # failure to note it must not send it twice, only cost the later update.
        try:
            self.db.transact(lambda store: store.remember_message(p["decision"], posted.channel, posted.ts))
        except Exception:
            log.warning("could not note where the DM of decision %s went; it cannot be updated later",
                        p["decision"])
        return None

    def _homes(self, decision_id: int) -> None:
        """A handoff changes what the Homes of the agent it names, and of the one before, show: publish them
        again (a failure here costs a fresh Home, never the DM)."""
        try:
            self.db.transact(lambda store: home.after_decision(store, decision_id, self.db.clock.now()))
        except Exception:
            log.warning("could not ask for the Homes of decision %s to be published again", decision_id)

    def _update(self, p: dict) -> str | None:
        """Update a DM: the one a decision posted ("decision"), or the one clicked ("channel", "ts"); to say
        what became of it ("outcome"), or drawn again from what is stored now ("rerender")."""
        posted = (p["channel"], p["ts"]) if "channel" in p else \
            self.db.read(lambda store: store.message_of(p["decision"]))
        if posted is None:
            return "the DM to update was never posted"
        if p.get("rerender"):
            target = self.db.read(lambda store: render_handoff(store, {"decision": p["decision"]}, None))
            if isinstance(target, str):
                return target
            self.client.update(*posted, *target[1:])
        else:
            self.client.update(*posted, *blocks.settled(p["conversation"], p["outcome"]))
        return None


def render_handoff(store: Store, payload: dict, queue_channel: str | None) -> tuple[str, str, list] | str:
    """(channel, text, blocks) for a handoff row, from what is stored now; or why nothing is to be posted: a
    handoff is only news while its conversation is still where that decision put it (after a long Slack outage,
    the DM for a conversation since resolved or moved would only mislead)."""
    decision = store.decision(payload["decision"])
    conv = store.conversation(decision.conversation_id) if decision else None
    if decision is None or conv is None:
        return "the decision is gone"
    latest = store.last_decision(conv.id)
    if latest is None or latest.id != decision.id or not _still_true(decision, conv):
        return f"stale: the conversation is {conv.status} now" + (f" with {conv.agent_id}" if conv.holder else "")
    customer = store.customer(conv.customer_id)
    held = decision.status == Outcome.HELD
    handoff = blocks.Handoff(
        conversation_id=conv.id, decision_id=decision.id, rule=decision.rule,
        reason=render(decision.reason, conv.customer_id), customer_id=conv.customer_id,
        customer_name=customer.name if customer else None, url=conv.url, team=decision.team,
        agent_id=decision.agent_id, linked_agent=payload.get("linked"), since_days=payload.get("since_days"),
        claim_due=conv.claim_due if conv.claimed_at is None else None, held_until=conv.held_until if held else None,
        first_contact=first_contact(decision.reason), covering=payload.get("covering"),
        covering_until=_time(payload.get("covering_until")), label=conv.label)
    agent = store.agent(decision.agent_id) if decision.agent_id else None
    if agent is not None and agent.slack_user_id:
        return (agent.slack_user_id, *(blocks.hold_notice(handoff) if held else blocks.handoff(handoff)))
    if queue_channel:
        return (queue_channel, *blocks.queue_notice(handoff))
    return "nowhere to post: no Slack id for the agent and no STICKY_SLACK_QUEUE_CHANNEL"


def _time(iso: str | None) -> datetime | None:
    return clock.parse_iso(iso)


def _still_true(decision: DecisionRecord, conv) -> bool:
    if decision.status == Outcome.ASSIGNED:
        return conv.holder == decision.agent_id
    if decision.status == Outcome.HELD:
        return conv.held_for == decision.agent_id
    return conv.status == ConversationStatus.UNASSIGNED
