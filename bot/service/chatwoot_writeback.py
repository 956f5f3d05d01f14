"""Chatwoot's side of the helpdesk seam: its REST API as a `Desk` (a decision written as assignments, team
first; its agents, teams and members as a roster), in Chatwoot's formats."""
from __future__ import annotations

from datetime import datetime

from integrations.chatwoot.api import AVAILABILITY, ChatwootApi
from integrations.fields import is_id
from integrations.inbound import Channel
from routing import Status

from ..db import Database
from ..store import Store
from .chatwoot import parse_conversation_key
from .helpdesk import people
from .helpdesk.people import Group, Person, Roster
from .helpdesk.writeback import Write


class ChatwootDesk:
    """Applies a decision in Chatwoot: team first, then assignee; never an id Chatwoot does not know (Chatwoot
    reads an unknown assignee id as "unassign")."""

    channel = Channel.CHATWOOT
    replaces_members = True  # a team's members are exactly Chatwoot's team members
    sync_every = None  # synced when an operator runs `stickybot directory sync chatwoot`
    absence_source = None  # Chatwoot has no out-of-office
    needs = "set CHATWOOT_URL, CHATWOOT_ACCOUNT_ID and CHATWOOT_API_TOKEN (a user's access token: bot tokens " \
            "cannot list agents)"

    def __init__(self, api: ChatwootApi):
        self.api = api

    def write(self, w: Write) -> None:
        _, display = parse_conversation_key(w.conversation_id)
        if w.team is not None:
            self.api.assign(display, team_id=w.team)
        if w.user is not None:
            self.api.assign(display, assignee_id=w.user)

    def people(self) -> list[Person]:
        return people_of(self.api.agents())

    def groups(self) -> list[Group]:
        return [Group(t["id"], str(t.get("name") or "")) for t in self.api.teams() if is_id(t.get("id"))]

    def roster(self) -> Roster:
        users, teams = self.api.agents(), [t for t in self.api.teams() if is_id(t.get("id"))]
        groups = [Group(t["id"], str(t.get("name") or ""), _member_ids(self.api.team_members(t["id"])))
                  for t in teams]
        return Roster(people_of(users), groups)


def people_of(users: list[dict]) -> list[Person]:
    """Chatwoot's agents with an e-mail, their availability as stickybot's status."""
    found = []
    for user in users:
        email = user.get("email").strip() if isinstance(user.get("email"), str) else ""
        if email and is_id(user.get("id")):
            status = AVAILABILITY.get(user.get("availability_status"), Status.OFFLINE)
            found.append(Person(user["id"], email, str(user.get("name") or email), status))
    return found


def remember_users(store: Store, users: list[dict], now: datetime) -> None:
    """Match Chatwoot users to agents by e-mail; an agent whose user Chatwoot no longer lists loses its id."""
    people.remember_people(store, Channel.CHATWOOT, people_of(users), now)


def sync(db: Database, api: ChatwootApi, now: datetime) -> dict:
    """Load Chatwoot's agents (matched by e-mail), teams and team members; all or nothing."""
    return people.sync(db, ChatwootDesk(api), now)


def _member_ids(members: list) -> tuple[int, ...]:
    return tuple(m["id"] for m in members if isinstance(m, dict) and is_id(m.get("id")))
