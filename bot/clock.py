"""Time: aware UTC everywhere (SQLModel stores it as UTC), ISO 8601 with Z outside.

Events carry their own time (`occurred_at`); what a job, an admin call or a Slack action causes is timed by
the process's one Clock, which tests replace with a FrozenClock they move by hand.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


class Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FrozenClock(Clock):
    """A clock that stands still until moved."""

    def __init__(self, at: datetime | None = None):
        self._at = at or datetime.now(timezone.utc)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = at

    def advance(self, **delta) -> datetime:
        with self._lock:
            self._at += timedelta(**delta)
            return self._at


def now() -> datetime:
    return datetime.now(timezone.utc)


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_iso(text: str | None) -> datetime | None:
    """An ISO 8601 time as `iso()` writes it (a trailing Z, or an offset) back as a datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return utc(moment).isoformat().replace("+00:00", "Z")
