"""Chatwoot in stickybot's terms: its ids, and each webhook delivery seen as a sighting of the helpdesk seam
(bot/service/helpdesk), handled in the same transaction."""
from __future__ import annotations

import hashlib
from datetime import datetime

from integrations.chatwoot.webhook import Happening
from integrations.helpdesk import Contact
from integrations.inbound import Channel

from ..store import Store
from .helpdesk import inbound
from .helpdesk.inbound import Sighting, slug

__all__ = ["CHANNEL", "answer_ignored", "conversation_key", "customer_key", "delivery_keys",
           "parse_conversation_key", "receive", "sighting", "slug"]
CHANNEL = Channel.CHATWOOT


def conversation_key(account: str, display_id: int) -> str:
    return f"chatwoot:{account}:{display_id}"


def customer_key(account: str, contact_id: str) -> str:
    return f"chatwoot:{account}:contact:{contact_id}"


def parse_conversation_key(key: str) -> tuple[str, int]:
    _, account, display = key.split(":")
    return account, int(display)


def receive(store: Store, h: Happening, keys: tuple[str, str | None], base_url: str | None,
            now: datetime) -> dict:
    """Handle one delivery (known by `keys`: see delivery_keys): routed, applied, or ignored with the reason."""
    return inbound.receive(store, sighting(h, base_url), keys, now)


def sighting(h: Happening, base_url: str | None) -> Sighting:
    """What a Chatwoot delivery says, in the seam's terms: the customer is the contact, scoped by account; an
    assignee or a team already there on a new conversation is what Chatwoot chose."""
    contact = Contact(customer_key(h.account_id, h.contact.id), h.contact.name, h.contact.email) \
        if h.contact else None
    url = f"{base_url.rstrip('/')}/app/accounts/{h.account_id}/conversations/{h.conversation}" if base_url else None
    return Sighting(h.what, CHANNEL, conversation_key(h.account_id, h.conversation), contact, h.occurred_at,
                    assignee=h.assignee, held_by_bot=h.assignee_is_bot, chosen_team=h.team, reply_by=h.reply_by,
                    url=url, reason=h.reason)


def answer_ignored(h: Happening, reason: str) -> dict:
    conv = conversation_key(h.account_id, h.conversation) if h.account_id and h.conversation else None
    return inbound.ignored(conv, reason)


def delivery_keys(delivery: str | None, timestamp: str | None, body: bytes) -> tuple[str, str | None]:
    """The idempotency keys of one delivery: its X-Chatwoot-Delivery id (Chatwoot retries under the same id), and
    what its signature covers ("{timestamp}.{body}"), so that a captured delivery re-sent under a new id, or
    none, is still a duplicate. Unsigned deliveries have only their body."""
    signed = "chatwoot:signed:" + hashlib.sha256(f"{timestamp or ''}.".encode() + body).hexdigest()
    if delivery and delivery.strip():
        return f"chatwoot:{delivery.strip()[:200]}", signed
    return signed, None
