"""Time: aware UTC everywhere (SQLModel stores it as UTC), ISO 8601 with Z outside."""
from __future__ import annotations

from datetime import datetime, timezone


def now() -> datetime:
    return datetime.now(timezone.utc)


def utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return utc(moment).isoformat().replace("+00:00", "Z")
