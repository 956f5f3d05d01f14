"""The scheduler's jobs: expire stale links, deliver the outbox, sweep the queue, delete what retention allows.

Each is safe to run in several processes at once; `exclusive()` still keeps each to one process at a time on
PostgreSQL (an advisory lock) and to one thread at a time in a process, so they do not do the same work twice.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from typing import Callable, Iterator

import routing
from sqlalchemy import func, select

from .db import Database
from .runtime import Runtime
from .service import access, assignment, covering
from .service.helpdesk import people
from .store import Store

log = logging.getLogger(__name__)
# Small batches and long rests: a batch holds SQLite's single writer (or PostgreSQL's row locks) for about a
# millisecond, and the job then rests nine times as long, so it takes at most a tenth of the database's write
# time. Measured under load in bench/ (`bench/run.py --skip throughput decision`).
EXPIRE_BATCH = 20
RETAIN_BATCH = 50
SWEEP_BATCH = 50
REST_FACTOR = 9


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg advisory locks."""
    return int.from_bytes(hashlib.sha256(f"stickybot:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(db: Database, name: str) -> Iterator[bool]:
    """Yields True if this process may run job `name` now (and holds the right until the block ends)."""
    local = db.job_lock(name)
    if not local.acquire(blocking=False):
        yield False
        return
    try:
        if not db.is_postgres:
            yield True
            return
        with db.engine.connect() as conn:
            key = lock_key(name)
            got = conn.execute(select(func.pg_try_advisory_lock(key))).scalar()
            conn.commit()
            try:
                yield bool(got)
            finally:
                if got:
                    conn.execute(select(func.pg_advisory_unlock(key)))
                    conn.commit()
    finally:
        local.release()


def in_batches(db: Database, work: Callable[[Store], int], stop: threading.Event | None, batch: int) -> int:
    """Run `work` (deleting at most `batch` rows) in short transactions until it deletes fewer than `batch`.

    After each batch the job rests REST_FACTOR times as long as the batch took, so webhooks waiting for the
    database (SQLite's single writer above all) get in between: never blocked for longer than one batch.
    """
    stop = stop or threading.Event()
    total = 0
    while not stop.is_set():
        started = time.monotonic()
        removed = db.transact(work)
        total += removed
        if removed < batch:
            break
        stop.wait(REST_FACTOR * (time.monotonic() - started))
    return total


def expire_links(db: Database, stop: threading.Event | None = None, batch: int = EXPIRE_BATCH) -> int:
    """Delete links older than the window (server's clock), a batch per short transaction."""
    days = db.read(lambda store: store.settings().sticky_days)
    if days == 0:
        return 0  # stickiness is off: links are simply unused, and kept for when it is back on
    cutoff = db.clock.now() - timedelta(days=days)
    total = in_batches(db, lambda store: store.expire_links(cutoff, batch), stop, batch)
    if total:
        log.info("expired %d sticky links older than %d days", total, days)
    return total


def retain(db: Database, days: float, stop: threading.Event | None = None, batch: int = RETAIN_BATCH) -> int:
    """Delete processed-event keys, finished outbox rows and applied Slack events (each user's newest per signal
    kept) older than `days` (server's clock), expired dashboard sessions and wrong-token counts whose window is
    over. Conversations and decisions, the history, are kept."""
    now = db.clock.now()
    cutoff = now - timedelta(days=days)
    total = in_batches(db, lambda store: store.prune_processed(cutoff, batch), stop, batch)
    total += in_batches(db, lambda store: store.prune_finished(cutoff, batch), stop, batch)
    total += in_batches(db, lambda store: store.prune_slack_events(cutoff, batch), stop, batch)
    if total:
        log.info("retention: deleted %d event keys and outbox rows older than %g days", total, days)
    # Expired dashboard sessions and wrong-token counts whose window is over: nothing reads them again.
    total += in_batches(db, lambda store: store.prune_sessions(now, batch), stop, batch)
    total += in_batches(db, lambda store: store.prune_wrong_tokens(now - access.WINDOW, batch), stop, batch)
    return total


def sweep(db: Database, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """The sweep, by the server's clock: holds nobody should wait on any longer (their agent is absent, or off
    duty until after the wait) and holds whose wait is over go on, assignments not claimed in time are routed
    again, and agents who are available now (back on duty, back from an absence, or a missed drain) take what
    waits for them. Each deadline is acted on exactly once: the conversations are locked (others' locks skipped)
    and checked again inside the transaction."""
    now = db.clock.now()
    # Agents back since the last sweep (a shift started, an absence or do-not-disturb ended) take their held
    # customers first, before any hold is ended for want of them; what ended holds and lapses queued comes last.
    drained = sweep_queue(db)
    done = {"holds_released": len(db.transact(lambda store: covering.release_holds(store, now))),
            "holds_ended": _all(db, lambda store: assignment.end_holds(store, now, batch), batch),
            "claims_lapsed": _all(db, lambda store: assignment.lapse_claims(store, now, batch), batch)}
    done["drained"] = drained + sweep_queue(db)
    if done["holds_released"] or done["holds_ended"] or done["claims_lapsed"]:
        log.info("sweep: %(holds_released)d holds released, %(holds_ended)d holds ended, %(claims_lapsed)d claims "
                 "lapsed", done)
    return done


def _all(db: Database, work: Callable[[Store], list], batch: int) -> int:
    total = 0
    while True:
        count = len(db.transact(work))
        total += count
        if count < batch:
            return total


def sweep_queue(db: Database) -> int:
    """Let every available agent take what it may (held for it, then queued): a safety net for a missed drain."""
    settings, counts = db.read(lambda store: (store.settings(), store.counts()))
    if not counts.held and (not settings.drain_unassigned or not counts.queue):
        return 0
    now = db.clock.now()
    agents = db.read(lambda store: store.directory(now).everyone())
    taken = 0
    while (candidate := routing.pick(agents, now)) is not None:
        agents = [a for a in agents if a.id != candidate.id]
        taken += len(db.transact(lambda store, agent=candidate.id: assignment.drain(
            store, agent, db.clock.now(), "had room (queue sweep)")))
    if taken:
        log.info("queue sweep assigned %d waiting conversations", taken)
    return taken


def make_jobs(rt: Runtime, stop: threading.Event) -> dict[str, Callable[[], None]]:
    def guarded(name: str, work: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            with exclusive(rt.db, name) as mine:
                if not mine:
                    return
                try:
                    work()
                except Exception:
                    log.exception("job %s failed; it runs again at its next interval", name)
        run.__name__ = name
        return run

    def deliver() -> None:
        while not stop.is_set() and rt.outbox.deliver_due(stop=stop) > 0:
            pass

    jobs = {
        "expire_links": guarded("expire_links", lambda: expire_links(rt.db, stop)),
        "deliver_outbox": guarded("deliver_outbox", deliver),
        "sweep_queue": guarded("sweep_queue", lambda: sweep(rt.db)),
        "retention": guarded("retention", lambda: retain(rt.db, rt.config.retention_days, stop)),
    }
    for channel, desk in rt.desks.items():
        if desk.sync_every is not None:  # a helpdesk whose directory is kept in step (Zammad)
            jobs[f"{channel}_sync"] = guarded(f"{channel}_sync", lambda desk=desk: sync_directory(rt, desk))
    return jobs


def sync_directory(rt: Runtime, desk) -> dict:
    counts = people.sync(rt.db, desk, rt.clock.now())
    log.info("directory sync from %s: %d agents (%d new), %d teams", desk.channel.display, counts["agents"],
             counts["created"], counts["teams"])
    return counts
