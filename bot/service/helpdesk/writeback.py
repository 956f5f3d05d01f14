"""Helpdesks from the outbox: each decision for a helpdesk's conversation applied there through its `Desk`, the
helpdesk's users learnt when one is seen that no agent is known to be, and an owner the helpdesk refuses routed
again. A helpdesk's API is only ever called from here (and from the commands an operator runs), never inside a
webhook."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from integrations.helpdesk import ApiFailure
from integrations.inbound import Channel
from routing import lit

from ...db import Database
from ...outbox import DeliveryFailure, Verdict
from ...store import AbsenceSource, DecisionRecord, OutboxItem, OutboxKind, Seen, Store, Trigger
from .. import assignment
from .people import Group, Person, Roster, remember_groups, remember_people


@dataclass(frozen=True)
class Write:
    """A decision to apply in the helpdesk: its conversation, and the helpdesk's ids of its agent (None: the
    helpdesk has no user with the agent's e-mail) and of its team (None: none, or unknown to the helpdesk);
    `seen`: the conversation's state there as stickybot last applied it, if it keeps one."""

    conversation_id: str
    decision_id: int
    agent_id: str
    user: int | None
    team: int | None
    seen: Seen | None = None


@dataclass(frozen=True)
class Refused:
    """The helpdesk answered, but did not take the owner (Zammad's silent refusal): why, in words, and what it
    has now."""

    why: str
    seen: Seen | None = None


class Desk(Protocol):
    """A helpdesk's REST API as the seam uses it; each helpdesk implements it in its own formats."""

    channel: Channel
    replaces_members: bool  # a directory sync makes a team's members exactly the helpdesk's
    sync_every: str | None  # the Config field saying how often the worker syncs the directory (None: never)
    absence_source: AbsenceSource | None  # its people's out-of-office become absences of this source (None: none)

    def people(self) -> list[Person]: ...
    def groups(self) -> list[Group]: ...
    def roster(self) -> Roster: ...
    def write(self, w: Write) -> Seen | Refused | str | None:
        """Apply the decision (never an unknown id: with no user, write what can be written, or nothing): None
        or what the helpdesk has now (Seen) when done, Refused, or why nothing needed writing. Raises
        ApiFailure."""


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
        decision, agent, team, seen = found
        channel = self.desk.channel
        team_id = None
        if team is not None:
            team_id = team.outside_id(channel) if team.outside_id(channel) is not None else self._learn_team(team.id)
        user_id = agent.outside_id(channel) if agent is not None else None
        if user_id is None and agent is not None and agent.email:
            user_id = self._learn_user(agent.id)
        w = Write(decision.conversation_id, decision.id, decision.agent_id, user_id, team_id, seen)
        outcome = self.desk.write(w)
        if user_id is None:
            return f"agent {decision.agent_id} has no {channel.display} user with that e-mail; assignee not written"
        if isinstance(outcome, Refused):
            rerouted = self.db.transact(lambda store: refused(store, channel, w, outcome, self.db.clock.now()))
            return f"{channel.display} refused {decision.agent_id} as owner ({outcome.why}); " + \
                ("routed again" if rerouted else "the conversation has moved on since")
        if isinstance(outcome, Seen):
            self.db.transact(lambda store: note_if_newer(store, w.conversation_id, outcome))
            return None
        return outcome

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
    return decision, store.agent(decision.agent_id), team, store.seen(decision.conversation_id)


def refused(store: Store, channel: Channel, w: Write, refusal: Refused, now: datetime) -> bool:
    """The helpdesk refused the decision's agent as owner: while that decision still stands, the agent is left out
    of the conversation, which is routed again (the reason and the agent's DM say so), and it is counted. Whether
    it was routed again."""
    if refusal.seen is not None:
        note_if_newer(store, w.conversation_id, refusal.seen)
    latest = store.last_decision(w.conversation_id)
    conv = store.conversation(w.conversation_id, for_update=True)
    if latest is None or latest.id != w.decision_id or conv is None or conv.holder != w.agent_id:
        return False  # stickybot has moved on meanwhile
    store.info.setdefault("refused", []).append(str(channel))
    _unlink(store, conv.customer_id, w.agent_id, latest)
    moved = assignment.reroute(store, conv, now, w.agent_id, f"{channel.display} refused {lit(w.agent_id)} as "
                               f"owner ({lit(refusal.why)})", Trigger.REFUSED, leave_out=True)
    assignment.update_dm(store, conv.id, moved.decision_id, f"{channel.display} refused you as owner; "
                         f"{assignment.where_it_went(moved.status, moved.agent_id, moved.rule)}")
    return True


def _unlink(store: Store, customer_id: str, refused_agent: str, decision: DecisionRecord) -> None:
    """The refused assignment never happened in the helpdesk: the returning customer's link goes back to the agent
    it named before that decision (its time stays the decision's: the customer wrote then)."""
    link = store.link(customer_id)
    before = decision.linked_agent
    if link is not None and link.agent_id == refused_agent and before is not None and before != refused_agent:
        store.set_link(customer_id, before, link.last_interaction_at)


def note_if_newer(store: Store, conversation_id: str, seen: Seen) -> None:
    """Remember what the helpdesk has now, unless stickybot has applied a newer state already."""
    known = store.seen(conversation_id)
    if known is None or seen.updated_at > known.updated_at:
        store.note_seen(conversation_id, seen)


def verdict(exc: ApiFailure) -> Verdict:
    if exc.retry:
        return Verdict.RETRY
    if exc.status in (401, 403):
        return Verdict.PAUSE  # the token: nothing can be written until it is fixed, and nothing is lost meanwhile
    return Verdict.GIVE_UP
