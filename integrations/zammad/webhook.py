"""Zammad's webhook bodies -> the snapshot they carry, in stickybot's terms. Pure: no database, no HTTP.

A body is `{"ticket": {...}, "article": {...}}` built when Zammad's job runs (later than the change that fired
the trigger), not an event: it names no event and no changed field. So this module only reads the snapshot;
what happened is told from it and what stickybot saw last (bot/service/zammad.py).

Values Zammad never sends, field by field:
- A body that is not a JSON object -> Unfit. No `ticket` object, or a ticket without `id` or `updated_at` -> an
  ignored delivery (200) with the reason.
- A field stickybot reads, present with a value of the wrong type or out of range -> `Unfit` naming the field
  (422, nothing stored); absent or null means "not given".
  - Ids (`ticket.id`, `customer_id`, `owner_id`, `group_id`, `updated_by_id`, `article.id`,
    `article.created_by_id`): whole numbers from 1 to 2^31-1. Owner 1 is Zammad's "-": nobody.
  - Times (`created_at`, `updated_at`, `article.created_at`): ISO 8601, between 1970 and 2100.
  - Texts (`number`, `state`, group `name`, customer `firstname`, `lastname`, `email`, article `sender`): strings
    that a database can store. `article.internal` is true or false.
- The article is `{}` when the change created none (an owner or state change).
Fields stickybot does not read (the article's body, attachments, custom attributes, ...) are never looked at.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.fields import Unfit, flag, moment, object_, text, whole_id
from integrations.helpdesk import Contact

__all__ = ["Article", "Delivery", "Snapshot", "Ticket", "Unfit", "read"]
NOBODY = 1  # Zammad's user 1, "-": an owner of 1 is no owner
# State names whose type is closed (Zammad's seeds: closed, merged; older installs also had removed). Every other
# state (new, open, pending reminder, pending close, ...) is open.
CLOSED_STATES = frozenset({"closed", "merged", "removed"})


@dataclass(frozen=True)
class Ticket:
    id: int
    updated_at: datetime
    created_at: datetime | None = None
    number: str | None = None
    customer: Contact | None = None      # id: Zammad's customer_id, as text
    owner: int | None = None             # None: nobody (owner 1)
    group: tuple[int, str] | None = None  # (group_id, name)
    state: str | None = None
    updated_by: int | None = None

    @property
    def closed(self) -> bool:
        return (self.state or "").strip().lower() in CLOSED_STATES


@dataclass(frozen=True)
class Article:
    id: int
    sender: str | None = None            # Customer, Agent or System
    internal: bool = False
    author: int | None = None            # created_by_id
    created_at: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    ticket: Ticket | None
    article: Article | None = None
    reason: str = ""                     # why there is nothing to read, when `ticket` is None


class Delivery(BaseModel):
    """A Zammad trigger webhook's default payload: the ticket and the article its change created (`{}` when none),
    as they were when Zammad's job built it. stickybot reads, and refuses with 422 when present with a value
    Zammad never sends: the ticket's `id`, `customer_id`, `owner_id` (1: nobody), `group_id`, `updated_by_id`, the
    article's `id` and `created_by_id` (whole numbers from 1 to 2^31-1), the times `created_at` and `updated_at`
    (ISO 8601), the texts `number`, `state`, `group.name`, the customer's `firstname`, `lastname`, `email`, the
    article's `sender` (no NUL), and `article.internal` (true or false). Every other field is Zammad's own and
    never looked at."""

    model_config = ConfigDict(extra="allow")

    ticket: dict[str, Any] | None = Field(None, description="The ticket, with its owner, customer and group.")
    article: dict[str, Any] | None = Field(None, description="The article the change created, or {}.")


def read(payload: Any) -> Snapshot:
    """The snapshot a body carries; raises Unfit (see the module's rules)."""
    if not isinstance(payload, dict):
        raise Unfit("(body)", "must be a JSON object, as every Zammad delivery is")
    t, article = object_(payload.get("ticket"), "ticket"), object_(payload.get("article"), "article")
    if not t:
        return Snapshot(None, reason="no ticket in the body (a custom payload? stickybot reads Zammad's default one)")
    ticket_id = whole_id(t.get("id"), "ticket.id")
    updated_at = moment(t.get("updated_at"), "ticket.updated_at", unix=False)
    if ticket_id is None or updated_at is None:
        return Snapshot(None, reason="the ticket has no id or no updated_at")
    ticket = Ticket(ticket_id, updated_at, moment(t.get("created_at"), "ticket.created_at", unix=False),
                    _number(t.get("number")), _customer(t), _owner(t.get("owner_id")), _group(t),
                    text(t.get("state"), "ticket.state"), whole_id(t.get("updated_by_id"), "ticket.updated_by_id"))
    return Snapshot(ticket, _article(article))


def _article(a: dict | None) -> Article | None:
    article_id = whole_id(a.get("id"), "article.id") if a else None
    if article_id is None:
        return None
    internal = bool(flag(a.get("internal"), "article.internal"))
    return Article(article_id, text(a.get("sender"), "article.sender"), internal,
                   whole_id(a.get("created_by_id"), "article.created_by_id"),
                   moment(a.get("created_at"), "article.created_at", unix=False))


def _number(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    found = text(value, "ticket.number")
    return found[:64] if found else None


def _owner(value: Any) -> int | None:
    owner = whole_id(value, "ticket.owner_id")
    return None if owner == NOBODY else owner


def _group(t: dict) -> tuple[int, str] | None:
    group_id = whole_id(t.get("group_id"), "ticket.group_id")
    group = object_(t.get("group"), "ticket.group") or {}
    name = text(group.get("name"), "ticket.group.name") or ""
    return (group_id, name) if group_id is not None else None


def _customer(t: dict) -> Contact | None:
    customer_id = whole_id(t.get("customer_id"), "ticket.customer_id")
    if customer_id is None:
        return None
    c = object_(t.get("customer"), "ticket.customer") or {}
    parts = (text(c.get(part), f"ticket.customer.{part}") for part in ("firstname", "lastname"))
    name = " ".join(p.strip() for p in parts if p and p.strip() and p != "-") or None
    return Contact.fitted(str(customer_id), name, text(c.get("email"), "ticket.customer.email") or None)
