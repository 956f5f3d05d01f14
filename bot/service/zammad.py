"""Zammad in stickybot's terms: its ids, and each webhook snapshot read against what stickybot saw last, as
sightings of the helpdesk seam (bot/service/helpdesk), handled in the same transaction.

A body is a snapshot built when Zammad's job ran, not an event record. So:
- a ticket's state (owner, status, group) is applied only when its `updated_at` is newer than the last one
  applied for that ticket (helpdesk_seen); a snapshot is applied once (its ticket id and `updated_at`);
- an article is applied once (its id), whatever the snapshot around it;
- a delivery is applied once (its X-Zammad-Delivery); one refused or failed stored nothing, so its retry is.
"""
from __future__ import annotations

import json
from datetime import datetime

from integrations.helpdesk import Contact, What
from integrations.inbound import Channel
from integrations.zammad.webhook import Article, Snapshot, Ticket

from .. import clock
from ..store import Conversation, ConversationStatus, Seen, Store
from . import events
from .helpdesk import inbound
from .helpdesk.inbound import Sighting

CHANNEL = Channel.ZAMMAD
Keys = tuple[str, str | None]


def conversation_key(ticket_id: int) -> str:
    return f"zammad:{ticket_id}"


def ticket_of(conversation_id: str) -> int:
    return int(conversation_id.split(":")[1])


def receive(store: Store, snap: Snapshot, delivery: str | None, base_url: str | None, now: datetime) -> dict:
    """Apply one delivery (known by its X-Zammad-Delivery id, when it has one) once; its answer is that of the
    first sighting applied (the ticket's own change before its article's)."""
    t = snap.ticket
    conv_id = conversation_key(t.id)
    key = f"zammad:delivery:{delivery}" if delivery else None
    earlier = events.earlier(store, key, conv_id) if key else None
    if earlier is not None:
        return earlier
    # The conversation first, locked: two deliveries of one ticket compare against what the other applied.
    known = store.conversation(conv_id, for_update=True)
    seen = store.seen(conv_id)
    newer = seen is None or t.updated_at > seen.updated_at
    if known is not None and newer:
        _follow_group(store, known, t, seen)
    first, ignored, owner = None, [], t.owner
    for sighting, keys in sightings(t, snap.article, known, seen, base_url):
        event = inbound.to_inbound(store, sighting, keys, now)
        if isinstance(event, str):
            ignored.append(inbound.ignored(conv_id, event))
            continue
        answer = events.handle(store, event, also=(key,) if first is None and key else ())
        if sighting.what == What.ASSIGNED and answer.get("status") == "ignored":
            owner = seen.owner if seen else None  # an owner stickybot does not know yet: seen again next time
        first = first or answer
    if newer and store.conversation(conv_id) is not None:
        store.note_seen(conv_id, Seen(t.updated_at, owner, t.group[0] if t.group else None))
    if first is not None:
        return first  # its answer is kept under the delivery's key too
    nothing = ignored[0] if ignored else inbound.ignored(conv_id, _why_nothing(t, snap.article, newer))
    if key is not None:
        store.mark_processed(key, conv_id, json.dumps(nothing))
    return nothing


def sightings(t: Ticket, article: Article | None, known: Conversation | None, seen: Seen | None,
              base_url: str | None) -> list[tuple[Sighting, Keys]]:
    """What the snapshot says happened, each with the keys it is applied once by."""
    base = dict(channel=CHANNEL, conversation=conversation_key(t.id),
                customer=Contact(f"zammad:{t.customer.id}", t.customer.name, t.customer.email) if t.customer else None,
                url=f"{base_url.rstrip('/')}/#ticket/zoom/{t.id}" if base_url else None,
                label=f"Ticket#{t.number}" if t.number else None)
    snapshot_key = f"zammad:ticket:{t.id}@{clock.iso(t.updated_at)}"
    article_key = f"zammad:article:{article.id}" if article else None
    if known is None:
        if t.closed:
            return [(Sighting(What.IGNORE, reason="closed before stickybot saw it", **base), (snapshot_key, None))]
        # New to stickybot: routed with its group as the team (not a flow's choice); an owner already there (a
        # trigger, the agent who opened it) is Zammad's explicit choice. Its article is part of it.
        created = Sighting(What.CREATED, occurred_at=t.created_at or t.updated_at, assignee=t.owner, team=t.group,
                           **base)
        return [(created, (snapshot_key, article_key))]
    found = []
    change = _state_change(t, known, seen) if seen is None or t.updated_at > seen.updated_at else None
    if change is not None:
        found.append((Sighting(change, occurred_at=t.updated_at, assignee=t.owner, team=t.group, **base),
                      (snapshot_key, None)))
    if article is not None and (what := _article_says(article)) is not None:
        reply_by = article.author if what == "reply" else None
        found.append((Sighting(What.MESSAGE, occurred_at=article.created_at or t.updated_at, reply_by=reply_by,
                               **base), (article_key, None)))
    return found


def _state_change(t: Ticket, known: Conversation, seen: Seen | None) -> What | None:
    """Closed (or merged): resolved. Open, new or pending after closed: reopened (the owner Zammad kept gives way
    to stickybot's decision). Else an owner set by someone else than stickybot's last write: assigned, or
    unassigned when set back to nobody."""
    resolved = known.status == ConversationStatus.RESOLVED
    if t.closed and not resolved:
        return What.RESOLVED
    if resolved and not t.closed:
        return What.OPENED
    if t.owner != (seen.owner if seen else None):
        return What.ASSIGNED if t.owner is not None else What.UNASSIGNED
    return None


def _article_says(a: Article) -> str | None:
    """"customer": the customer wrote; "reply": an agent's public article (a claim when it is the owner's)."""
    if a.sender == "Customer":
        return "customer"
    if a.sender == "Agent" and not a.internal and a.author is not None:
        return "reply"
    return None  # internal notes and system articles change nothing


def _follow_group(store: Store, known: Conversation, t: Ticket, seen: Seen | None) -> None:
    """A ticket moved to another group in Zammad: its conversation's team follows (where it is routed again)."""
    if t.group is None or (seen is not None and seen.group_id == t.group[0]):
        return
    team = inbound.team_for(store, CHANNEL, t.group)
    if known.team != team:
        conv = store.conversation(known.id, for_update=True)
        conv.team = team
        store.save_conversation(conv)


def _why_nothing(t: Ticket, article: Article | None, newer: bool) -> str:
    if article is not None and article.internal:
        return "an internal note changes nothing"
    if article is not None and _article_says(article) is None:
        return f"an article from {article.sender or 'nobody'} changes nothing"
    if not newer:
        return "this snapshot of the ticket is not newer than the last one applied"
    return "nothing stickybot routes on changed"
