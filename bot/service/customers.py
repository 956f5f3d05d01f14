"""A customer: its sticky link, and forgetting it."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import routing

from .. import clock
from ..errors import NotFound
from ..store import Store


def customer(store: Store, customer_id: str, now: datetime) -> dict:
    """The stored link; `sticky` is null when none is stored (never seen, expired, or forgotten)."""
    link = store.link(customer_id)
    if link is None:
        return {"customer": customer_id, "sticky": None}
    settings = store.settings()
    return {"customer": customer_id, "sticky": {
        "agent": link.agent_id, "last_interaction_at": clock.iso(link.last_interaction_at),
        "expires_at": clock.iso(link.last_interaction_at + timedelta(days=settings.sticky_days)),
        "active": routing.in_window(settings, link, now)}}


def forget(store: Store, customer_id: str, now: datetime) -> dict:
    """Erase the link and personal data; keep conversations under an anonymous id."""
    alias = "forgotten-" + hashlib.sha256(f"{customer_id}:{now.isoformat()}".encode()).hexdigest()[:12]
    kept = store.forget_customer(customer_id, alias)
    if kept is None:
        raise NotFound(f"no customer '{customer_id}'")
    return {"customer": customer_id, "forgotten": True, "conversations_kept": kept, "alias": alias}


def erase(db, customer_id: str, now: datetime) -> dict:
    """Forget the customer (one transaction), then scrub the database files of what was erased. Every way in
    (API, Slack, dashboard) forgets through here."""
    result = db.transact(lambda store: forget(store, customer_id, now))
    db.scrub()
    return result
