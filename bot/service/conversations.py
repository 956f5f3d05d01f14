"""Conversations and the Unassigned queue, as the admin API and /sticky show them."""
from __future__ import annotations

from routing import render

from .. import clock
from ..errors import NotFound
from ..store import Store


def conversation(store: Store, conversation_id: str) -> dict:
    conv = store.conversation(conversation_id)
    if conv is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    return {
        "conversation": conv.id, "customer": conv.customer_id, "status": str(conv.status),
        "agent": conv.agent_id, "team": conv.team, "url": conv.url, "channel": conv.channel,
        "created_at": clock.iso(conv.created_at), "queued_at": clock.iso(conv.queued_at),
        "decisions": [{"status": d.status, "agent": d.agent_id, "team": d.team, "rule": d.rule,
                       "reason": render(d.reason, conv.customer_id), "at": clock.iso(d.decided_at), "event": d.event_id}
                      for d in store.decisions(conv.id)],
    }


def unassigned(store: Store) -> list[dict]:
    return [{"conversation": c.id, "customer": c.customer_id, "team": c.team, "url": c.url,
             "queued_at": clock.iso(c.queued_at)} for c in store.queue()]
