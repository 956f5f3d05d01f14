"""A helpdesk's people in the directory: its agents matched to stickybot's by e-mail, its teams (or groups) as
teams, and who is in them; its ids remembered on agents and teams so that write-back never guesses."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from integrations.inbound import Channel
from routing import Status

from ...db import Database
from ...store import OUTSIDE_USER, AbsenceSource, AgentRecord, Store
from .. import absences, audit, directory
from ..audit import By
from .inbound import slug, team_for


@dataclass(frozen=True)
class Away:
    """A helpdesk's out-of-office of a person: from `start` to `end`, and who replaces them (a helpdesk user)."""

    start: datetime
    end: datetime
    replacement: int | None = None


@dataclass(frozen=True)
class Person:
    """A helpdesk user who may hold conversations."""

    user_id: int
    email: str
    name: str | None = None
    status: Status | None = None  # None: the helpdesk knows no presence (new agents start online; kept on re-sync)
    away: Away | None = None      # its out-of-office, when the helpdesk has one (Zammad)


@dataclass(frozen=True)
class Group:
    """A helpdesk's team (Zammad: group), with the users in it."""

    group_id: int
    name: str
    members: tuple[int, ...] = ()


@dataclass(frozen=True)
class Roster:
    people: list[Person]
    groups: list[Group]


def sync(db: Database, desk, now: datetime) -> dict:
    """`stickybot directory sync <helpdesk>`: read the helpdesk's roster, then apply it in one transaction (all or
    nothing)."""
    roster = desk.roster()
    return db.transact(lambda store: apply_roster(store, desk, roster, now))


def apply_roster(store: Store, desk, roster: Roster, now: datetime) -> dict:
    """Agents matched by e-mail (created when new), the helpdesk's ids remembered (and forgotten for users it no
    longer lists), teams and their members, and out-of-office kept in step as absences (a desk with an
    `absence_source`). With `desk.replaces_members`, a team's members become exactly the helpdesk's; else agents
    the helpdesk does not know stay where they are."""
    channel = desk.channel
    by = By(f"{channel}-sync", now)
    agent_of: dict[int, str] = {}
    created = 0
    for person in roster.people:
        agent_id, new = _agent_for(store, channel, person, by)
        created += new
        _remember(store, channel, store.agent(agent_id), person.user_id, by)
        agent_of[person.user_id] = agent_id
    seen, gone = set(agent_of.values()), []
    for agent in store.agents():
        if agent.outside_id(channel) is not None and agent.id not in seen:
            _remember(store, channel, agent, None, by)  # the helpdesk no longer lists that user
            gone.append(agent.id)
    for group in roster.groups:
        _apply_group(store, channel, group, agent_of, desk.replaces_members, by)
    if desk.absence_source is not None:
        _keep_absences(store, channel, desk.absence_source, roster.people, agent_of, gone, by)
    return {"agents": len(agent_of), "created": created, "teams": len(roster.groups)}


def _keep_absences(store: Store, channel: str, source: AbsenceSource, roster: list[Person],
                   agent_of: dict[int, str], gone: list[str], by: By) -> None:
    """Each person's out-of-office as the one absence of `source` for its agent, its replacement as the cover:
    created, moved or ended (absences set another way are never touched). An agent the helpdesk no longer lists
    has no out-of-office there any more."""
    for person in roster:
        agent_id, away = agent_of[person.user_id], person.away
        wish = None
        if away is not None:
            cover = agent_of.get(away.replacement)
            wish = absences.Wish(away.start, away.end, (cover,) if cover and cover != agent_id else (),
                                 f"out of office in {Channel(channel).display}")
        absences.sync_external(store, agent_id, source, wish, by)
    for agent_id in gone:
        absences.sync_external(store, agent_id, source, None, by)


def _agent_for(store: Store, channel: str, person: Person, by: By) -> tuple[str, bool]:
    """The agent owning the person's e-mail, its name (and status, when the helpdesk has one) brought up to date;
    or a new agent."""
    name = person.name or person.email
    agent_id = store.agent_owning_email(person.email)
    if agent_id is not None:
        status = {"status": str(person.status)} if person.status is not None else {}
        directory.patch_agent(store, agent_id, {"name": name, **status}, by)
        return agent_id, False
    agent_id = _free_agent_id(store, slug(person.email.split("@")[0]) or f"{channel}-{person.user_id}")
    directory.put_agent(store, agent_id, {"name": name, "email": person.email,
                                          "status": str(person.status or Status.ONLINE), "teams": []}, by)
    return agent_id, True


def _apply_group(store: Store, channel: str, group: Group, agent_of: dict[int, str], replaces_members: bool,
                 by: By) -> None:
    team_id = team_for(store, channel, (group.group_id, group.name))
    directory.put_team(store, team_id, {"name": group.name or team_id}, by)
    team = store.team(team_id)
    store.save_team(team.with_outside_id(channel, group.group_id))
    members = [agent_of[m] for m in group.members if m in agent_of]
    if not replaces_members:
        others = [a for a in team.members if store.agent(a).outside_id(channel) is None]
        members = others + members
    store.set_team_members(team_id, members)


def remember_people(store: Store, channel: str, people: list[Person], now: datetime) -> None:
    """Match a helpdesk's users to agents by e-mail; an agent whose user the helpdesk no longer lists loses its
    id (so it is never written)."""
    by_email = {p.email.lower(): p.user_id for p in people}
    by = By(f"{channel}-sync", now)
    for agent in store.agents():
        _remember(store, channel, agent, by_email.get(agent.email.lower()) if agent.email else None, by)


def remember_groups(store: Store, channel: str, groups: list[Group]) -> None:
    """A helpdesk's teams matched to stickybot's by name (the id a team's name makes)."""
    for group in groups:
        team = store.team(slug(group.name))
        if team is not None:
            store.save_team(team.with_outside_id(channel, group.group_id))


def _remember(store: Store, channel: str, agent: AgentRecord, user_id: int | None, by: By) -> None:
    before = agent.outside_id(channel)
    if before != user_id:
        store.save_agent(agent.with_outside_id(channel, user_id))
        field = OUTSIDE_USER[channel]
        audit.record(store, by, "agent.update", agent.id, {field: before}, {field: user_id})


def _free_agent_id(store: Store, wanted: str) -> str:
    candidate, n = wanted, 1
    while store.agent(candidate) is not None:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate
