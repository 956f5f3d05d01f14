"""The routing decision of CONTRACT.md section 2.

Pure: an event, the workspace settings, the customer's sticky link and a read-only
directory go in; a frozen Decision comes out. Time is the event's `occurred_at`.
The numbered rules read as early returns sharing one `pick()`.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Iterable

from .model import Agent, Decision, Directory, Event, Link, Outcome, Rule, Settings, Status
from .reason import CUSTOMER, lit


def pick(agents: Iterable[Agent], exclude: Iterable[str] = ()) -> Agent | None:
    """The normal assignment rule: lowest open load, then least recently assigned, then id."""
    left_out = set(exclude)
    candidates = [a for a in agents if a.available and a.id not in left_out]
    if not candidates:
        return None
    return min(candidates, key=lambda a: (a.open_load, -1 if a.last_assigned is None else a.last_assigned, a.id))


def in_window(settings: Settings, link: Link | None, at: datetime) -> bool:
    return (
        settings.sticky_days > 0
        and link is not None
        and at - link.last_interaction_at <= timedelta(days=settings.sticky_days)
    )


def decide(event: Event, settings: Settings, link: Link | None, directory: Directory) -> Decision:
    if event.assign_agent:
        return _explicit_agent(event, directory)
    if event.assign_team:
        return _explicit_team(event, directory)
    check = settings.availability_check if event.availability_check is None else event.availability_check
    why_not_sticky, linked = _sticky_candidate(event, settings, link, directory)
    if linked is not None:
        return _sticky(event, settings, link, linked, check, directory)
    return _default(event, directory, why_not_sticky)


def _explicit_agent(event: Event, directory: Directory) -> Decision:
    ref = event.assign_agent
    agent = directory.agent(ref)
    if agent is None:
        return _unassigned(Rule.EXPLICIT_UNKNOWN, event.team, f"the chatbot flow named agent '{lit(ref)}', who is not in the directory")
    if not agent.active:
        return _unassigned(Rule.EXPLICIT_UNKNOWN, event.team, f"the chatbot flow named agent '{lit(ref)}', who is deactivated")
    return _assigned(agent, event.team, Rule.EXPLICIT_AGENT, f"the chatbot flow assigned {lit(agent.id)}",
                     needs_room=False)


def _explicit_team(event: Event, directory: Directory) -> Decision:
    team = event.assign_team
    if not directory.team_exists(team):
        return _unassigned(Rule.EXPLICIT_UNKNOWN, event.team, f"the chatbot flow named team '{lit(team)}', which does not exist")
    chosen = pick(directory.members(team), event.exclude)
    if chosen is None:
        return _unassigned(Rule.UNASSIGNED, team, f"the chatbot flow sent it to team {lit(team)}, and nobody there is available")
    return _assigned(chosen, team, Rule.EXPLICIT_TEAM, f"the chatbot flow sent it to team {lit(team)}; {_picked(chosen)}")


def _sticky_candidate(event: Event, settings: Settings, link: Link | None, directory: Directory) -> tuple[str, Agent | None]:
    """The linked agent if rule 3 applies, else (why it does not, None)."""
    if settings.sticky_days == 0:
        return "sticky sessions are off", None
    if link is None:
        return f"no earlier agent on record for {CUSTOMER}", None
    if not in_window(settings, link, event.occurred_at):
        ago = _ago(event.occurred_at - link.last_interaction_at)
        return f"{lit(link.agent_id)} last helped {CUSTOMER} {ago}, outside the {_days(settings.sticky_days)} window", None
    agent = directory.agent(link.agent_id)
    if agent is None or not agent.active:
        return f"{lit(link.agent_id)}, who helped {CUSTOMER} last, is deactivated", None
    if agent.id in event.exclude:
        return f"{lit(agent.id)}, who helped {CUSTOMER} last, was left out", None
    return "", agent


def _sticky(event: Event, settings: Settings, link: Link, linked: Agent, check: bool, directory: Directory) -> Decision:
    since = event.occurred_at - link.last_interaction_at

    def assigned(agent: Agent, team: str | None, rule: Rule, reason: str, needs_room: bool = True) -> Decision:
        return replace(_assigned(agent, team, rule, reason, needs_room), linked_agent=linked.id, since=since)

    def unassigned(team: str | None, reason: str) -> Decision:
        return replace(_unassigned(Rule.UNASSIGNED, team, reason), linked_agent=linked.id, since=since)

    returning = (
        f"returning customer: {lit(linked.id)} handled {CUSTOMER} "
        f"{_ago(since)} (window {_days(settings.sticky_days)})"
    )
    if not check:
        note = "" if linked.available else f"; availability check off, so {lit(linked.id)} gets it while {_unavailable(linked)}"
        return assigned(linked, event.team, Rule.STICKY, returning + note, needs_room=False)
    if linked.available:
        return assigned(linked, event.team, Rule.STICKY, returning)
    away = f"{returning}, but {lit(linked.id)} is {_unavailable(linked)}"
    left_out = event.exclude | {linked.id}
    if event.team:
        chosen = pick(directory.members(event.team), left_out)
        if chosen is None:
            return unassigned(event.team, f"{away}, and nobody else in team {lit(event.team)} is available")
        return assigned(chosen, event.team, Rule.STICKY_TEAM, f"{away}; from team {lit(event.team)}, {_picked(chosen)}")
    teams = list(directory.teams_of(linked.id))
    chosen = pick(_union(directory, teams), left_out)
    if chosen is None:
        where = f"in {lit(linked.id)}'s teams ({lit(', '.join(teams))})" if teams \
            else f"to share it with ({lit(linked.id)} is in no team)"
        return unassigned(None, f"{away}, and nobody else is available {where}")
    return assigned(chosen, None, Rule.STICKY_TEAMS, f"{away}; from {lit(linked.id)}'s teams ({lit(', '.join(teams))}), {_picked(chosen)}")


def _default(event: Event, directory: Directory, why_not_sticky: str) -> Decision:
    if event.team:
        chosen = pick(directory.members(event.team), event.exclude)
        where = f"team {lit(event.team)}"
    else:
        chosen = pick(directory.everyone(), event.exclude)
        where = "all agents"
    if chosen is None:
        return _unassigned(Rule.UNASSIGNED, event.team, f"{why_not_sticky}; nobody in {where} is available")
    return _assigned(chosen, event.team, Rule.DEFAULT, f"{why_not_sticky}; from {where}, {_picked(chosen)}")


def _union(directory: Directory, teams: Iterable[str]) -> list[Agent]:
    seen: dict[str, Agent] = {}
    for team in teams:
        for agent in directory.members(team):
            seen.setdefault(agent.id, agent)
    return list(seen.values())


def _assigned(agent: Agent, team: str | None, rule: Rule, reason: str, needs_room: bool = True) -> Decision:
    return Decision(Outcome.ASSIGNED, agent.id, team, rule, reason, needs_room=needs_room)


def _unassigned(rule: Rule, team: str | None, reason: str) -> Decision:
    return Decision(Outcome.UNASSIGNED, None, team, rule, reason)


def _picked(agent: Agent) -> str:
    return f"{lit(agent.id)} has the lowest load ({agent.open_load} open)"


def _unavailable(agent: Agent) -> str:
    if agent.status != Status.ONLINE:
        return str(agent.status)
    return f"at capacity ({agent.open_load}/{agent.max_open} open)"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _ago(delta: timedelta) -> str:
    if delta < timedelta(days=1):
        return "less than a day ago" if delta >= timedelta(0) else "just now"
    return f"{_days(delta.days)} ago"
