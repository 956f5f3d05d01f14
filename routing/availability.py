"""Whether an agent is there at an instant, and why (CONTRACT.md 9.1-9.3). Pure: an agent (its status, load,
hours, zone, absences and do-not-disturb window) and an instant go in.

Precedence, highest first: inactive, absent, off duty, Slack do-not-disturb, status, capacity.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from . import hours as wall
from .model import Absence, Agent, Status

# How far ahead `until` and a shift's next start are looked for: a week and a day covers every weekly schedule.
HORIZON = timedelta(days=8)


class State(StrEnum):
    AVAILABLE = "available"
    AWAY = "away"
    FULL = "full"
    OFFLINE = "offline"
    OFF_DUTY = "off_duty"
    ABSENT = "absent"
    INACTIVE = "inactive"


class Source(StrEnum):
    STATUS = "status"
    CAPACITY = "capacity"
    HOURS = "hours"
    ABSENCE = "absence"
    SLACK_STATUS = "slack-status"
    SLACK_DND = "slack-dnd"
    DIRECTORY = "directory"


class Planned(StrEnum):
    """The states of an agent's plan: hours and absences only."""

    ON_DUTY = "on_duty"
    OFF_DUTY = "off_duty"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class Availability:
    state: State
    source: Source
    until: datetime | None = None  # when the state next changes, if known
    why: str = ""

    @property
    def available(self) -> bool:
        return self.state == State.AVAILABLE


@dataclass(frozen=True, slots=True)
class Interval:
    state: Planned
    start: datetime
    end: datetime
    source: str


def absence_at(agent: Agent, at: datetime) -> Absence | None:
    return next((a for a in agent.absences if a.covers(at)), None)


def on_duty(agent: Agent, at: datetime) -> bool:
    return wall.on_duty(agent.hours, agent.time_zone, at)


def in_dnd(agent: Agent, at: datetime) -> bool:
    return agent.dnd is not None and agent.dnd[0] <= at < agent.dnd[1]


def available(agent: Agent, at: datetime) -> bool:
    """The routing question, cheapest checks first."""
    return (agent.active and agent.status == Status.ONLINE and agent.has_room
            and absence_at(agent, at) is None and not in_dnd(agent, at) and on_duty(agent, at))


def state(agent: Agent, at: datetime) -> tuple[State, Source]:
    if not agent.active:
        return State.INACTIVE, Source.DIRECTORY
    absence = absence_at(agent, at)
    if absence is not None:
        return State.ABSENT, _source(absence)
    if not on_duty(agent, at):
        return State.OFF_DUTY, Source.HOURS
    if in_dnd(agent, at):
        return State.AWAY, Source.SLACK_DND
    if agent.status != Status.ONLINE:
        return State(str(agent.status)), Source.STATUS
    if not agent.has_room:
        return State.FULL, Source.CAPACITY
    return State.AVAILABLE, Source.STATUS


def _source(absence: Absence) -> Source:
    """What decided an absence, as availability names it: a Slack status, or an absence set any other way."""
    return Source.SLACK_STATUS if absence.source == Source.SLACK_STATUS else Source.ABSENCE


def explain(agent: Agent, at: datetime) -> Availability:
    """The state at `at`, when it next changes (load held as it is), and why, in words."""
    now, source = state(agent, at)
    until = _next_change(agent, at, now)
    return Availability(now, source, until, _why(agent, at, now, source, until))


def next_start(agent: Agent, at: datetime, before: datetime) -> datetime | None:
    """The agent's next shift start after `at` and strictly before `before`, outside any absence."""
    if agent.hours is None:
        return None
    for moment in wall.flips(agent.hours, agent.time_zone, at, before):
        if moment < before and on_duty(agent, moment) and not on_duty(agent, moment - timedelta(seconds=1)) \
                and absence_at(agent, moment) is None:
            return moment
    return None


def plan(agent: Agent, start: datetime, end: datetime) -> list[Interval]:
    """The agent's planned availability from `start` to `end`: one timeline of on duty, off duty and absent
    (hours and absences only), without overlaps, equal neighbours merged."""
    marks = {start, end}
    if agent.hours is not None:
        marks.update(wall.flips(agent.hours, agent.time_zone, start, end))
    for a in agent.absences:
        marks.update(t for t in (a.start, a.end) if t is not None and start < t < end)
    points = sorted(m for m in marks if start <= m <= end)
    out: list[Interval] = []
    for left, right in zip(points, points[1:]):
        planned, source = _planned(agent, left)
        if out and out[-1].state == planned and out[-1].end == left:
            out[-1] = Interval(planned, out[-1].start, right, out[-1].source)
        else:
            out.append(Interval(planned, left, right, source))
    return out


def _planned(agent: Agent, at: datetime) -> tuple[Planned, str]:
    absence = absence_at(agent, at)
    if absence is not None:
        return Planned.ABSENT, str(_source(absence))
    return (Planned.ON_DUTY if on_duty(agent, at) else Planned.OFF_DUTY), str(Source.HOURS)


def _next_change(agent: Agent, at: datetime, now: State) -> datetime | None:
    end = at + HORIZON
    marks = set(wall.flips(agent.hours, agent.time_zone, at, end)) if agent.hours is not None else set()
    for a in agent.absences:
        marks.update(t for t in (a.start, a.end) if t is not None and at < t)
    if agent.dnd is not None:
        marks.update(t for t in agent.dnd if at < t)
    for moment in sorted(marks):
        if state(agent, moment)[0] != now:
            return moment
    return None


def _why(agent: Agent, at: datetime, now: State, source: Source, until: datetime | None) -> str:
    later = f" until {when(until, agent.time_zone, at)}" if until is not None else ""
    if now == State.INACTIVE:
        return "deactivated"
    if now == State.ABSENT:
        return absent_words(absence_at(agent, at), agent.time_zone, at)
    if now == State.OFF_DUTY:
        return f"off duty{later}" if until is not None else "off duty, with no working hours in the week ahead"
    if source == Source.SLACK_DND:
        return f"in Slack's do not disturb{later}"
    if now in (State.AWAY, State.OFFLINE):
        words = f"status {now}"
    elif now == State.FULL:
        words = f"at capacity ({agent.open_load}/{agent.max_open} open)"
    else:
        words = "online" + (f" ({agent.open_load}/{agent.max_open} open)" if agent.max_open is not None else "")
    if until is None:
        return words
    then = str(state(agent, until)[0]).replace("_", " ")
    return f"{words}; {then} from {when(until, agent.time_zone, at)}"


def absent_words(absence: Absence, zone: str, at: datetime) -> str:
    """"absent until 31 Dec (holiday); bob and carol cover"."""
    if not absence.cover:
        return f"{absent_until(absence, zone, at)}; nobody covers"
    verb = "covers" if len(absence.cover) == 1 else "cover"
    return f"{absent_until(absence, zone, at)}; {names(absence.cover)} {verb}"


def absent_until(absence: Absence, zone: str, at: datetime) -> str:
    """"absent through 24 Dec (holiday)" for whole days, else "absent until 24 Dec 14:00 Europe/Berlin"."""
    if absence.end is None:
        end = "with no end set"
    else:
        local = absence.end.astimezone(wall.zone(zone))
        if local.hour == 0 and local.minute == 0 and local.second == 0:
            end = f"through {_day(local - timedelta(days=1), at.astimezone(wall.zone(zone)))}"
        else:
            end = f"until {when(absence.end, zone, at)}"
    return f"absent {end}" + (f" ({absence.note})" if absence.note else "")


def names(ids: tuple[str, ...] | list[str]) -> str:
    ids = list(ids)
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def when(moment: datetime, zone: str, ref: datetime) -> str:
    """A time as the agent reads it, in its zone: "17:30 Europe/Berlin" the same day, "Mon 09:00 Europe/Berlin"
    within the week, "31 Dec 14:00 Europe/Berlin" later."""
    tz = wall.zone(zone)
    local, today = moment.astimezone(tz), ref.astimezone(tz)
    clock = f"{local.hour:02d}:{local.minute:02d} {zone}"
    days = (local.date() - today.date()).days
    if days == 0:
        return clock
    if 0 < days < 7:
        return f"{local.strftime('%a')} {clock}"
    return f"{_day(local, today)} {clock}"


def _day(local: datetime, today: datetime) -> str:
    """"24 Dec", with the year when it is not this one."""
    return f"{local.day} {local.strftime('%b')}" + (f" {local.year}" if local.year != today.year else "")
