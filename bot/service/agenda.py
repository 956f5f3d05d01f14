"""One agent's time (CONTRACT.md 9.1-9.3): its availability now and why, its plan for the week ahead from its
hours and absences, and its absences, as the dashboard's agent page shows them."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from routing import availability
from routing.availability import Interval
from routing.hours import wall_instant, zone as zone_info

from ..errors import NotFound
from ..store import Store
from . import absences, directory

WEEK_DAYS = 7


@dataclass(frozen=True)
class Week:
    """The agent as the API shows it, its zone, its plan from 00:00 today in its zone for WEEK_DAYS days
    (each local midnight in `days`), and its current and future absences (as the API lists them)."""

    agent: dict
    zone: str
    default_zone: str  # the zone of agents without one of their own
    start: datetime
    end: datetime
    days: list[datetime]
    plan: list[Interval]
    absences: list[dict]


def week(store: Store, agent_id: str, now: datetime) -> Week:
    found = store.agent(agent_id)
    if found is None:
        raise NotFound(f"no agent '{agent_id}'; agents are added with PUT /api/agents/{agent_id} or "
                       "`stickybot directory load`")
    today = now.astimezone(zone_info(found.zone)).date()
    days = [wall_instant(today + timedelta(days=n), 0, found.zone) for n in range(WEEK_DAYS + 1)]
    start, end = days[0], days[-1]
    found = replace(found, absences=tuple(a.routing for a in store.absences(agent_id, since=min(start, now))))
    return Week(directory.agent_json(found, now), found.zone, store.zone, start, end, days,
                availability.plan(found.routing, start, end), absences.listed(store, agent_id, now))
