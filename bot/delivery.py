"""Delivering the outbox: claim due rows under a lease, send them, record what happened.

At-least-once: a row is claimed (lease) in one short transaction, sent outside any transaction,
then marked. A process that dies after claiming leaves the row to be claimed again once the lease
runs out. On PostgreSQL, claims skip rows another worker holds (FOR UPDATE SKIP LOCKED).
"""
from __future__ import annotations

import json
import logging
import random
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import or_, update
from sqlmodel import Session, select

from integrations.chatwoot.api import ChatwootFailure
from integrations.slack import blocks
from integrations.slack.client import SlackFailure, Verdict

from . import clock
from .models import AgentRow, Conversation, Customer, DecisionRow, OutboxRow
from .outbox import Kind
from .runtime import Runtime

log = logging.getLogger(__name__)

ALARM_PAUSE = timedelta(minutes=5)
MAX_BACKOFF_S = 300.0
SLACK_KINDS = (Kind.SLACK_HANDOFF, Kind.SLACK_RELEASED)


@dataclass
class Claimed:
    id: int
    kind: str
    payload: dict
    attempts: int
    lease_until: object


def backoff(attempts: int) -> float:
    """Seconds before the next try: exponential from 2 s, capped at 5 minutes, with jitter."""
    return min(MAX_BACKOFF_S, 2.0 ** min(attempts, 12)) * random.uniform(0.8, 1.2)


def claim(rt: Runtime, kinds: tuple[str, ...], limit: int = 50) -> list[Claimed]:
    now = clock.now()
    lease = timedelta(seconds=rt.config.outbox_lease_s)
    due = (OutboxRow.state == "pending", OutboxRow.kind.in_(kinds), OutboxRow.next_attempt_at <= now,
           or_(OutboxRow.lease_until.is_(None), OutboxRow.lease_until < now))
    with rt.db.read() as session:  # nothing due: no write transaction (on SQLite, no turn at the writer)
        if session.exec(select(OutboxRow.id).where(*due).limit(1)).first() is None:
            return []

    def work(session: Session) -> list[Claimed]:
        rows = session.exec(
            select(OutboxRow).where(*due).order_by(OutboxRow.id).limit(limit).with_for_update(skip_locked=True)
        ).all()
        out = []
        for row in rows:
            row.lease_until, row.attempts = now + lease, row.attempts + 1
            session.add(row)
            out.append(Claimed(row.id, row.kind, json.loads(row.payload), row.attempts, row.lease_until))
        return out

    return rt.db.transact(work)


def record(rt: Runtime, item: Claimed, state: str, error: str | None = None, retry_in: float | None = None) -> None:
    now = clock.now()
    values: dict = {"lease_until": None, "last_error": error[:500] if error else None}
    if state == "sent":
        values.update(state="sent", sent_at=now)
    elif state == "failed":
        values.update(state="failed")
    else:
        values.update(next_attempt_at=now + timedelta(seconds=retry_in or 0))

    def work(session: Session) -> None:
        # Only the holder of the lease records: a row re-claimed by another worker is theirs now.
        session.execute(update(OutboxRow).where(OutboxRow.id == item.id, OutboxRow.lease_until == item.lease_until)
                        .values(**values))

    rt.db.transact(work)


class SlackSender:
    """Turns outbox rows into Slack calls. One per process; pauses itself on an auth alarm."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self.paused_until = None
        self._warned_unconfigured = False

    def ready(self) -> bool:
        if self.rt.slack is None:
            if not self._warned_unconfigured:
                log.warning("SLACK_BOT_TOKEN is not set: handoffs are kept in the outbox until it is")
                self._warned_unconfigured = True
            return False
        return self.paused_until is None or clock.now() >= self.paused_until

    def send(self, item: Claimed) -> str | None:
        """Deliver one row; returns a note when there was nothing to send (e.g. nowhere to post)."""
        if item.kind == Kind.SLACK_RELEASED:
            p = item.payload
            text, body = blocks.released(p["conversation"], p["outcome"])
            self.rt.slack.update(p["channel"], p["ts"], text, body)
            return None
        with self.rt.db.read() as session:
            target = render_handoff(session, item.payload, self.rt.config.slack_queue_channel)
        if target is None:
            return "nowhere to post: no Slack id for the agent and no STICKY_SLACK_QUEUE_CHANNEL"
        channel, text, body = target
        self.rt.slack.post(channel, text, body)
        return None


def render_handoff(session: Session, payload: dict, queue_channel: str | None):
    decision = session.get(DecisionRow, payload["decision"])
    conv = session.get(Conversation, decision.conversation_id) if decision else None
    if decision is None or conv is None:
        return None
    customer = session.get(Customer, conv.customer_id)
    handoff = blocks.Handoff(
        conversation_id=conv.id, decision_id=decision.id, rule=decision.rule, reason=decision.reason,
        customer_id=conv.customer_id, customer_name=customer.name if customer else None, url=conv.url,
        team=decision.team, agent_id=decision.agent_id, linked_agent=payload.get("linked"),
        since_days=payload.get("since_days"))
    agent = session.get(AgentRow, decision.agent_id) if decision.agent_id else None
    if agent is not None and agent.slack_user_id:
        return (agent.slack_user_id, *blocks.handoff(handoff))
    if queue_channel:
        return (queue_channel, *blocks.queue_notice(handoff))
    return None


def deliver_due(rt: Runtime, limit: int = 50) -> int:
    """Send what is due; returns how many rows were handled. Safe to call from any process."""
    senders: dict[str, Callable[[Claimed], str | None]] = {}
    slack = rt.slack_sender
    if slack.ready():
        senders.update({k: slack.send for k in SLACK_KINDS})
    for kind, sender in rt.extra_senders.items():
        senders[kind] = sender
    if not senders:
        return 0
    handled = 0
    for item in claim(rt, tuple(senders), limit):
        handled += 1
        if item.kind in SLACK_KINDS and not slack.ready():
            record(rt, item, "pending", "held: Slack delivery paused", retry_in=0)
            continue
        try:
            note = senders[item.kind](item)
        except SlackFailure as exc:
            _failed(rt, item, exc)
            continue
        except ChatwootFailure as exc:
            if exc.retry:
                delay = exc.retry_after if exc.retry_after is not None else backoff(item.attempts)
                record(rt, item, "pending", exc.error, retry_in=delay)
            else:
                log.warning("outbox row %s: Chatwoot refused it for good (%s)", item.id, exc.error)
                record(rt, item, "failed", exc.error)
            continue
        except Exception as exc:  # an unexpected bug must not lose the row: retry it later
            log.exception("outbox row %s (%s) failed unexpectedly", item.id, item.kind)
            record(rt, item, "pending", f"error: {type(exc).__name__}", retry_in=backoff(item.attempts))
            continue
        record(rt, item, "sent", note)
    return handled


def _failed(rt: Runtime, item: Claimed, exc: SlackFailure) -> None:
    if exc.verdict == Verdict.GIVE_UP:
        log.warning("outbox row %s: Slack refused it for good (%s)", item.id, exc.error)
        record(rt, item, "failed", exc.error)
    elif exc.verdict == Verdict.ALARM:
        log.error("Slack rejected our token (%s): posting paused; fix SLACK_BOT_TOKEN or the app's scopes",
                  exc.error)
        rt.slack_sender.paused_until = clock.now() + ALARM_PAUSE
        record(rt, item, "pending", exc.error, retry_in=ALARM_PAUSE.total_seconds())
    else:
        delay = exc.retry_after if exc.retry_after is not None else backoff(item.attempts)
        log.info("outbox row %s: will retry in %.0f s (%s)", item.id, delay, exc.error)
        record(rt, item, "pending", exc.error, retry_in=delay)


class Deliverer:
    """Delivers the outbox right after commits, on a thread of its own, never inside a request."""

    def __init__(self, rt: Runtime):
        self.rt = rt
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def kick(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="stickybot-outbox", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            try:
                while not self._stop.is_set() and deliver_due(self.rt) > 0:
                    pass
            except Exception:
                log.exception("outbox delivery failed; the scheduler will try again")
