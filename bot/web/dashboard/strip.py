"""The week ahead as one strip, drawn on the server: an agent's plan (on duty, off duty, absent) from 00:00 today
in its zone for a week, each day marked and labelled in that zone. The geometry here, the markup in
templates/dashboard/agent.html; the same intervals are listed in words under it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.availability import Interval
from routing.hours import zone as zone_info

from ... import clock

WIDTH, HEIGHT = 728, 78
LEFT, RIGHT, BAR_TOP, BAR_HEIGHT = 4, 4, 22, 30
WORDS = {"on_duty": "on duty", "off_duty": "off duty", "absent": "absent"}
LEGEND = [("strip-on_duty", "on duty (working hours)"), ("strip-off_duty", "off duty (outside working hours)"),
          ("strip-absent", "absent")]


@dataclass(frozen=True)
class Part:
    x: float
    width: float
    css: str
    title: str


@dataclass(frozen=True)
class Strip:
    width: int
    height: int
    bar_top: int
    bar_bottom: int
    parts: list[Part]
    days: list[tuple[float, float, str]]   # (x of the day's start, x of its middle, its label)
    now_x: float | None                    # where now is, if on the strip
    legend: list[tuple[str, str]]


def local(moment: datetime | str | None, zone: str, year: bool = False) -> str:
    """A time (or the API's ISO text of one) as the agent's clock reads it: "Mon 7 Dec 09:00" (with `year`,
    "Mon 7 Dec 2026 09:00")."""
    if moment is None:
        return "—"
    if isinstance(moment, str):
        moment = clock.parse_iso(moment)
    at = moment.astimezone(zone_info(zone))
    day = f"{at.strftime('%a')} {at.day} {at.strftime('%b')}" + (f" {at.year}" if year else "")
    return f"{day} {at.hour:02d}:{at.minute:02d}"


def strip(plan: list[Interval], days: list[datetime], now: datetime, zone: str) -> Strip:
    start, end = days[0], days[-1]
    span = (end - start).total_seconds()
    inner = WIDTH - LEFT - RIGHT
    x = lambda t: round(LEFT + inner * (t - start).total_seconds() / span, 1)
    parts = [Part(x(i.start), round(x(i.end) - x(i.start), 1), f"strip-{i.state}",
                  f"{WORDS.get(str(i.state), str(i.state))}: {local(i.start, zone)} to {local(i.end, zone)} {zone}")
             for i in plan]
    tz = zone_info(zone)
    marks = [(x(a), round((x(a) + x(b)) / 2, 1), _day_label(a.astimezone(tz))) for a, b in zip(days, days[1:])]
    now_x = x(now) if start <= now <= end else None
    return Strip(WIDTH, HEIGHT, BAR_TOP, BAR_TOP + BAR_HEIGHT, parts, marks, now_x, LEGEND)


def _day_label(day: datetime) -> str:
    return f"{day.strftime('%a')} {day.day}"
