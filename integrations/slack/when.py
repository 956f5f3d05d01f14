"""Times and spans of time as an agent reads them, in a named zone. Pure."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def day(moment: datetime) -> str:
    """"Sun 20 Dec"."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def span(start: datetime, end: datetime | None, zone: str) -> str:
    """An absence as its agent set it: whole days ("Sun 20 Dec – Thu 31 Dec", both included) when it starts and
    ends at midnight in `zone`, else with times ("Sun 20 Dec 14:00 – Mon 21 Dec 09:00"); the zone follows."""
    tz = ZoneInfo(zone)
    first = start.astimezone(tz)
    if end is None:
        return f"from {day(first)} {clock(first)}, no end set ({zone})"
    last = end.astimezone(tz)
    if _midnight(first) and _midnight(last):
        through = (last - timedelta(hours=12)).astimezone(tz)  # the last whole day
        words = day(first) if through.date() == first.date() else f"{day(first)} – {day(through)}"
        return f"{words} ({zone})"
    if first.date() == last.date():
        return f"{day(first)} {clock(first)} – {clock(last)} ({zone})"
    return f"{day(first)} {clock(first)} – {day(last)} {clock(last)} ({zone})"


def _midnight(local: datetime) -> bool:
    return local.hour == 0 and local.minute == 0 and local.second == 0
