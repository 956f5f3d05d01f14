"""The audit trail: who changed what (settings, agents, teams, links, blocks, customers), before and after.

Actors: `api`, `slack:<user id>`, `cli`, `chatwoot-sync`, `dashboard`. Routing decisions are not audited (they
have their own history). Nothing secret is ever recorded, and a customer is named only as an entry's target,
which forgetting the customer replaces.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import clock
from ..store import AuditRecord, Store



@dataclass(frozen=True)
class By:
    """Who makes a change, and when (the server's clock)."""

    actor: str
    at: datetime



def record(store: Store, by: By, action: str, target: str, before: dict | None, after: dict | None) -> None:
    """One entry, with only what changed when both sides are given (nothing recorded if nothing changed)."""
    if before is not None and after is not None:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        if not changed:
            return
        before, after = {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}
    store.audit(by.at, by.actor, action, target, before, after)


def page(store: Store, limit: int, before: int | None) -> dict:
    """GET /api/audit?limit=50&before=ID: newest first, and the id to ask for the next page with (the
    parameters are checked by bot/web/params.AuditQuery)."""
    items = store.audit_page(limit + 1, before)
    more = len(items) > limit
    items = items[:limit]
    return {"items": [as_dict(e) for e in items], "next": items[-1].id if more else None}


def as_dict(e: AuditRecord) -> dict:
    return {"id": e.id, "at": clock.iso(e.at), "actor": e.actor, "action": e.action, "target": e.target,
            "before": e.before, "after": e.after}
