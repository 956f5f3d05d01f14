"""Absences set from Slack (CONTRACT.md 9.2, 9.4): `/sticky away`, `/sticky back`, `/sticky absence`,
`/sticky absences`, and the Home's absence modal. Agents are named by their Slack ids; dates are whole days in
the absent agent's zone, both included."""
from __future__ import annotations

from datetime import datetime, timedelta

from ..errors import Invalid, NotFound
from ..store import AbsenceRecord, AbsenceSource, AgentRecord, Store
from . import absences
from .agent_actions import agent_for_slack_user
from .audit import By

UPCOMING_DAYS = 30


def set_away(store: Store, caller: str, start: str, end: str, cover: list[str] | None, note: str | None,
             now: datetime, absent: str | None = None) -> dict:
    """An absence from the first day to the last (both whole days in the absent agent's zone) for the caller, or
    for the agent whose Slack id is `absent` (an admin's). Covers are Slack ids of agents; None: the agent's
    default cover."""
    agent = _agent_of(store, absent) if absent else agent_for_slack_user(store, caller)
    covers = list(agent.cover) if cover is None else [_agent_of(store, user, "cover").id for user in cover]
    # A date as an end is read as 24:00 on that day: the last day is included.
    data = {"start": start, "end": end, "cover": covers, "note": note}
    made = absences.create(store, agent.id, data, By(f"slack:{caller}", now), AbsenceSource.SLACK)
    made["zone"] = agent.zone
    return made


def back(store: Store, caller: str, now: datetime) -> dict:
    """End the caller's current absence now (their status stays as it is)."""
    agent = agent_for_slack_user(store, caller)
    current = next((a for a in store.absences(agent.id, since=now) if a.start <= now), None)
    if current is None:
        raise NotFound("you have no absence now; `/sticky absences` lists those ahead")
    absences.end(store, agent.id, current.id, By(f"slack:{caller}", now))
    return {"agent": agent.id, "absence": absences.absence_json(current)}


def end_one(store: Store, caller: str, absence_id: int, now: datetime) -> None:
    """The Home's button: end the caller's absence now, or remove it if it has not started."""
    agent = agent_for_slack_user(store, caller)
    absences.end(store, agent.id, absence_id, By(f"slack:{caller}", now))


def upcoming(store: Store, now: datetime) -> list[tuple[AbsenceRecord, str]]:
    """Every agent's current absences and those starting in the next 30 days, with the agent's zone."""
    horizon = now + timedelta(days=UPCOMING_DAYS)
    zones = {a.id: a.zone for a in store.agents()}
    return [(a, zones.get(a.agent_id, store.zone)) for a in store.absences(since=now) if a.start < horizon]


def _agent_of(store: Store, user_id: str, field: str = "agent") -> AgentRecord:
    found = store.agent_for_slack_user(user_id)
    if found is None:
        raise Invalid(f"Slack user {user_id} is not a stickybot agent (no active agent has that Slack id)",
                      details=[{"field": field, "message": "not an agent"}])
    return found
