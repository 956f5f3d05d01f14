"""The channel-neutral event every chat channel is turned into."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum

# The times an event may carry: later ones would overflow the dates computed from them (a link's expiry), and no
# channel has a reason to send either end.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2100, 1, 1, tzinfo=timezone.utc)


class Author(StrEnum):
    """Who wrote a conversation.message."""

    CUSTOMER = "customer"
    AGENT = "agent"


class Channel(StrEnum):
    """Where conversations come from; each channel's conversations are its own (CONTRACT.md 3)."""

    WIDGET = "widget"
    CHATWOOT = "chatwoot"
    ZAMMAD = "zammad"

    @property
    def display(self) -> str:
        return {"widget": "the widget", "chatwoot": "Chatwoot", "zammad": "Zammad"}[self.value]


class EventType(StrEnum):
    CREATED = "conversation.created"
    REOPENED = "conversation.reopened"
    RESOLVED = "conversation.resolved"
    ASSIGNED = "conversation.assigned"
    MESSAGE = "conversation.message"


@dataclass(frozen=True, slots=True)
class Inbound:
    key: str  # idempotency key, scoped by channel
    type: EventType
    occurred_at: datetime
    conversation_id: str
    customer_id: str | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    conversation_url: str | None = None
    conversation_label: str | None = None  # what the channel calls it, in words (Zammad: "Ticket#31118")
    team: str | None = None
    assign_agent: str | None = None
    assign_team: str | None = None
    availability_check: bool | None = None
    agent: str | None = None
    author: Author = Author.CUSTOMER
    channel: str = Channel.WIDGET
    # A second idempotency key for the same delivery (Chatwoot: what its signature covers, next to its delivery
    # id), so that a replay under a new delivery id is still recognised.
    alias_key: str | None = None
