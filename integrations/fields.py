"""Reading one field of an outside payload: the value, None for "not given", or Unfit naming the field. Pure.

Shared by the helpdesk parsers (integrations/chatwoot, integrations/zammad): a field stickybot reads, present
with a value of the wrong type or out of range, is refused (422, nothing stored); absent or null means "not
given".
"""
from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from integrations.inbound import EARLIEST, LATEST

MAX_ID = 2**31 - 1  # helpdesks' PostgreSQL integer ids, and the columns that remember them here
_TIME_RANGE = "between 1970 and 2100"


class Unfit(ValueError):
    """A field stickybot reads holds a value the sender never sends."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field} {message}")
        self.details = [{"field": field, "message": message}]


def object_(value: Any, field: str) -> dict | None:
    if value is None or isinstance(value, dict):
        return value
    raise Unfit(field, "must be an object")


def is_id(value: Any) -> bool:
    """Whether a value is an id as whole_id() reads one."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def whole_id(value: Any, field: str) -> int | None:
    """An id: a whole number from 1 to 2^31-1 (`true` is not a number)."""
    if value is None:
        return None
    if is_id(value):
        return value
    raise Unfit(field, f"must be a whole number from 1 to {MAX_ID}")


def text(value: Any, field: str) -> str | None:
    """A string that a database can store: no NUL character, no unpaired surrogate."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unfit(field, "must be a string")
    if "\x00" in value:
        raise Unfit(field, "contains a NUL character, which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Unfit(field, "contains an unpaired surrogate (\\ud800-\\udfff), which cannot be stored") from None
    return value


def flag(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise Unfit(field, "must be true or false")


def moment(value: Any, field: str, unix: bool = True) -> datetime | None:
    """A time, or None for "not set" (null, and 0 where unix seconds are taken). `unix`: unix seconds (integer
    or float) are taken besides ISO 8601 strings (UTC when they have no zone)."""
    if value is None or (unix and value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, str):
        return iso(value, field, unix)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if unix and number and math.isfinite(value) and EARLIEST.timestamp() < value < LATEST.timestamp():
        return datetime.fromtimestamp(value, timezone.utc)
    if unix and number and 1e11 < value < 1e14:
        raise Unfit(field, "must be unix seconds; this looks like milliseconds")
    raise Unfit(field, _time_words(unix))


def iso(value: str, field: str, unix: bool = True) -> datetime:
    try:
        at = datetime.fromisoformat(value)
        at = at.astimezone(timezone.utc) if at.tzinfo else at.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):
        raise Unfit(field, _time_words(unix)) from None
    if not EARLIEST < at < LATEST:
        raise Unfit(field, _time_words(unix))
    return at


def _time_words(unix: bool) -> str:
    return f"must be unix seconds or an ISO 8601 time, {_TIME_RANGE}" if unix else \
        f"must be an ISO 8601 time, {_TIME_RANGE}"
