"""Conversations, the queue and customers as the admin API and /sticky show them."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

import routing

from .. import clock, store
from ..errors import NotFound
from ..models import Conversation, Customer, DecisionRow, ProcessedEvent, StickyLink


def conversation(session: Session, conversation_id: str) -> dict:
    conv = session.get(Conversation, conversation_id)
    if conv is None:
        raise NotFound(f"no conversation '{conversation_id}'")
    decisions = session.exec(select(DecisionRow).where(DecisionRow.conversation_id == conv.id)
                             .order_by(DecisionRow.id)).all()
    return {
        "conversation": conv.id, "customer": conv.customer_id, "status": conv.status,
        "agent": conv.agent_id, "team": conv.team, "url": conv.url, "channel": conv.channel,
        "created_at": clock.iso(conv.created_at), "queued_at": clock.iso(conv.queued_at),
        "decisions": [{"status": d.status, "agent": d.agent_id, "team": d.team, "rule": d.rule,
                       "reason": d.reason, "at": clock.iso(d.decided_at), "event": d.event_id}
                      for d in decisions],
    }


def unassigned(session: Session) -> list[dict]:
    rows = session.exec(select(Conversation).where(Conversation.status == "unassigned")
                        .order_by(Conversation.queued_at, Conversation.queue_seq)).all()
    return [{"conversation": c.id, "customer": c.customer_id, "team": c.team, "url": c.url,
             "queued_at": clock.iso(c.queued_at)} for c in rows]


def queue_length(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Conversation)
                        .where(Conversation.status == "unassigned")).one()


def customer(session: Session, customer_id: str) -> dict:
    """The stored link; `sticky` is null when none is stored (never seen, expired, or forgotten)."""
    link = session.get(StickyLink, customer_id)
    if link is None:
        return {"customer": customer_id, "sticky": None}
    days = store.settings(session).sticky_days
    last = clock.utc(link.last_interaction_at)
    expires = last + timedelta(days=days)
    active = routing.in_window(routing.Settings(sticky_days=days), routing.Link(link.agent_id, last), clock.now())
    return {"customer": customer_id, "sticky": {
        "agent": link.agent_id, "last_interaction_at": clock.iso(last),
        "expires_at": clock.iso(expires), "active": active}}


def forget(session: Session, customer_id: str) -> dict:
    """Erase the link and personal data; keep conversations under an anonymous id."""
    found = session.get(Customer, customer_id)
    link = session.get(StickyLink, customer_id)
    convs = session.exec(select(Conversation).where(Conversation.customer_id == customer_id)
                         .with_for_update()).all()
    if found is None and link is None and not convs:
        raise NotFound(f"no customer '{customer_id}'")
    alias = "forgotten-" + hashlib.sha256(f"{customer_id}:{clock.now().isoformat()}".encode()).hexdigest()[:12]
    ids = [c.id for c in convs]
    for conv in convs:
        conv.customer_id = alias
        session.add(conv)
    session.execute(delete(StickyLink).where(StickyLink.customer_id == customer_id))
    session.execute(delete(Customer).where(Customer.id == customer_id))
    if ids:
        scrub = func.replace(DecisionRow.reason, customer_id, alias)
        session.execute(update(DecisionRow).where(DecisionRow.conversation_id.in_(ids)).values(reason=scrub))
        answers = func.replace(ProcessedEvent.answer, customer_id, alias)
        session.execute(update(ProcessedEvent).where(ProcessedEvent.conversation_id.in_(ids)).values(answer=answers))
    return {"customer": customer_id, "forgotten": True, "conversations_kept": len(ids), "alias": alias}
