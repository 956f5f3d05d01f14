"""Conversations and the Unassigned queue, as the admin API and /sticky show them."""
from __future__ import annotations

from datetime import datetime

from routing import render

from .. import clock
from ..errors import NotFound
from ..store import Conversation, Store
from . import paging


# Decisions an admin's change caused, and the audit action that records who made it.
_CAUSED_BY = {"deactivation": "agent.deactivate", "successor": "agent.deactivate"}


def conversation(store: Store, conversation_id: str, who_acted: bool = False) -> dict:
    """The conversation and its decisions. `who_acted` (the dashboard's timeline): a decision an admin's change
    caused also says who made it (`by`, the audit's actor for that change, which shares the decision's time)."""
    conv = store.conversation(conversation_id)
    if conv is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    decisions = []
    for d in store.decisions(conv.id):
        shown = {"status": d.status, "agent": d.agent_id, "team": d.team, "rule": d.rule,
                 "reason": render(d.reason, conv.customer_id), "at": clock.iso(d.decided_at), "event": d.event_id,
                 "trigger": d.trigger}
        if who_acted and (action := _CAUSED_BY.get(d.trigger or "")):
            shown["by"] = store.actor_of(action, d.decided_at)
        decisions.append(shown)
    return {
        "conversation": conv.id, "customer": conv.customer_id, "status": str(conv.status),
        "agent": conv.agent_id, "team": conv.team, "url": conv.url, "label": conv.label, "channel": conv.channel,
        "created_at": clock.iso(conv.created_at), "queued_at": clock.iso(conv.queued_at),
        "held_until": clock.iso(conv.held_until), "claim_due": clock.iso(conv.claim_due),
        "claimed_at": clock.iso(conv.claimed_at), "left_out": sorted(store.left_out(conv.id)),
        "decisions": decisions,
    }


def unassigned(store: Store) -> list[dict]:
    return [queued_json(c) for c in store.queue()]


def unassigned_page(store: Store, limit: int = paging.DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """The queue a page at a time, oldest first: `{"items": [...as unassigned()], "next": cursor or null}`."""
    after = paging.decode(cursor, "queue", (datetime, int))
    page = paging.paged(store.queue_page(limit + 1, after), limit, "queue", lambda c: (c.queued_at, c.queue_seq))
    return page.as_json(queued_json)


def queued_json(c: Conversation) -> dict:
    return {"conversation": c.id, "customer": c.customer_id, "team": c.team, "url": c.url,
            "queued_at": clock.iso(c.queued_at)}


def held(store: Store) -> list[dict]:
    """Conversations waiting for their returning customer's agent, the longest waiting first."""
    return [held_json(c) for c in store.held()]


def held_page(store: Store, limit: int = paging.DEFAULT_LIMIT, cursor: str | None = None) -> dict:
    """The held conversations a page at a time, longest waiting first: `{"items": [...], "next"}`."""
    after = paging.decode(cursor, "held", (datetime, str))
    page = paging.paged(store.held_page(limit + 1, after), limit, "held", lambda c: (c.held_since, c.id))
    return page.as_json(held_json)


def held_json(c: Conversation) -> dict:
    return {"conversation": c.id, "customer": c.customer_id, "held_for": c.agent_id, "team": c.team,
            "held_since": clock.iso(c.held_since), "held_until": clock.iso(c.held_until)}
