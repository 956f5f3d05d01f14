"""The store's statements on customers, their links and blocks, and the audit trail."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, select, update

import routing

from ..models import (AuditEntry, Conversation as ConversationRow, Customer, CustomerBlock, ProcessedEvent,
                      StickyLink)
from .records import AuditRecord, CustomerRecord
from .runner import Runner, dt

CUSTOMER, LINK, BLOCK = Customer.__table__, StickyLink.__table__, CustomerBlock.__table__
CONVERSATION, PROCESSED, AUDIT = ConversationRow.__table__, ProcessedEvent.__table__, AuditEntry.__table__


class CustomerStatements:
    q: Runner

    def customer(self, customer_id: str) -> CustomerRecord | None:
        row = self.q.one("SELECT id, name, email FROM customer WHERE id = :id", id=customer_id)
        return CustomerRecord(*row) if row else None

    def remember_customer(self, customer_id: str, name: str | None, email: str | None) -> None:
        # The row is rewritten only when something new arrived (no page dirtied for a returning customer).
        self.q.later(
            "INSERT INTO customer (id, name, email) VALUES (:id, :name, :email) ON CONFLICT (id) DO UPDATE "
            "SET name = coalesce(excluded.name, customer.name), email = coalesce(excluded.email, customer.email) "
            "WHERE (excluded.name IS NOT NULL AND (customer.name IS NULL OR customer.name <> excluded.name)) "
            "OR (excluded.email IS NOT NULL AND (customer.email IS NULL OR customer.email <> excluded.email))",
            id=customer_id, name=name, email=email)

    def link(self, customer_id: str) -> routing.Link | None:
        row = self.q.one("SELECT agent_id, last_interaction_at, covered_by FROM sticky_link WHERE customer_id = :c",
                         c=customer_id)
        return routing.Link(row[0], dt(row[1]), row[2]) if row else None

    def set_link(self, customer_id: str, agent_id: str, at: datetime) -> None:
        """Point the customer's link at `agent_id` as of `at`, unless the link is already newer."""
        self.q.later("INSERT INTO sticky_link (customer_id, agent_id, last_interaction_at) VALUES (:c, :agent, :at) "
                     "ON CONFLICT (customer_id) DO UPDATE SET agent_id = excluded.agent_id, "
                     "last_interaction_at = excluded.last_interaction_at, covered_by = NULL "
                     "WHERE sticky_link.last_interaction_at <= excluded.last_interaction_at",
                     c=customer_id, agent=agent_id, at=self.q.ts(at))

    def touch_link(self, customer_id: str, agent_id: str, at: datetime) -> None:
        """Move the link's time forward to `at` when it points at `agent_id`, or at an agent absent at `at`
        (whose link a cover keeps alive: CONTRACT.md 9.2)."""
        self.q.later("UPDATE sticky_link SET last_interaction_at = :at WHERE customer_id = :c AND last_interaction_at "
                     "< :at AND (agent_id = :agent OR EXISTS (SELECT 1 FROM absence ab WHERE ab.agent_id = "
                     "sticky_link.agent_id AND ab.starts_at <= :at AND (ab.ends_at IS NULL OR ab.ends_at > :at)))",
                     at=self.q.ts(at), c=customer_id, agent=agent_id)

    def cover_link(self, customer_id: str, cover: str, at: datetime) -> None:
        """A cover took the customer while their agent is absent: the link stays with that agent, its time
        moves forward to `at` (never back), and it remembers who covered."""
        self.q.later("UPDATE sticky_link SET last_interaction_at = :at, covered_by = :cover WHERE customer_id = :c "
                     "AND last_interaction_at <= :at", at=self.q.ts(at), cover=cover, c=customer_id)

    def blocked(self, customer_id: str) -> frozenset[str]:
        rows = self.q.all("SELECT agent_id FROM customer_block WHERE customer_id = :c", c=customer_id)
        return frozenset(r[0] for r in rows)

    def expire_links(self, older_than: datetime, batch: int) -> int:
        stale = select(LINK.c.customer_id).where(LINK.c.last_interaction_at < older_than).limit(batch)
        return self.q.core(delete(LINK).where(LINK.c.customer_id.in_(stale))).rowcount

    def forget_customer(self, customer_id: str, alias: str) -> int | None:
        """Erase the customer's link and personal data; its conversations (and their history) move to `alias`,
        their urls (which may carry personal data) are cleared. Reasons name the customer only through the
        conversation (routing.reason), so the history reads `alias` from now on. None: nothing to forget."""
        ids = self.q.core(update(CONVERSATION).where(CONVERSATION.c.customer_id == customer_id)
                          .values(customer_id=alias, url=None).returning(CONVERSATION.c.id)).scalars().all()
        removed = (self.q.core(delete(LINK).where(LINK.c.customer_id == customer_id)).rowcount
                   + self.q.core(delete(CUSTOMER).where(CUSTOMER.c.id == customer_id)).rowcount)
        if not ids and not removed:
            return None
        # The audit names the customer only as its target: exact, like everywhere else.
        self.q.core(update(AUDIT).where(AUDIT.c.target == customer_id).values(target=alias))
        if ids:
            # Answers kept for replays before reasons were templates still spell the id out: let them go.
            self.q.core(delete(PROCESSED).where(PROCESSED.c.conversation_id.in_(ids),
                                                PROCESSED.c.answer.contains(customer_id),
                                                ~PROCESSED.c.answer.contains('"template": true')))
        return len(ids)

    def delete_link(self, customer_id: str, at: datetime) -> routing.Link | None:
        """Break the customer's link (an admin's act, at `at`: remembered for the next decision's reason); the
        one removed, if there was one."""
        found = self.link(customer_id)
        if found is not None:
            self.q.core(delete(LINK).where(LINK.c.customer_id == customer_id))
            self.q.core(update(CUSTOMER).where(CUSTOMER.c.id == customer_id)
                        .values(broken_link_agent=found.agent_id, broken_link_at=at))
        return found

    def broken_link(self, customer_id: str) -> routing.Link | None:
        """The link an admin broke last (agent, and when), if any."""
        row = self.q.one("SELECT broken_link_agent, broken_link_at FROM customer WHERE id = :c "
                         "AND broken_link_agent IS NOT NULL", c=customer_id)
        return routing.Link(row[0], dt(row[1])) if row else None

    def block(self, customer_id: str, agent_id: str, at: datetime) -> bool:
        """Never route the customer to the agent; False when it was blocked already."""
        return self.q.run("INSERT INTO customer_block (customer_id, agent_id, created_at) VALUES (:c, :a, :at) "
                          "ON CONFLICT DO NOTHING", c=customer_id, a=agent_id, at=self.q.ts(at)) == 1

    def unblock(self, customer_id: str, agent_id: str) -> bool:
        return self.q.core(delete(BLOCK).where(BLOCK.c.customer_id == customer_id,
                                               BLOCK.c.agent_id == agent_id)).rowcount == 1

    def hand_links_over(self, from_agent: str, to_agent: str) -> int:
        """Move every link of `from_agent` to `to_agent`, times kept, except those of customers who blocked
        `to_agent` (they keep pointing at the departed agent, which sends them to rule 4)."""
        blocked = select(BLOCK.c.customer_id).where(BLOCK.c.agent_id == to_agent)
        return self.q.core(update(LINK).where(LINK.c.agent_id == from_agent, LINK.c.customer_id.not_in(blocked))
                           .values(agent_id=to_agent)).rowcount

    # --- the audit trail ---------------------------------------------------------------------------

    def audit(self, at: datetime, actor: str, action: str, target: str, before: dict | None,
              after: dict | None) -> None:
        self.q.later("INSERT INTO audit (at, actor, action, target, before, after) VALUES (:at, :actor, :action, "
                     ":target, :before, :after)", at=self.q.ts(at), actor=actor[:80], action=action,
                     target=target[:200], before=_json(before), after=_json(after))

    def audit_page(self, limit: int, before_id: int | None = None) -> list[AuditRecord]:
        """Newest first; `before_id` pages on (entries older than that one)."""
        query = select(*AUDIT.c).order_by(AUDIT.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AUDIT.c.id < before_id)
        return [AuditRecord(r.id, dt(r.at), r.actor, r.action, r.target, _unjson(r.before), _unjson(r.after))
                for r in self.q.core(query)]

    def actor_of(self, action: str, at: datetime) -> str | None:
        """Who made the change `action` at exactly `at` (a change and the decisions it caused share their time)."""
        return self.q.core(select(AUDIT.c.actor).where(AUDIT.c.action == action, AUDIT.c.at == at)
                           .order_by(AUDIT.c.id).limit(1)).scalar()

    def last_audit(self, action: str) -> AuditRecord | None:
        row = self.q.core(select(*AUDIT.c).where(AUDIT.c.action == action).order_by(AUDIT.c.id.desc())
                          .limit(1)).first()
        return AuditRecord(row.id, dt(row.at), row.actor, row.action, row.target, _unjson(row.before),
                           _unjson(row.after)) if row else None


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def _unjson(value: str | None) -> dict | None:
    return None if value is None else json.loads(value)
