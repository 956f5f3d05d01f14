"""Helpdesks from the outbox: each decision for a helpdesk's conversation applied there through its `Desk`, and
the helpdesk's users learnt when one is seen that no agent is known to be. A helpdesk's API is only ever called
from here (and from the commands an operator runs), never inside a webhook."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from integrations.helpdesk import ApiFailure
from integrations.inbound import Channel

from ...db import Database
from ...outbox import DeliveryFailure, Verdict
from ...store import OutboxItem, OutboxKind, Store
from .people import Group, Person, Roster, remember_groups, remember_people


@dataclass(frozen=True)
class Write:
    """A decision to apply in the helpdesk: its conversation, and the helpdesk's ids of its agent (None: the
    helpdesk has no user with the agent's e-mail) and of its team (None: none, or unknown to the helpdesk)."""

    conversation_id: str
    decision_id: int
    agent_id: str
    user: int | None
    team: int | None


class Desk(Protocol):
    """A helpdesk's REST API as the seam uses it; each helpdesk implements it in its own formats."""

    channel: Channel
    replaces_members: bool  # a directory sync makes a team's members exactly the helpdesk's

    def people(self) -> list[Person]: ...
    def groups(self) -> list[Group]: ...
    def roster(self) -> Roster: ...
    def write(self, w: Write) -> None:
        """Apply the decision (never an unknown id: with no user, write what can be written, or nothing).
        Raises ApiFailure."""


class HelpdeskSender:
    """The outbox's sender for one helpdesk (bot/outbox.Sender)."""

    def __init__(self, db: Database, desk: Desk):
        self.db, self.desk = db, desk
        self.name = str(desk.channel)
        self.assign_kind = OutboxKind.of(desk.channel, "assign")
        self.learn_kind = OutboxKind.of(desk.channel, "learn_users")
        self.kinds = frozenset(k for k in (self.assign_kind, self.learn_kind) if k is not None)

    def send(self, item: OutboxItem) -> str | None:
        try:
            if item.kind == self.learn_kind:
                self._learn_people()
                return None
            return self._assign(item.payload)
        except ApiFailure as exc:
            raise DeliveryFailure(verdict(exc), exc.error, exc.retry_after) from None

    def _assign(self, payload: dict) -> str | None:
        found = self.db.read(lambda store: _current(store, payload))
        if found is None:
            return "superseded by a later decision"
        decision, agent, team = found
        channel = self.desk.channel
        team_id = None
        if team is not None:
            team_id = team.outside_id(channel) if team.outside_id(channel) is not None else self._learn_team(team.id)
        user_id = agent.outside_id(channel) if agent is not None else None
        if user_id is None and agent is not None and agent.email:
            user_id = self._learn_user(agent.id)
        self.desk.write(Write(decision.conversation_id, decision.id, decision.agent_id, user_id, team_id))
        if user_id is None:
            return f"agent {decision.agent_id} has no {channel.display} user with that e-mail; assignee not written"
        return None

    def _learn_people(self) -> None:
        people = self.desk.people()
        self.db.transact(lambda store: remember_people(store, self.desk.channel, people, self.db.clock.now()))

    def _learn_user(self, agent_id: str) -> int | None:
        self._learn_people()
        agent = self.db.read(lambda store: store.agent(agent_id))
        return agent.outside_id(self.desk.channel) if agent else None

    def _learn_team(self, team_id: str) -> int | None:
        groups = self.desk.groups()
        self.db.transact(lambda store: remember_groups(store, self.desk.channel, groups))
        team = self.db.read(lambda store: store.team(team_id))
        return team.outside_id(self.desk.channel) if team else None


def _current(store: Store, payload: dict):
    """The decision of an assign row, its agent and its team, while it is still the conversation's latest."""
    decision = store.decision(payload["decision"])
    latest = store.last_decision(payload["conversation"])
    if decision is None or latest is None or latest.id != decision.id:
        return None
    team = store.team(decision.team) if decision.team else None
    return decision, store.agent(decision.agent_id), team


def verdict(exc: ApiFailure) -> Verdict:
    if exc.retry:
        return Verdict.RETRY
    if exc.status in (401, 403):
        return Verdict.PAUSE  # the token: nothing can be written until it is fixed, and nothing is lost meanwhile
    return Verdict.GIVE_UP
