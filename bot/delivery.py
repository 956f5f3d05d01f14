"""Delivering the outbox: claim one due row under a lease, send it, record what became of it.

At-least-once: a row is claimed (leased) in one short transaction, sent outside any transaction, then
recorded by the lease holder alone. A process that dies mid-send leaves the row to be claimed again once the
lease runs out. Rows are claimed one at a time, so a lease never covers a row that waits behind a slow send,
and stopping means only finishing the row in hand. On PostgreSQL, claims skip rows another worker holds.
The deliverer knows no outside service: each Sender says which kinds it takes.
"""
from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from .clock import Clock
from .db import Database
from .outbox import DeliveryFailure, Sender, Verdict
from .store import OutboxItem, OutboxState

log = logging.getLogger(__name__)

PAUSE = timedelta(minutes=5)
MAX_BACKOFF_S = 300.0


def backoff(attempts: int) -> float:
    """Seconds before the next try: exponential from 2 s, capped at 5 minutes, with jitter."""
    return min(MAX_BACKOFF_S, 2.0 ** min(attempts, 12)) * random.uniform(0.8, 1.2)


class Outbox:
    """The process's senders, and the one loop that delivers due rows through them. A sender's pause is kept in
    the database (every process honours it; `stickybot outbox retry` ends it)."""

    def __init__(self, db: Database, senders: list[Sender], lease_s: float, clock: Clock):
        self.db, self.clock = db, clock
        self.lease = timedelta(seconds=lease_s)
        self.by_kind = {kind: sender for sender in senders for kind in sender.kinds}

    def paused_until(self, sender: Sender) -> datetime | None:
        return self.db.read(lambda store: store.pauses(self.clock.now())).get(sender.name)

    def resume(self, sender: Sender) -> None:
        self.db.transact(lambda store: store.resume([sender.name]))

    def _due_kinds(self, store, now: datetime) -> frozenset:
        """The kinds of senders not paused, if a row of them is due (else nothing: no write transaction, so no
        turn at SQLite's single writer)."""
        paused = store.pauses(now)
        kinds = frozenset(k for k, s in self.by_kind.items() if s.name not in paused)
        return kinds if kinds and store.any_due(kinds, now) else frozenset()

    def deliver_due(self, limit: int = 50, stop: threading.Event | None = None) -> int:
        """Send up to `limit` due rows; returns how many were handled. Safe to call from any process."""
        handled = 0
        if not self.by_kind:  # no sender in this process (no Slack token, no helpdesk): nothing to read
            return 0
        while handled < limit and not (stop is not None and stop.is_set()):
            now = self.clock.now()
            kinds = self.db.read(lambda store: self._due_kinds(store, now))
            if not kinds:
                break
            item = self.db.transact(lambda store: store.claim_next(kinds, now, self.lease))
            if item is None:
                break
            self._deliver(item)
            handled += 1
        return handled

    def _deliver(self, item: OutboxItem) -> None:
        sender = self.by_kind[item.kind]
        try:
            note = sender.send(item)
        except DeliveryFailure as exc:
            self._failed(sender, item, exc)
            return
        except Exception as exc:  # a bug must not lose the row: retry it later
            log.exception("outbox row %s (%s) failed unexpectedly", item.id, item.kind)
            self._finish(item, OutboxState.PENDING, f"error: {type(exc).__name__}", backoff(item.attempts))
            return
        self._finish(item, OutboxState.DELIVERED if note is None else OutboxState.SKIPPED, note)

    def _failed(self, sender: Sender, item: OutboxItem, exc: DeliveryFailure) -> None:
        if exc.verdict == Verdict.GIVE_UP:
            log.warning("outbox row %s (%s) refused for good: %s", item.id, item.kind, exc.error)
            self._finish(item, OutboxState.FAILED, exc.error)
        elif exc.verdict == Verdict.PAUSE:
            pause = timedelta(seconds=exc.retry_after) if exc.retry_after else PAUSE
            log.error("%s refused our credentials (%s): its deliveries pause for %s; fix the token, then "
                      "`stickybot outbox retry` resumes them at once", sender.name, exc.error, pause)
            self._finish(item, OutboxState.PENDING, exc.error, pause.total_seconds(), pause_sender=sender.name)
        else:
            delay = exc.retry_after if exc.retry_after is not None else backoff(item.attempts)
            log.info("outbox row %s: will retry in %.0f s (%s)", item.id, delay, exc.error)
            self._finish(item, OutboxState.PENDING, exc.error, delay)

    def _finish(self, item: OutboxItem, state: OutboxState, note: str | None, retry_in: float = 0.0,
                pause_sender: str | None = None) -> None:
        retry_at = self.clock.now() + timedelta(seconds=retry_in)

        def finish(store) -> bool:
            if pause_sender is not None:
                store.pause(pause_sender, retry_at, note)
            return store.finish(item, state, note, retry_at)
        if not self.db.transact(finish):
            log.warning("outbox row %s was re-claimed by another worker before its outcome was recorded", item.id)


class Deliverer:
    """Delivers the outbox right after commits, on a thread of its own, never inside a request. Stopping
    finishes the row in hand (a send is bounded by the client's timeout) and claims nothing more."""

    def __init__(self, outbox: Outbox):
        self.outbox = outbox
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def kick(self) -> None:
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="stickybot-outbox", daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        with self._lock:
            self._stop.set()
            self._wake.set()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            self._wake.clear()
            try:
                while self.outbox.deliver_due(stop=self._stop) > 0:
                    pass
            except Exception:
                log.exception("outbox delivery failed; the scheduler will try again")
