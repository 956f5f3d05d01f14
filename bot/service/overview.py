"""The state of the workspace at a glance: what /sticky status (and the metrics) show."""
from __future__ import annotations

from integrations.slack.client import ALARM
from routing import Status

from .. import clock
from ..store import OutboxState, Store

FAILED_SHOWN = 50


def status(store: Store) -> dict:
    settings = store.settings()
    agents = store.agents(active_only=True)
    counts = store.counts(alarms=ALARM)
    return {
        "sticky_days": settings.sticky_days, "availability_check": settings.availability_check,
        "drain_unassigned": settings.drain_unassigned, "sticky_wait_minutes": settings.sticky_wait_minutes,
        "claim_minutes": settings.claim_minutes, "held": counts.held,
        "online": [a.id for a in agents if a.status == Status.ONLINE],
        "open_load": {a.id: a.open_load for a in agents if a.open_load},
        "queue": counts.queue, "links": counts.links,
        "failed_deliveries": counts.outbox.get(OutboxState.FAILED, 0),
        "outbox_backlog": counts.outbox.get(OutboxState.PENDING, 0),
        "slack_alarm": counts.alarms,
        "last_settings_change": _last_change(store),
    }


def at_a_glance(store: Store) -> dict:
    """The dashboard's "right now": counts only, read without loading a single agent or conversation."""
    counts = store.counts(alarms=ALARM)
    return {"queue": counts.queue, "held": counts.held, "online": counts.online, "links": counts.links,
            "failed_deliveries": counts.outbox.get(OutboxState.FAILED, 0),
            "outbox_backlog": counts.outbox.get(OutboxState.PENDING, 0), "slack_alarm": counts.alarms}


def _last_change(store: Store) -> dict | None:
    entry = store.last_audit("settings.update")
    if entry is None:
        return None
    return {"at": clock.iso(entry.at), "actor": entry.actor, "before": entry.before, "after": entry.after}


def failed_deliveries(store: Store, limit: int = FAILED_SHOWN) -> list[dict]:
    """Outbox rows refused for good, the newest first: what they were and why (never their payload)."""
    return [{"id": f.id, "kind": f.kind, "last_error": f.last_error, "attempts": f.attempts,
             "created_at": clock.iso(f.created_at), "failed_at": clock.iso(f.sent_at)}
            for f in store.failed_deliveries(limit)]
