"""The routing decision of CONTRACT.md section 2 (with the hold of 8.1, the blocks of 8.3, and the hours,
absences and covers of 9.1-9.2).

Pure: an event, the workspace settings, the customer's sticky link, a read-only directory, the agents the
customer must never reach and the link an admin last broke go in; a frozen Decision comes out. Time is the
event's `occurred_at`: whether an agent is there is decided at that instant (routing.availability).
The numbered rules read as early returns sharing one `pick()`. Reasons are templates (routing.reason).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Iterable

from . import availability
from .availability import State
from .model import Absence, Agent, Decision, Directory, Event, Link, Miss, Outcome, Rule, Settings, Status
from .pick import pick, pick_in
from .reason import CUSTOMER, lit

# A cover who is absent too is replaced by their own cover list, at most this many times below the first list.
COVER_DEPTH = 2


def in_window(settings: Settings, link: Link | None, at: datetime) -> bool:
    return (
        settings.sticky_days > 0
        and link is not None
        and at - link.last_interaction_at <= timedelta(days=settings.sticky_days)
    )


@dataclass(frozen=True)
class _Linkage:
    """The customer's link as rule 3 sees it."""

    returning: bool = False        # a link inside the window
    window_passed: bool = False    # a link, outside the window
    agent: Agent | None = None     # the linked agent, when rule 3 applies
    absent: bool = False           # the linked agent (active) is absent: its link stays where it is
    why_not: str = ""              # why rule 3 does not apply (the default rule's reason starts with it)
    miss: Miss | None = None       # why a returning customer cannot have their agent by rule 3
    linked: str | None = None      # for a returning customer: who helped them last, and how long ago
    since: timedelta | None = None


# The reason of a customer with no link and no broken one: the first contact (the Slack DM says so in words).
NO_EARLIER_AGENT = f"no earlier agent on record for {CUSTOMER}"


def first_contact(reason: str) -> bool:
    """Whether a recorded reason (a template) is that of a customer stickybot has no earlier agent for."""
    return reason.startswith(NO_EARLIER_AGENT)


def decide(event: Event, settings: Settings, link: Link | None, directory: Directory,
           blocked: frozenset[str] = frozenset(), broken: Link | None = None) -> Decision:
    """`broken`: the link an admin broke last (or a block removed), its time being when; with no link now, a
    break inside the window is what the default rule's reason starts with."""
    linkage = _linkage(event, settings, link, directory, blocked, broken)
    if event.absent_holder:
        decision = _moved_from_absent(event, directory, blocked)
    elif event.assign_agent:
        decision = _explicit_agent(event, directory, blocked)
    elif event.assign_team:
        decision = _explicit_team(event, directory, blocked)
    elif linkage.agent is not None:
        check = settings.availability_check if event.availability_check is None else event.availability_check
        decision = _sticky(event, settings, link, linkage.agent, check, directory, blocked)
    else:
        decision = _default(event, directory, linkage.why_not, blocked)
    return _annotated(decision, linkage, flow=bool(event.assign_agent or event.assign_team), at=event.occurred_at)


def _linkage(event: Event, settings: Settings, link: Link | None, directory: Directory,
             blocked: frozenset[str], broken: Link | None = None) -> _Linkage:
    if settings.sticky_days == 0:
        return _Linkage(why_not="sticky sessions are off")
    if link is None:
        return _Linkage(why_not=_unlinked(event, settings, blocked, broken))
    linked = lit(link.agent_id)
    if not in_window(settings, link, event.occurred_at):
        ago = _ago(event.occurred_at - link.last_interaction_at)
        return _Linkage(window_passed=True, why_not=f"{linked} last helped {CUSTOMER} {ago}, outside the "
                                                    f"{_days(settings.sticky_days)} window")
    returning = dict(returning=True, linked=link.agent_id, since=event.occurred_at - link.last_interaction_at)
    agent = directory.agent(link.agent_id)
    if agent is None or not agent.active:
        return _Linkage(why_not=f"{linked}, who helped {CUSTOMER} last, is deactivated", miss=Miss.DEACTIVATED,
                        **returning)
    if agent.id in blocked:
        return _Linkage(why_not=f"{linked}, who helped {CUSTOMER} last, is blocked for {CUSTOMER}",
                        miss=Miss.BLOCKED, **returning)
    returning["absent"] = availability.absence_at(agent, event.occurred_at) is not None
    if agent.id in event.exclude and agent.id != event.waited_for:
        return _Linkage(why_not=f"{linked}, who helped {CUSTOMER} last, was left out", **returning)
    return _Linkage(agent=agent, **returning)


def _unlinked(event: Event, settings: Settings, blocked: frozenset[str], broken: Link | None) -> str:
    """Why a customer with no link has none. A break counts only inside the window: any link made after it
    would be newer, so a later link that ran out since cannot be mistaken for the broken one."""
    if not in_window(settings, broken, event.occurred_at):
        return NO_EARLIER_AGENT
    who, ago = lit(broken.agent_id), _ago(event.occurred_at - broken.last_interaction_at)
    if broken.agent_id in blocked:
        return f"{CUSTOMER}'s link to {who} was removed {ago}, when {who} was blocked for {CUSTOMER}"
    return f"an admin broke {CUSTOMER}'s link to {who} {ago}"


def _explicit_agent(event: Event, directory: Directory, blocked: frozenset[str]) -> Decision:
    ref = event.assign_agent
    agent = directory.agent(ref)
    if agent is None:
        return _unassigned(Rule.EXPLICIT_UNKNOWN, event.team, f"the chatbot flow named agent '{lit(ref)}', who is not in the directory")
    if not agent.active:
        return _unassigned(Rule.EXPLICIT_UNKNOWN, event.team, f"the chatbot flow named agent '{lit(ref)}', who is deactivated")
    if agent.id in blocked:
        return _unassigned(Rule.BLOCKED, event.team, f"the chatbot flow named agent {lit(agent.id)}, who is blocked "
                                                     f"for {CUSTOMER}")
    return _assigned(agent, event.team, Rule.EXPLICIT_AGENT, f"the chatbot flow assigned {lit(agent.id)}",
                     needs_room=False)


def _explicit_team(event: Event, directory: Directory, blocked: frozenset[str]) -> Decision:
    team = event.assign_team
    if not directory.team_exists(team):
        return _unassigned(Rule.EXPLICIT_UNKNOWN, event.team, f"the chatbot flow named team '{lit(team)}', which does not exist")
    chosen = pick_in(directory, team, event.occurred_at, event.exclude | blocked)
    if chosen is None:
        return _unassigned(Rule.UNASSIGNED, team, f"the chatbot flow sent it to team {lit(team)}, and nobody there is available")
    return _assigned(chosen, team, Rule.EXPLICIT_TEAM, f"the chatbot flow sent it to team {lit(team)}; {_picked(chosen)}")


def _sticky(event: Event, settings: Settings, link: Link, linked: Agent, check: bool, directory: Directory,
            blocked: frozenset[str]) -> Decision:
    at = event.occurred_at
    returning = (f"returning customer: {lit(linked.id)} handled {CUSTOMER} "
                 f"{_ago(at - link.last_interaction_at)} (window {_days(settings.sticky_days)})")
    if link.covered_by:  # the link's time is the cover's work, done for the linked agent
        returning = (f"returning customer: {lit(linked.id)}'s customer {CUSTOMER} was last helped "
                     f"{_ago(at - link.last_interaction_at)} (window {_days(settings.sticky_days)}); "
                     f"{lit(link.covered_by)} covered {CUSTOMER} while {lit(linked.id)} was away")
    absence = availability.absence_at(linked, at)
    if absence is not None:  # stickiness kept through the absence, with or without the availability check
        return _covered(event, linked, absence, directory, blocked, f"{returning}, but")
    available = availability.available(linked, at)
    if not check:
        note = "" if available else f"; availability check off, so {lit(linked.id)} gets it while {_unavailable(linked, at)}"
        return _assigned(linked, event.team, Rule.STICKY, returning + note, needs_room=False)
    waited = event.waited_for == linked.id
    if available and not waited:
        return _assigned(linked, event.team, Rule.STICKY, returning)
    if waited:
        away = f"{returning}; the customer waited for {lit(linked.id)}, who did not come back in time"
    else:
        held = _hold(event, settings, linked, returning)
        if held is not None:
            return held
        away = f"{returning}, but {lit(linked.id)} is {_unavailable(linked, at)}"
    return _fallback(event, linked, away, directory, event.exclude | blocked | {linked.id})


def _hold(event: Event, settings: Settings, linked: Agent, returning: str) -> Decision | None:
    """Rule 3 with a wait: an away, full or do-not-disturb agent is waited for, and so is an off-duty one whose
    shift starts within the wait; an offline one never."""
    at, wait = event.occurred_at, settings.sticky_wait_minutes
    if wait <= 0 or linked.status == Status.OFFLINE:
        return None
    until = at + timedelta(minutes=wait)
    held_for = f"held for {lit(linked.id)} for up to {_minutes(wait)}, until {until.strftime('%Y-%m-%d %H:%M')} UTC"
    if not availability.on_duty(linked, at):
        starts = availability.next_start(linked, at, until)
        if starts is None:
            return None
        why = f"{lit(linked.id)} is off duty and starts at {lit(availability.when(starts, linked.time_zone, at))}"
    else:
        why = f"{lit(linked.id)} is {_unavailable(linked, at)}"
    return Decision(Outcome.HELD, linked.id, event.team, Rule.STICKY_HOLD, f"{returning}, but {why}: {held_for}",
                    held_until=until)


def _covered(event: Event, absent: Agent, absence: Absence, directory: Directory, blocked: frozenset[str],
             lead: str) -> Decision:
    """The first available cover of an absent agent (CONTRACT.md 9.2), else rule 3's fallbacks."""
    at = event.occurred_at
    left_out = event.exclude | blocked | {absent.id}
    away = f"{lead}{' ' if lead else ''}{lit(absent.id)} is {lit(availability.absent_until(absence, absent.time_zone, at))}"
    chosen = next((a for a in covers(absence, directory, at, absent.id)
                   if a.id not in left_out and availability.available(a, at)), None)
    if chosen is None:
        covered = "no cover is available" if absence.cover else "nobody covers"
        return _fallback(event, absent, f"{away}; {covered}", directory, left_out)
    decision = _assigned(chosen, event.team, Rule.COVER,
                         f"{away}; {lit(chosen.id)} covers {lit(absent.id)}'s customers")
    return replace(decision, covering=absent.id, covering_until=absence.end)


def covers(absence: Absence, directory: Directory, at: datetime, absent: str) -> list[Agent]:
    """The candidates to cover for an absence, in order: its cover list, each cover who is absent too replaced
    in place by its own absence's cover list (at most COVER_DEPTH times below the first list), no agent twice;
    a deactivated cover is dropped. Availability and blocks are the caller's to check."""
    seen = {absent}

    def expand(ids: tuple[str, ...], depth: int) -> list[Agent]:
        found = []
        for ref in ids:
            agent = directory.agent(ref)
            if agent is None or agent.id in seen or not agent.active:
                continue
            seen.add(agent.id)
            own = availability.absence_at(agent, at)
            if own is None:
                found.append(agent)
            elif depth < COVER_DEPTH:
                found.extend(expand(own.cover, depth + 1))
        return found

    return expand(absence.cover, 0)


def _moved_from_absent(event: Event, directory: Directory, blocked: frozenset[str]) -> Decision:
    """An open conversation whose agent is absent when the customer writes goes to that agent's cover."""
    holder = directory.agent(event.absent_holder)
    absence = availability.absence_at(holder, event.occurred_at) if holder is not None else None
    if absence is None:  # not absent after all (the absence ended meanwhile): routed as any other
        return _default(event, directory, f"{lit(event.absent_holder)} is back", blocked)
    return _covered(event, holder, absence, directory, blocked, "")


def _fallback(event: Event, linked: Agent, away: str, directory: Directory, left_out: frozenset[str]) -> Decision:
    """Rule 3 without the linked agent: the event's team, else the linked agent's teams, else Unassigned."""
    at = event.occurred_at
    if event.team:
        chosen = pick_in(directory, event.team, at, left_out)
        if chosen is None:
            return _unassigned(Rule.UNASSIGNED, event.team, f"{away}, and nobody else in team {lit(event.team)} is available")
        return _assigned(chosen, event.team, Rule.STICKY_TEAM, f"{away}; from team {lit(event.team)}, {_picked(chosen)}")
    teams = list(directory.teams_of(linked.id))
    chosen = pick(_union(directory, teams), at, left_out)
    if chosen is None:
        where = f"in {lit(linked.id)}'s teams ({lit(', '.join(teams))})" if teams \
            else f"to share it with ({lit(linked.id)} is in no team)"
        return _unassigned(Rule.UNASSIGNED, None, f"{away}, and nobody else is available {where}")
    return _assigned(chosen, None, Rule.STICKY_TEAMS, f"{away}; from {lit(linked.id)}'s teams ({lit(', '.join(teams))}), {_picked(chosen)}")


def _default(event: Event, directory: Directory, why_not_sticky: str, blocked: frozenset[str]) -> Decision:
    if event.team:
        chosen = pick_in(directory, event.team, event.occurred_at, event.exclude | blocked)
        where = f"team {lit(event.team)}"
    else:
        chosen = pick(directory.everyone(), event.occurred_at, event.exclude | blocked)
        where = "all agents"
    if chosen is None:
        return _unassigned(Rule.UNASSIGNED, event.team, f"{why_not_sticky}; nobody in {where} is available")
    return _assigned(chosen, event.team, Rule.DEFAULT, f"{why_not_sticky}; from {where}, {_picked(chosen)}")


def _annotated(decision: Decision, linkage: _Linkage, flow: bool, at: datetime) -> Decision:
    """The decision with what the stickiness figures need (whether the customer was returning, and if they
    missed their agent, why), and whether the customer's link stays with their absent agent: no assignment
    stickybot makes on its own moves it (a flow's explicit agent does)."""
    if not linkage.returning:
        return replace(decision, window_passed=linkage.window_passed)
    if decision.agent == linkage.linked and decision.status == Outcome.ASSIGNED:
        miss = None
    elif flow:
        miss = Miss.FLOW_OVERRIDE
    elif linkage.agent is not None:
        miss = _miss_of(linkage.agent, at)
    else:
        miss = linkage.miss if not linkage.absent else Miss.ABSENT
    keeps = (linkage.absent and decision.assigned and decision.agent != linkage.linked
             and decision.rule != Rule.EXPLICIT_AGENT)
    return replace(decision, returning=True, linked_agent=linkage.linked, since=linkage.since, miss=miss,
                   keeps_link=keeps)


_MISSES = {State.ABSENT: Miss.ABSENT, State.OFF_DUTY: Miss.OFF_DUTY, State.AWAY: Miss.AWAY,
           State.OFFLINE: Miss.OFFLINE}


def _miss_of(agent: Agent, at: datetime) -> Miss:
    return _MISSES.get(availability.state(agent, at)[0], Miss.FULL)


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


def _unavailable(agent: Agent, at: datetime) -> str:
    """The state of an agent a decision could not use, in words (a template)."""
    now, source = availability.state(agent, at)
    if source == availability.Source.STATUS:
        return str(agent.status)
    if source == availability.Source.CAPACITY:
        return f"at capacity ({agent.open_load}/{agent.max_open} open)"
    return lit(availability.explain(agent, at).why)


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _minutes(n: int) -> str:
    return "1 min" if n == 1 else f"{n} min"


def _ago(delta: timedelta) -> str:
    if delta < timedelta(days=1):
        return "less than a day ago" if delta >= timedelta(0) else "just now"
    return f"{_days(delta.days)} ago"
