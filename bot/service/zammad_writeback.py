"""Zammad's side of the helpdesk seam: its REST API as a `Desk`, in Zammad's formats. A decision is written as
the ticket's owner (and group, when the decision moves it), and Zammad's silent refusal of an owner is seen;
its agents, groups and memberships are read as a roster."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from integrations import fields
from integrations.fields import is_id
from integrations.inbound import Channel
from integrations.zammad.api import ZammadApi
from integrations.zammad.webhook import NOBODY
from routing.hours import wall_instant

from ..store import AbsenceSource, Seen
from .helpdesk.people import Away, Group, Person, Roster
from .helpdesk.writeback import Refused, Write
from .zammad import ticket_of

AGENT_PERMISSION = "ticket.agent"
# Zammad does not say why it kept owner 1 (check_owner_active): one of these.
REFUSAL = "inactive there, without the agent role, or without full access to the group"


class ZammadDesk:
    channel = Channel.ZAMMAD
    replaces_members = False  # stickybot agents with no Zammad user stay in their teams
    sync_every = "zammad_sync_every_s"  # the worker keeps the directory in step, this often (a Config field)
    absence_source = AbsenceSource.ZAMMAD
    needs = "set ZAMMAD_URL and ZAMMAD_API_TOKEN (a token of a user with ticket.agent, full access to the groups " \
            "stickybot routes, and admin.user to list agents)"

    def __init__(self, api: ZammadApi, time_zone: str = "UTC"):
        self.api = api
        self.time_zone = time_zone  # Zammad's timezone_default: its out-of-office dates are whole days there

    def write(self, w: Write) -> Seen | Refused | str | None:
        """PUT the ticket's owner, and its group when the decision names a team other than the ticket's group.
        Zammad answers 200 with owner 1 when it refuses an owner: that is a refusal, not a success."""
        if w.user is None:
            return None
        changes: dict[str, int] = {"owner_id": w.user}
        if w.team is not None and (w.seen is None or w.seen.group_id != w.team):
            changes["group_id"] = w.team
        if w.seen is not None and w.seen.owner == w.user and "group_id" not in changes:
            return f"Zammad has {w.agent_id} as owner already"
        answer = self.api.update_ticket(ticket_of(w.conversation_id), changes)
        if answer.get("owner_id") != w.user:
            return Refused(REFUSAL, seen_of(answer))
        return seen_of(answer)

    def people(self) -> list[Person]:
        return self.roster().people

    def groups(self) -> list[Group]:
        return [Group(g["id"], g["name"]) for g in self.api.groups() if _active_group(g)]

    def roster(self) -> Roster:
        me = self.api.me()
        return roster_of(self.api.users(), self.api.roles(), self.api.groups(), me.get("id"), self.time_zone)


def roster_of(users: list[dict], roles: list[dict], groups: list[dict], me: Any, zone: str = "UTC") -> Roster:
    """Agents: active users whose roles carry ticket.agent, with an e-mail (never user 1, nor the token's own
    user), and their out-of-office. A group's members: agents with `full` access to it, directly or through one
    of their roles."""
    agent_roles = {r["id"]: _full_groups(r) for r in roles if is_id(r.get("id"))
                   and AGENT_PERMISSION in (r.get("permissions") or ())}
    people, member_of = [], {}
    for u in users:
        email = u.get("email").strip() if isinstance(u.get("email"), str) else ""
        if not (is_id(u.get("id")) and u.get("active") is True and email and u["id"] not in (NOBODY, me)):
            continue
        role_ids = [r for r in u.get("role_ids") or () if r in agent_roles]
        if not role_ids:
            continue
        people.append(Person(u["id"], email, _name(u) or email, away=away_of(u, zone)))
        member_of[u["id"]] = _full_groups(u).union(*(agent_roles[r] for r in role_ids))
    teams = [Group(g["id"], g["name"], tuple(p.user_id for p in people if g["id"] in member_of[p.user_id]))
             for g in groups if _active_group(g)]
    return Roster(people, teams)


def away_of(user: dict, zone: str) -> Away | None:
    """Zammad's out-of-office (the flag, and both dates): from the start of its first day to the end of its last
    day in Zammad's time zone, as Zammad itself reckons it; the replacement, if any."""
    if user.get("out_of_office") is not True:
        return None
    first, last = _day(user.get("out_of_office_start_at")), _day(user.get("out_of_office_end_at"))
    if first is None or last is None or last < first:
        return None
    replacement = user.get("out_of_office_replacement_id")
    return Away(wall_instant(first, 0, zone), wall_instant(last + timedelta(days=1), 0, zone),
                replacement if is_id(replacement) else None)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def seen_of(ticket: dict) -> Seen | None:
    """What a ticket answer says Zammad has now (None: an answer without a readable time)."""
    try:
        at = fields.moment(ticket.get("updated_at"), "updated_at", unix=False)
        owner = fields.whole_id(ticket.get("owner_id"), "owner_id")
        group = fields.whole_id(ticket.get("group_id"), "group_id")
    except fields.Unfit:
        return None
    return Seen(at, None if owner == NOBODY else owner, group) if at is not None else None


def _full_groups(holder: dict) -> set[int]:
    """The groups a user or role has `full` access to: Zammad's `group_ids`, {"<group id>": ["full", ...]}."""
    found = holder.get("group_ids")
    if not isinstance(found, dict):
        return set()
    return {int(g) for g, access in found.items() if str(g).isdigit() and isinstance(access, list)
            and "full" in access}


def _name(u: dict) -> str:
    parts = [u.get(p) for p in ("firstname", "lastname")]
    return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())[:200]


def _active_group(g: dict) -> bool:
    return is_id(g.get("id")) and isinstance(g.get("name"), str) and g.get("active", True) is not False
