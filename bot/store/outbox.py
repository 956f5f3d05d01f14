"""The store's statements on the outbox and the figures shown about it."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from ..models import Conversation as ConversationRow, OutboxPause, OutboxRow, StickyLink
from .records import ConversationStatus, Counts, OutboxItem, OutboxKind, OutboxState
from .runner import Runner, dt

OUTBOX, PAUSE = OutboxRow.__table__, OutboxPause.__table__


@dataclass(frozen=True)
class FailedDelivery:
    """An outbox row given up on: what it was, why, and when."""

    id: int
    kind: str
    last_error: str | None
    attempts: int
    created_at: datetime
    sent_at: datetime | None


class OutboxStatements:
    q: Runner

    def enqueue(self, kind: OutboxKind, payload: dict) -> None:
        now = self.q.ts(self.clock.now())
        self.q.later("INSERT INTO outbox (kind, payload, state, attempts, next_attempt_at, created_at) "
                     "VALUES (:kind, :payload, 'pending', 0, :now, :now)",
                     kind=str(kind), payload=json.dumps(payload, separators=(",", ":")), now=now)

    def enqueue_unless_recent(self, kind: OutboxKind, payload: dict, now: datetime, within_s: float) -> bool:
        """Enqueue unless a row of `kind` was written in the last `within_s` seconds (a job, not a message)."""
        recent = self.q.one("SELECT 1 FROM outbox WHERE kind = :kind AND created_at > :since LIMIT 1", kind=str(kind),
                            since=self.q.ts(now - timedelta(seconds=within_s)))
        if recent is None:
            self.enqueue(kind, payload)
        return recent is None

    def remember_message(self, decision_id: int, channel: str, ts: str) -> None:
        """Where a decision's DM was posted (kept so the DM can be updated later)."""
        self.q.later("INSERT INTO slack_message (decision_id, channel, ts) VALUES (:d, :channel, :ts) "
                     "ON CONFLICT (decision_id) DO UPDATE SET channel = excluded.channel, ts = excluded.ts",
                     d=decision_id, channel=channel, ts=ts)

    def message_of(self, decision_id: int) -> tuple[str, str] | None:
        row = self.q.one("SELECT channel, ts FROM slack_message WHERE decision_id = :d", d=decision_id)
        return (row[0], row[1]) if row else None

    def any_due(self, kinds: frozenset[OutboxKind], now: datetime) -> bool:
        marks, params = self._kinds(kinds)
        return self.q.one(f"SELECT 1 FROM outbox WHERE state = 'pending' AND kind IN ({marks}) AND "
                          "next_attempt_at <= :now AND (lease_until IS NULL OR lease_until < :now) LIMIT 1",
                          now=self.q.ts(now), **params) is not None

    def claim_next(self, kinds: frozenset[OutboxKind], now: datetime, lease: timedelta) -> OutboxItem | None:
        """The oldest due row of these kinds, leased to the caller until now + lease (rows another worker
        holds are skipped). The lease covers this one row only: it is recorded before the next is claimed."""
        marks, params = self._kinds(kinds)
        until = now + lease
        due = self.q.locking(f"SELECT id FROM outbox WHERE state = 'pending' AND kind IN ({marks}) AND "
                             "next_attempt_at <= :now AND (lease_until IS NULL OR lease_until < :now) "
                             "ORDER BY id LIMIT 1", skip_locked=True)
        row = self.q.one(f"UPDATE outbox SET lease_until = :until, attempts = attempts + 1 WHERE id = ({due}) "
                         "RETURNING id, kind, payload, attempts", until=self.q.ts(until), now=self.q.ts(now),
                         **params)
        if row is None:
            return None
        return OutboxItem(row[0], OutboxKind(row[1]), json.loads(row[2]), row[3], until)

    def finish(self, item: OutboxItem, state: OutboxState, note: str | None = None,
               retry_at: datetime | None = None) -> bool:
        """Record what became of a claimed row; only the holder of its lease may (False: it was not ours)."""
        values: dict = {"state": str(state), "lease_until": None, "last_error": note[:500] if note else None}
        if state == OutboxState.PENDING:
            values["next_attempt_at"] = retry_at or self.clock.now()
        else:
            values["sent_at"] = self.clock.now()
        done = self.q.core(update(OUTBOX).where(OUTBOX.c.id == item.id, OUTBOX.c.lease_until == item.lease_until)
                           .values(**values))
        return done.rowcount == 1

    def retry_failed(self, kinds: frozenset[OutboxKind] | None = None) -> int:
        """Put rows given up on back in line (after the operator fixed what refused them)."""
        query = update(OUTBOX).where(OUTBOX.c.state == str(OutboxState.FAILED))
        if kinds:
            query = query.where(OUTBOX.c.kind.in_([str(k) for k in kinds]))
        return self.q.core(query.values(state=str(OutboxState.PENDING), next_attempt_at=self.clock.now(),
                                        lease_until=None)).rowcount

    # --- pauses: a sender whose credentials were refused waits, in every process ------------------------

    def pauses(self, now: datetime) -> dict[str, datetime]:
        """Senders (by channel) paused beyond `now`, and until when."""
        rows = self.q.all("SELECT channel, until FROM outbox_pause WHERE until > :now", now=self.q.ts(now))
        return {r[0]: dt(r[1]) for r in rows}

    def pause(self, channel: str, until: datetime, error: str | None) -> None:
        self.q.later("INSERT INTO outbox_pause (channel, until, error) VALUES (:channel, :until, :error) "
                     "ON CONFLICT (channel) DO UPDATE SET until = excluded.until, error = excluded.error",
                     channel=channel, until=self.q.ts(until), error=error[:200] if error else None)

    def resume(self, channels: list[str] | None = None) -> list[str]:
        """End the pauses of `channels` (None: all) now, and make what their senders kept due again; the
        channels that were paused."""
        now = self.clock.now()
        paused = select(PAUSE.c.channel).where(PAUSE.c.until > now).order_by(PAUSE.c.channel)
        ending = delete(PAUSE)
        if channels is not None:
            paused, ending = paused.where(PAUSE.c.channel.in_(channels)), ending.where(PAUSE.c.channel.in_(channels))
        ended = list(self.q.core(paused).scalars())
        self.q.core(ending)
        for channel in ended:
            self.q.core(update(OUTBOX).where(OUTBOX.c.state == str(OutboxState.PENDING),
                                             OUTBOX.c.kind.like(f"{channel}.%")).values(next_attempt_at=now))
        return ended

    def prune_finished(self, before: datetime, batch: int) -> int:
        """Delete up to `batch` delivered, skipped or failed rows finished before `before`."""
        done = [str(OutboxState.DELIVERED), str(OutboxState.SKIPPED), str(OutboxState.FAILED)]
        old = (select(OUTBOX.c.id).where(OUTBOX.c.state.in_(done), OUTBOX.c.sent_at < before).limit(batch))
        return self.q.core(delete(OUTBOX).where(OUTBOX.c.id.in_(old))).rowcount

    def failed_deliveries(self, limit: int) -> list[FailedDelivery]:
        """Rows refused for good, the newest first (no payload: it may hold a customer's data)."""
        rows = self.q.core(select(OUTBOX.c.id, OUTBOX.c.kind, OUTBOX.c.last_error, OUTBOX.c.attempts,
                                  OUTBOX.c.created_at, OUTBOX.c.sent_at)
                           .where(OUTBOX.c.state == str(OutboxState.FAILED)).order_by(OUTBOX.c.id.desc())
                           .limit(limit)).all()
        return [FailedDelivery(r[0], r[1], r[2], r[3], dt(r[4]), dt(r[5])) for r in rows]

    def counts(self, alarms: frozenset[str] = frozenset()) -> Counts:
        conversation, link = ConversationRow.__table__, StickyLink.__table__
        outbox = dict(self.q.core(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)).all())
        alarmed = {}
        if alarms:
            alarmed = dict(self.q.core(select(OUTBOX.c.last_error, func.count())
                                       .where(OUTBOX.c.state == str(OutboxState.PENDING),
                                              OUTBOX.c.last_error.in_(sorted(alarms)))
                                       .group_by(OUTBOX.c.last_error)).all())
        waiting = dict(self.q.core(select(conversation.c.status, func.count())
                                   .where(conversation.c.status.in_([str(ConversationStatus.UNASSIGNED),
                                                                     str(ConversationStatus.HELD)]))
                                   .group_by(conversation.c.status)).all())
        links = self.q.core(select(func.count()).select_from(link)).scalar()
        online = self.q.one("SELECT count(*) FROM agent WHERE active = :yes AND status = 'online'", yes=True)[0]
        return Counts(queue=waiting.get(ConversationStatus.UNASSIGNED, 0), links=links, outbox=outbox,
                      alarms=alarmed, held=waiting.get(ConversationStatus.HELD, 0), online=online)

    @staticmethod
    def _kinds(kinds: frozenset[OutboxKind]) -> tuple[str, dict]:
        ordered = sorted(str(k) for k in kinds)
        return ", ".join(f":k{n}" for n in range(len(ordered))), {f"k{n}": k for n, k in enumerate(ordered)}

