"""Working hours: a weekly schedule in an agent's local wall-clock time (CONTRACT.md 9.1).

Pure: a schedule, a zone and an instant go in. 09:00 is 09:00 local in winter and in summer: an instant is
on duty when its local time falls in one of that weekday's ranges. Where the clocks jump, a range boundary in
the gap takes effect when the clocks jump over it; a boundary in the repeated hour holds both times.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Iterator
from zoneinfo import ZoneInfo, available_timezones

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
UTC = timezone.utc


class HoursError(ValueError):
    """A schedule that does not fit; `field` says where (e.g. `tue[1]`)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class Hours:
    """Per weekday (Monday first), the on-duty ranges as (start, end) minutes of the local day, end exclusive
    and at most 1440 (24:00), sorted; touching ranges are kept as given."""

    days: tuple[tuple[tuple[int, int], ...], ...]

    @classmethod
    def parse(cls, data: Any) -> "Hours":
        """From the API's shape: {"mon": [["09:00", "17:30"]], ...}; a missing day is a day off."""
        if not isinstance(data, dict):
            raise HoursError("(hours)", 'must be an object such as {"mon": [["09:00", "17:30"]]}, or null')
        unknown = sorted(str(k) for k in data if k not in DAYS)
        if unknown:
            raise HoursError(unknown[0], f"is not a day; use {', '.join(DAYS)}")
        return cls(tuple(_day(day, data.get(day, [])) for day in DAYS))

    def to_json(self) -> dict[str, list[list[str]]]:
        return {day: [[_clock(s), _clock(e)] for s, e in ranges] for day, ranges in zip(DAYS, self.days) if ranges}

    def on_duty_local(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return any(s <= minute < e for s, e in self.days[local.weekday()])


@lru_cache(maxsize=4096)
def parsed(raw: str) -> Hours:
    """A stored schedule (its JSON text), parsed once per process."""
    return Hours.parse(json.loads(raw))


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    """IANA names: not the host's own `localtime`, nor the system copies under posix/ and right/ (leap seconds)."""
    odd = {"localtime", "posixrules", "Factory"}
    return frozenset(z for z in available_timezones() if z not in odd and not z.startswith(("posix/", "right/"))) \
        | {"UTC"}


def known_zone(name: object) -> bool:
    """An IANA zone name this machine's zone database has (the tzdata package ships one)."""
    return isinstance(name, str) and name in _zones()


def on_duty(hours: Hours | None, zone_name: str, at: datetime) -> bool:
    return hours is None or hours.on_duty_local(at.astimezone(zone(zone_name)))


def flips(hours: Hours, zone_name: str, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in (start, end] at which being on duty may change: each range boundary of each local day,
    as the clocks show it (both readings of a repeated time; the jump itself for a time the clocks skip)."""
    tz = zone(zone_name)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    found = set()
    day = first
    while day <= last:
        for s, e in hours.days[day.weekday()]:
            for minute in (s, e):
                found.update(t for t in _instants(day, minute, tz) if start < t <= end)
        day += timedelta(days=1)
    return sorted(found)


def wall_instant(day: date, minute: int, zone_name: str) -> datetime:
    """The first instant whose local time reads `minute` into `day` (for a time the clocks skip, the jump)."""
    found = list(_instants(day, minute, zone(zone_name)))
    return found[2] if len(found) == 3 else min(found)


def _instants(day: date, minute: int, tz: ZoneInfo) -> Iterator[datetime]:
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    early = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    late = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    yield early
    yield late
    if early.astimezone(tz).replace(tzinfo=None) != wall:  # the clocks skip this time: the jump is the boundary
        yield _jump(min(early, late), max(early, late), tz)


def _jump(before: datetime, after: datetime, tz: ZoneInfo) -> datetime:
    """The instant in (before, after] where the zone's offset changes (to the second)."""
    offset = before.astimezone(tz).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(tz).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0) if after.microsecond else after


def _day(day: str, ranges: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(ranges, list):
        raise HoursError(day, 'must be a list of ["HH:MM", "HH:MM"] pairs')
    parsed_ranges = []
    for n, pair in enumerate(ranges):
        where = f"{day}[{n}]"
        if not (isinstance(pair, list) and len(pair) == 2):
            raise HoursError(where, 'must be a pair ["HH:MM", "HH:MM"]')
        start, end = _minute(pair[0], where, end=False), _minute(pair[1], where, end=True)
        if end <= start:
            raise HoursError(where, f"ends at {pair[1]}, not after it starts ({pair[0]})")
        parsed_ranges.append((start, end))
    parsed_ranges.sort()
    for (s1, e1), (s2, _) in zip(parsed_ranges, parsed_ranges[1:]):
        if s2 < e1:
            raise HoursError(day, f"ranges overlap: {_clock(s1)}-{_clock(e1)} and one starting at {_clock(s2)}")
    return tuple(parsed_ranges)


def _minute(text: Any, where: str, end: bool) -> int:
    if not (isinstance(text, str) and len(text) == 5 and text[2] == ":" and text[:2].isascii()
            and text[:2].isdigit() and text[3:].isascii() and text[3:].isdigit()):
        raise HoursError(where, f"{text!r} is not a time; write HH:MM, e.g. \"09:00\"")
    hour, minute = int(text[:2]), int(text[3:])
    if hour == 24 and minute == 0:
        if not end:
            raise HoursError(where, '"24:00" can only end a range')
        return DAY_MINUTES
    if hour > 23 or minute > 59:
        raise HoursError(where, f"{text} is not a time of day (00:00 to 23:59, or 24:00 as an end)")
    return hour * 60 + minute


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
