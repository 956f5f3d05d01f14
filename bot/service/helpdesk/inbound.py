"""A helpdesk delivery in stickybot's terms: each sighting becomes an inbound event, handled in the caller's
transaction. Channel-neutral: every helpdesk's sightings go through here."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from integrations.helpdesk import Contact, What
from integrations.inbound import Author, Channel, EventType, Inbound
from routing import Rule

from ...store import OutboxKind, Store
from .. import events


@dataclass(frozen=True)
class Sighting:
    """One thing a delivery says happened to one of a helpdesk's conversations. Ids of conversations and
    customers are stickybot's; users and teams are the helpdesk's own ids."""

    what: What
    channel: Channel
    conversation: str
    customer: Contact | None = None
    occurred_at: datetime | None = None
    assignee: int | None = None                 # who holds it now (a new one: what the helpdesk chose, rule 1)
    held_by_bot: bool = False                   # the helpdesk's bot holds it: not routed until it hands over
    chosen_team: tuple[int, str] | None = None  # a team the helpdesk chose for a new one (rule 2): (id, name)
    team: tuple[int, str] | None = None         # the team it came in through: (id, name)
    reply_by: int | None = None                 # a message: the user who replied to the customer
    url: str | None = None
    label: str | None = None                    # what the helpdesk calls it, in words
    reason: str = ""                            # why nothing is to be done, for What.IGNORE


def receive(store: Store, s: Sighting, keys: tuple[str, str | None], now: datetime) -> dict:
    """Handle one sighting (applied once, by `keys`): routed, applied, or ignored with the reason."""
    inbound = to_inbound(store, s, keys, now)
    if isinstance(inbound, str):
        return ignored(s.conversation, inbound)
    return events.handle(store, inbound)


def to_inbound(store: Store, s: Sighting, keys: tuple[str, str | None], now: datetime) -> Inbound | str:
    """The inbound event for a sighting, or the reason it needs no routing."""
    known = store.conversation(s.conversation)
    at = s.occurred_at or now
    customer = s.customer.id if s.customer else (known.customer_id if known else None)
    common = dict(key=keys[0], alias_key=keys[1], occurred_at=at, conversation_id=s.conversation,
                  customer_id=customer, channel=s.channel, customer_name=s.customer.name if s.customer else None,
                  customer_email=s.customer.email if s.customer else None)
    if s.what in (What.CREATED, What.OPENED):
        if customer is None:
            return "the conversation has no contact"
        if known is None and s.held_by_bot:
            return "an agent bot holds the conversation; it is routed when a person is needed"
        explicit = {}
        if known is None:  # what the helpdesk already decided (a rule, a bot, auto-assignment) is the flow's choice
            if s.assignee is not None:
                explicit["assign_agent"] = agent_for_user(store, s.channel, s.assignee, now)
            elif s.chosen_team is not None:
                explicit["assign_team"] = team_for(store, s.channel, s.chosen_team)
        kind = EventType.CREATED if s.what == What.CREATED else EventType.REOPENED
        team = team_for(store, s.channel, s.team) if s.team else None
        return Inbound(type=kind, conversation_url=s.url, conversation_label=s.label, team=team, **explicit, **common)
    if s.what == What.RESOLVED:
        return Inbound(type=EventType.RESOLVED, **common)
    if s.what == What.MESSAGE:
        if s.reply_by is not None:  # an agent replied: a claim, when it is the assignee
            return Inbound(type=EventType.MESSAGE, author=Author.AGENT,
                           agent=agent_for_user(store, s.channel, s.reply_by, now), **common)
        return Inbound(type=EventType.MESSAGE, **common)
    if s.what == What.UNASSIGNED:
        return Inbound(type=EventType.ASSIGNED, agent=None, **common)  # a person took the assignee away
    if s.what == What.ASSIGNED:
        agent = agent_for_user(store, s.channel, s.assignee, now)
        why_not = not_a_person(store, s.conversation, agent, at) if known is not None else None
        return why_not or Inbound(type=EventType.ASSIGNED, agent=agent, **common)
    return s.reason or "nothing to do"


def not_a_person(store: Store, conversation_id: str, agent: str, at: datetime) -> str | None:
    """Why an assignee change is not a person's reassignment, if it is not: the echo of stickybot's own last
    write (its latest decision for the conversation names that agent), or older than that decision (a late echo
    of an earlier write: stickybot has moved on since). So a person who gives a conversation back to an agent
    stickybot chose earlier is obeyed."""
    last = store.last_decision(conversation_id)
    if last is not None and last.rule != Rule.MANUAL and last.agent_id == agent:
        return f"echo of stickybot's own assignment to {agent}"
    if last is not None and at < last.decided_at:
        return "older than stickybot's latest decision for this conversation (a late echo of an earlier write)"
    return None


def agent_for_user(store: Store, channel: str, user_id: int, now: datetime) -> str:
    """The agent a helpdesk user is; an unknown user asks the outbox to learn the helpdesk's users (at most once
    an hour, never inside this request) and stands for nobody meanwhile."""
    found = store.agent_for_outside_user(channel, user_id)
    if found is not None:
        return found
    learn = OutboxKind.of(channel, "learn_users")
    if learn is not None:
        store.enqueue_unless_recent(learn, {"user": user_id}, now, within_s=3600)
    return f"{channel}-user-{user_id}"


def team_for(store: Store, channel: str, team: tuple[int, str]) -> str:
    """The team a helpdesk's team is: the one a sync matched to it, else the one its name makes."""
    return store.team_for_outside(channel, team[0]) or slug(team[1]) or f"{channel}-team-{team[0]}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-")[:128]


def ignored(conversation_id: str | None, reason: str) -> dict:
    return {"conversation": conversation_id, "status": "ignored", "agent": None, "reason": reason, "duplicate": False}
