"""Chatwoot in stickybot's terms: its ids, and each webhook delivery mapped onto an inbound event and handled
in the same transaction."""
from __future__ import annotations

import hashlib
import re
from datetime import datetime

from integrations.chatwoot.webhook import Happening, What
from integrations.inbound import Author, EventType, Inbound
from routing import Rule

from ..store import OutboxKind, Store
from . import events

CHANNEL = "chatwoot"


def conversation_key(account: str, display_id: int) -> str:
    return f"chatwoot:{account}:{display_id}"


def customer_key(account: str, contact_id: str) -> str:
    return f"chatwoot:{account}:contact:{contact_id}"


def parse_conversation_key(key: str) -> tuple[str, int]:
    _, account, display = key.split(":")
    return account, int(display)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-")[:128]


def receive(store: Store, h: Happening, keys: tuple[str, str | None], base_url: str | None,
            now: datetime) -> dict:
    """Handle one delivery (known by `keys`: see delivery_keys): routed, applied, or ignored with the reason."""
    inbound = to_inbound(store, h, keys, base_url, now)
    if isinstance(inbound, str):
        return answer_ignored(h, inbound)
    return events.handle(store, inbound)


def to_inbound(store: Store, h: Happening, keys: tuple[str, str | None], base_url: str | None,
               now: datetime) -> Inbound | str:
    """The inbound event for a happening, or the reason it needs no routing.

    An assignee change is a person's reassignment unless it is the echo of stickybot's own last write (its
    latest decision for the conversation names that agent), or it happened before that decision (a late echo
    of an earlier write: stickybot has moved on since). So a person who gives a conversation back to an agent
    stickybot chose earlier is obeyed."""
    conv_id = conversation_key(h.account_id, h.conversation)
    known = store.conversation(conv_id)
    at = h.occurred_at or now
    customer = customer_key(h.account_id, h.contact.id) if h.contact else (known.customer_id if known else None)
    common = dict(key=keys[0], alias_key=keys[1], occurred_at=at, conversation_id=conv_id, customer_id=customer, channel=CHANNEL,
                  customer_name=h.contact.name if h.contact else None,
                  customer_email=h.contact.email if h.contact else None)
    if h.what in (What.CREATED, What.OPENED):
        if customer is None:
            return "the conversation has no contact"
        if known is None and h.assignee_is_bot:
            return "an agent bot holds the conversation; it is routed when a person is needed"
        url = f"{base_url.rstrip('/')}/app/accounts/{h.account_id}/conversations/{h.conversation}" if base_url else None
        explicit = {}
        if known is None:  # what Chatwoot already decided (a rule, a bot, auto-assignment) is the flow's choice
            if h.assignee is not None:
                explicit["assign_agent"] = agent_for_user(store, h.assignee, now)
            elif h.team is not None:
                explicit["assign_team"] = store.team_for_chatwoot(h.team[0]) or slug(h.team[1]) \
                    or f"chatwoot-team-{h.team[0]}"
        kind = EventType.CREATED if h.what == What.CREATED else EventType.REOPENED
        return Inbound(type=kind, conversation_url=url, **explicit, **common)
    if h.what == What.RESOLVED:
        return Inbound(type=EventType.RESOLVED, **common)
    if h.what == What.MESSAGE:
        if h.reply_by is not None:  # an agent replied: a claim, when it is the assignee
            return Inbound(type=EventType.MESSAGE, author=Author.AGENT, agent=agent_for_user(store, h.reply_by, now),
                           **common)
        return Inbound(type=EventType.MESSAGE, **common)
    if h.what == What.UNASSIGNED:
        return Inbound(type=EventType.ASSIGNED, agent=None, **common)  # a person took the assignee away
    if h.what == What.ASSIGNED:
        agent = agent_for_user(store, h.assignee, now)
        last = store.last_decision(conv_id) if known is not None else None
        if last is not None and last.rule != Rule.MANUAL and last.agent_id == agent:
            return f"echo of stickybot's own assignment to {agent}"
        if last is not None and at < last.decided_at:
            return "older than stickybot's latest decision for this conversation (a late echo of an earlier write)"
        return Inbound(type=EventType.ASSIGNED, agent=agent, **common)
    return h.reason or "nothing to do"


def agent_for_user(store: Store, user_id: int, now: datetime) -> str:
    """The agent a Chatwoot user is; an unknown user asks the outbox to learn Chatwoot's users (at most once an
    hour, never inside this request) and stands for nobody meanwhile."""
    found = store.agent_for_chatwoot_user(user_id)
    if found is not None:
        return found
    store.enqueue_unless_recent(OutboxKind.CHATWOOT_LEARN_USERS, {"user": user_id}, now, within_s=3600)
    return f"chatwoot-user-{user_id}"


def answer_ignored(h: Happening, reason: str) -> dict:
    conv = conversation_key(h.account_id, h.conversation) if h.account_id and h.conversation else None
    return {"conversation": conv, "status": "ignored", "agent": None, "reason": reason, "duplicate": False}


def delivery_keys(delivery: str | None, timestamp: str | None, body: bytes) -> tuple[str, str | None]:
    """The idempotency keys of one delivery: its X-Chatwoot-Delivery id (Chatwoot retries under the same id), and
    what its signature covers ("{timestamp}.{body}"), so that a captured delivery re-sent under a new id, or
    none, is still a duplicate. Unsigned deliveries have only their body."""
    signed = "chatwoot:signed:" + hashlib.sha256(f"{timestamp or ''}.".encode() + body).hexdigest()
    if delivery and delivery.strip():
        return f"chatwoot:{delivery.strip()[:200]}", signed
    return signed, None
