"""A customer: its sticky link and blocks, link care (break, block, preview), and forgetting it."""
from __future__ import annotations

import secrets
from datetime import timedelta

import routing
from routing import render

from .. import clock
from ..errors import NotFound
from ..store import Store
from . import assignment, audit
from .audit import By


def customer(store: Store, customer_id: str, now) -> dict:
    """The stored link (`sticky` null when none is stored: never seen, expired, broken or forgotten), and the
    agents the customer must never reach."""
    link = store.link(customer_id)
    blocked = sorted(store.blocked(customer_id))
    if link is None:
        return {"customer": customer_id, "sticky": None, "blocked_agents": blocked}
    settings = store.settings()
    return {"customer": customer_id, "sticky": {
        "agent": link.agent_id, "last_interaction_at": clock.iso(link.last_interaction_at),
        "expires_at": clock.iso(link.last_interaction_at + timedelta(days=settings.sticky_days)),
        "active": routing.in_window(settings, link, now)}, "blocked_agents": blocked}


def break_link(store: Store, customer_id: str, by: By) -> dict:
    """The customer is no longer sticky; conversations and history stay."""
    gone = store.delete_link(customer_id, by.at)
    if gone is None:
        raise NotFound(f"no link stored for customer '{customer_id}'")
    audit.record(store, by, "link.delete", customer_id, _link(gone), None)
    return customer(store, customer_id, by.at)


def block(store: Store, customer_id: str, agent_id: str, by: By) -> tuple[dict, bool]:
    """Never route this customer to this agent (a customer not seen yet may be blocked ahead). Blocking the
    linked agent deletes the link."""
    if store.agent(agent_id) is None:
        raise NotFound(f"no agent '{agent_id}'")
    added = store.block(customer_id, agent_id, by.at)
    if added:
        audit.record(store, by, "block.add", customer_id, None, {"agent": agent_id})
        link = store.link(customer_id)
        if link is not None and link.agent_id == agent_id:
            store.delete_link(customer_id, by.at)
            audit.record(store, by, "link.delete", customer_id, _link(link), None)
    return customer(store, customer_id, by.at), added


def unblock(store: Store, customer_id: str, agent_id: str, by: By) -> dict:
    if not store.unblock(customer_id, agent_id):
        raise NotFound(f"'{agent_id}' is not blocked for customer '{customer_id}'")
    audit.record(store, by, "block.remove", customer_id, {"agent": agent_id}, None)
    return customer(store, customer_id, by.at)


def preview(store: Store, customer_id: str, team: str | None, now) -> dict:
    """Where a conversation.created from this customer would go now (the server's clock), and why. The real
    decision path, run on a read-only transaction: no load, rotation, link, history or outbox row changes."""
    decision = assignment.preview(store, customer_id, team, now)
    answer = {"customer": customer_id, "team": decision.team, "status": str(decision.status),
              "agent": decision.agent, "rule": str(decision.rule), "reason": render(decision.reason, customer_id),
              "at": clock.iso(now)}
    if decision.held_until is not None:
        answer["held_until"] = clock.iso(decision.held_until)
    return answer


def forget(store: Store, customer_id: str, by: By) -> dict:
    """Erase the link and personal data; keep conversations under an anonymous id."""
    # Random, not derived from the id: nothing stored can be checked against a guessed customer id.
    alias = "forgotten-" + secrets.token_hex(8)
    kept = store.forget_customer(customer_id, alias)
    if kept is None:
        raise NotFound(f"no customer '{customer_id}'")
    audit.record(store, by, "customer.forget", alias, None, {"conversations_kept": kept})
    return {"customer": customer_id, "forgotten": True, "conversations_kept": kept, "alias": alias}


def erase(db, customer_id: str, by: By) -> dict:
    """Forget the customer (one transaction), then scrub the database files of what was erased. Every way in
    (API, Slack, dashboard) forgets through here."""
    result = db.transact(lambda store: forget(store, customer_id, by))
    db.scrub()
    return result


def _link(link: routing.Link) -> dict:
    return {"agent": link.agent_id, "last_interaction_at": clock.iso(link.last_interaction_at)}
