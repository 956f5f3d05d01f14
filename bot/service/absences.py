"""Absences and cover (CONTRACT.md 9.2): set, listed and ended by people (API, dashboard, Slack, CLI), and kept
in step with what an outside source says (a Slack status, a helpdesk's out-of-office) by `sync_external`."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from integrations.inbound import EARLIEST, LATEST
from routing import availability
from routing.hours import wall_instant

from .. import clock
from ..errors import Conflict, Invalid, NotFound
from ..store import AbsenceRecord, AbsenceSource, AgentRecord, Store
from . import assignment, audit, home
from .audit import By
from .directory import Id, _Strict, check_cover, validate

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_INT = 2**31 - 1
PLAN_DAYS, MAX_PLAN_DAYS = 7, 31


class AbsenceIn(_Strict):
    start: Annotated[str, StringConstraints(min_length=10, max_length=40)]
    end: Annotated[str, StringConstraints(min_length=10, max_length=40)]
    cover: list[Id] | None = Field(default=None, max_length=20)
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


@dataclass(frozen=True)
class Wish:
    """What an outside source says an agent's absence is (see sync_external)."""

    start: datetime
    end: datetime | None
    cover: tuple[str, ...] = ()
    note: str | None = None


def absence_json(a: AbsenceRecord) -> dict:
    return {"id": a.id, "agent": a.agent_id, "start": clock.iso(a.start), "end": clock.iso(a.end),
            "cover": list(a.cover), "note": a.note, "source": str(a.source)}


def create(store: Store, agent_id: str, data: Any, by: By, source: AbsenceSource) -> dict:
    """A new absence for `agent_id`: dates are whole days in the agent's zone, times need an offset; it may not
    end in the past or overlap another of the agent's absences."""
    fields = validate(AbsenceIn, data)
    agent = _agent(store, agent_id, lock=True)
    start, end = moment(fields["start"], agent, "start", end=False), moment(fields["end"], agent, "end", end=True)
    if end <= start:
        raise Invalid("end must come after start", details=[{"field": "end", "message": "not after start"}])
    if end <= by.at:
        raise Invalid(f"end ({clock.iso(end)}) is already past; an absence must end in the future",
                      details=[{"field": "end", "message": "already past"}])
    cover = tuple(check_cover(store, agent.id, fields["cover"] or [], "cover"))
    clash = store.overlapping(agent.id, start, end)
    if clash is not None:
        raise Conflict(f"{agent.id} is already absent from {clock.iso(clash.start)} to "
                       f"{clock.iso(clash.end) or 'no end'} (absence {clash.id}); end or change that one first")
    made = store.add_absence(AbsenceRecord(None, agent.id, start, end, cover, fields["note"], source), by.at)
    audit.record(store, by, "absence.create", agent.id, None, absence_json(made))
    home.changed(store, agent.id, by.at)
    return absence_json(made)


def listed(store: Store, agent_id: str | None, now: datetime, past: bool = False) -> list[dict]:
    """Current and future absences (with `past`, ended ones too), of one agent or everyone's."""
    if agent_id is not None:
        _agent(store, agent_id)
    return [absence_json(a) for a in store.absences(agent_id, since=None if past else now)]


def end(store: Store, agent_id: str, absence_id: int, by: By) -> None:
    """End a current absence now (the agent is back: what waits for it comes to it), or remove a future one."""
    found = store.absence(absence_id) if 0 < absence_id <= MAX_INT else None
    if found is None or found.agent_id != agent_id:
        raise NotFound(f"no absence {absence_id} of agent '{agent_id}'")
    if found.end is not None and found.end <= by.at:
        raise Conflict(f"absence {absence_id} is already over (it ended {clock.iso(found.end)})")
    _finish(store, found, by)


def _finish(store: Store, found: AbsenceRecord, by: By) -> None:
    home.changed(store, found.agent_id, by.at)
    if found.start > by.at:
        store.delete_absence(found.id)
        audit.record(store, by, "absence.remove", found.agent_id, absence_json(found), None)
        return
    ended = replace(found, end=by.at)
    store.save_absence(ended)
    audit.record(store, by, "absence.end", found.agent_id, absence_json(found), absence_json(ended))
    assignment.drain(store, found.agent_id, by.at, "is back from an absence")


def sync_external(store: Store, agent_id: str, source: AbsenceSource, wish: Wish | None, by: By) -> str:
    """Keep the one absence that `source` (a Slack status, a helpdesk's out-of-office) has for an agent in step
    with `wish`: created, moved or ended (None: it ends, or goes if it had not started). Absences set another
    way are never touched, and time they already cover is left to them: the wish is cut to its first stretch
    that no other absence covers. Says what it did."""
    store.agent(agent_id, for_update=True)  # one writer of an agent's absences at a time
    mine = [a for a in store.absences(agent_id, since=by.at) if a.source == source]
    current = mine[0] if mine else None
    wanted = _uncovered(store, agent_id, wish, current.id if current else None, by.at)
    if wanted is None:
        if current is None:
            return "none" if wish is None else "covered"
        _finish(store, current, by)
        return "ended"
    if current is None:
        return _add(store, AbsenceRecord(None, agent_id, wanted.start, wanted.end, wanted.cover, wanted.note, source),
                    by)
    if current.start <= by.at < wanted.start:  # running, and moved to later: it ends now, the new time follows
        _finish(store, current, by)
        _add(store, replace(current, id=None, start=wanted.start, end=wanted.end, cover=wanted.cover,
                            note=wanted.note), by)
        return "moved"
    moved = replace(current, start=current.start if current.start <= by.at else wanted.start, end=wanted.end,
                    cover=wanted.cover, note=wanted.note)
    if moved == current:
        return "kept"
    store.save_absence(moved)
    audit.record(store, by, "absence.update", agent_id, absence_json(current), absence_json(moved))
    home.changed(store, agent_id, by.at)
    return "moved"


def _uncovered(store: Store, agent_id: str, wish: Wish | None, mine: int | None, now: datetime) -> Wish | None:
    """`wish` cut to its first stretch that no other absence of the agent covers (None: nothing left, or no
    wish, or one already over)."""
    for _ in range(8):  # each turn steps past one absence that covers the wish's start
        if wish is None or (wish.end is not None and wish.end <= max(wish.start, now)):
            return None
        clash = store.overlapping(agent_id, wish.start, wish.end, other_than=mine)
        if clash is None:
            return wish
        if clash.start > wish.start:
            return replace(wish, end=clash.start)
        wish = replace(wish, start=clash.end) if clash.end is not None else None
    return None


def _add(store: Store, absence: AbsenceRecord, by: By) -> str:
    made = store.add_absence(absence, by.at)
    audit.record(store, by, "absence.create", absence.agent_id, None, absence_json(made))
    home.changed(store, absence.agent_id, by.at)
    return "created"


def moment(text: str, agent: AgentRecord, field: str, end: bool) -> datetime:
    """A date (a whole day in the agent's zone: its 00:00 for a start, the next day's 00:00 for an end) or a
    time with an offset."""
    if _DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _bad(field, f"{text} is not a date") from None
        if not EARLIEST.date() <= day < LATEST.date() - timedelta(days=2):
            raise _bad(field, "must be a date between 1970 and 2099")
        return wall_instant(day + timedelta(days=1) if end else day, 0, agent.zone)
    try:
        if not text.isascii():
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(field, f"{text!r} is neither a date (2026-12-20) nor a time with an offset "
                          "(2026-12-20T09:00:00+01:00)") from None
    if parsed.tzinfo is None:
        raise _bad(field, "a time needs an offset, e.g. 2026-12-20T09:00:00+01:00 or ...Z")
    if not EARLIEST <= parsed < LATEST:
        raise _bad(field, "must be between 1970 and 2099")
    return parsed


def planned(store: Store, agent_id: str, start: str | None, end: str | None, now: datetime) -> dict:
    """GET /api/agents/{id}/availability: the agent's plan (hours and absences) from `start` to `end`, times
    with an offset (default: the next 7 days; at most 31)."""
    agent = _agent(store, agent_id)
    begin = _instant(start, "from") if start is not None else now
    finish = _instant(end, "to") if end is not None else begin + timedelta(days=PLAN_DAYS)
    if finish <= begin:
        raise _bad("to", "must come after from")
    if finish - begin > timedelta(days=MAX_PLAN_DAYS):
        raise _bad("to", f"the period is at most {MAX_PLAN_DAYS} days")
    seen = tuple(a.routing for a in store.absences(agent.id, since=begin) if a.start < finish)
    plan = availability.plan(replace(agent, absences=seen).routing, begin, finish)
    return {"agent": agent.id, "time_zone": agent.zone, "from": clock.iso(begin), "to": clock.iso(finish),
            "intervals": [{"state": str(i.state), "start": clock.iso(i.start), "end": clock.iso(i.end),
                           "source": i.source} for i in plan]}


def _instant(text: str, field: str) -> datetime:
    try:
        if not text.isascii() or _DATE.fullmatch(text):
            raise ValueError(text)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _bad(field, "must be a time with an offset, e.g. 2026-12-20T09:00:00+01:00 or ...Z") from None
    if parsed.tzinfo is None:
        raise _bad(field, "needs an offset, e.g. 2026-12-20T09:00:00+01:00 or ...Z")
    if not EARLIEST <= parsed < LATEST:
        raise _bad(field, "must be between 1970 and 2099")
    return parsed


def _bad(field: str, message: str) -> Invalid:
    return Invalid(f"{field}: {message}", details=[{"field": field, "message": message}])


def _agent(store: Store, agent_id: str, lock: bool = False) -> AgentRecord:
    found = store.agent(agent_id, for_update=lock)
    if found is None:
        raise NotFound(f"no agent '{agent_id}'")
    return found
