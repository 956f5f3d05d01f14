"""The store over SQLite or PostgreSQL: every statement on the tables the product writes.

One SqlStore lives for one transaction (bot.db opens it, commits or rolls it back). Use-cases only ever see
its methods; they never see a connection, a cursor or SQL.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update

import routing
from routing import Decision

from ..clock import Clock
from ..models import (Conversation as ConversationRow, Customer, DecisionRow, ProcessedEvent, StickyLink,
                      WorkspaceSettings)
from .access import AccessStatements
from .customers import CustomerStatements
from .absences import AbsenceStatements
from .directory import PREFETCH, PREFETCH_ABSENCES, DirectoryStatements, Prefetched
from .helpdesk import HelpdeskStatements
from .outbox import OutboxStatements
from .pages import PageStatements
from .slack import SlackStatements
from .stats import StatsStatements
from .records import (Conversation, ConversationStatus, DecisionRecord, Preflight)
from .runner import Runner, dt

SETTINGS, DECISION, CONVERSATION = WorkspaceSettings.__table__, DecisionRow.__table__, ConversationRow.__table__
CUSTOMER, LINK, PROCESSED = Customer.__table__, StickyLink.__table__, ProcessedEvent.__table__
_CONVERSATION_COLUMNS = ("id, customer_id, status, agent_id, team, url, channel, created_at, queued_at, queue_seq, "
                         "held_since, held_until, claim_due, claimed_at, label")
_SETTINGS_COLUMNS = "sticky_days, availability_check, drain_unassigned, sticky_wait_minutes, claim_minutes"
_DECISION_COLUMNS = ("id, conversation_id, status, agent_id, team, rule, reason, decided_at, event_id, trigger, "
                     "is_returning, window_passed, miss, linked_agent, held_until")
# A seat is free when the agent is active and, if the decision relied on it, still available.
_PREFLIGHT = (
    "SELECT s.sticky_days, s.availability_check, s.drain_unassigned, s.sticky_wait_minutes, s.claim_minutes, "
    "(SELECT answer FROM processed_event WHERE key IN (:key, :alias) LIMIT 1), c.customer_id, l.agent_id, "
    "l.last_interaction_at, c.channel, (SELECT 1 FROM customer_block WHERE customer_id = :cust LIMIT 1), "
    "cu.broken_link_agent, cu.broken_link_at, l.covered_by, "
    "(SELECT 1 FROM absence ab WHERE ab.agent_id = c.agent_id AND c.status = 'assigned' AND ab.starts_at <= :at "
    "AND (ab.ends_at IS NULL OR ab.ends_at > :at) LIMIT 1) "
    "FROM settings s LEFT JOIN conversation c ON c.id = :conv LEFT JOIN sticky_link l ON l.customer_id = :cust "
    "LEFT JOIN customer cu ON cu.id = :cust AND l.customer_id IS NULL "
    "WHERE s.id = 1")
# A conversation read locked, with whether anything is held for its agent, or queued at all.
_LOCKED = (f"SELECT {', '.join('c.' + c for c in _CONVERSATION_COLUMNS.split(', '))}, "
           "(SELECT 1 FROM conversation h WHERE h.status = 'held' AND h.agent_id = c.agent_id LIMIT 1), "
           "(SELECT 1 FROM conversation u WHERE u.status = 'unassigned' LIMIT 1) FROM conversation c WHERE c.id = :conv")
_DECISION_VALUES = (":conv, :status, :agent, :team, :rule, :reason, :at, :event, :trigger, :returning, :passed, "
                    ":miss, :linked, :held_until")
_SEAT_FREE = ("active = :yes AND (:needs_room = :no OR (status = 'online' AND "
              "(max_open IS NULL OR open_load < max_open)))")


def _conversation(row) -> Conversation:
    return Conversation(row[0], row[1], ConversationStatus(row[2]), row[3], row[4], row[5], row[6], dt(row[7]),
                        dt(row[8]), row[9], dt(row[10]), dt(row[11]), dt(row[12]), dt(row[13]), row[14])


def _settings(row) -> routing.Settings:
    return routing.Settings(row[0], bool(row[1]), bool(row[2]), row[3], row[4])


def _decision(row) -> DecisionRecord:
    return DecisionRecord(*row[:7], dt(row[7]), row[8], row[9], bool(row[10]), bool(row[11]), row[12], row[13],
                          dt(row[14]))


class SqlStore(DirectoryStatements, AbsenceStatements, CustomerStatements, OutboxStatements, StatsStatements,
               SlackStatements, AccessStatements, HelpdeskStatements, PageStatements):
    def __init__(self, q: Runner, clock: Clock, zone: str = "UTC", again: bool = False):
        self.q = q
        self.clock = clock
        self.zone = zone  # the time zone of agents that have none of their own
        self._reserved: int | None = None  # a decision id the preflight reserved (PostgreSQL)
        self._locked: Conversation | None = None  # the conversation the preflight read locked
        self.again = again  # this transaction runs again after losing a race (bot.db.Database.transact)
        self.info: dict = {}  # what the transaction did, for after its commit (e.g. rules decided, for metrics)

    # --- settings and idempotency -------------------------------------------------------------------

    def settings(self) -> routing.Settings:
        row = self.q.one(f"SELECT {_SETTINGS_COLUMNS} FROM settings WHERE id = 1")
        return _settings(row) if row else routing.Settings()

    def save_settings(self, **changes) -> routing.Settings:
        if changes and self.q.core(update(SETTINGS).where(SETTINGS.c.id == 1).values(**changes)).rowcount == 0:
            self.q.core(SETTINGS.insert().values(id=1, **changes))
        return self.settings()

    def preflight(self, key: str, conversation_id: str, customer_id: str | None, alias_key: str | None = None,
                  team: str | None = None, at: datetime | None = None, lock: bool = False) -> Preflight:
        """What every event needs first: its earlier answer, the conversation (and whether its agent is absent
        at `at`), the settings, the customer's link and blocks. With `team` (an event to route), the directory
        rows its decision will ask for are read in the same round trip (store.directory.PREFETCH). With `lock`,
        the conversation is read locked too (the next conversation(for_update=True) of it answers from that),
        with whether freeing its agent's seat could drain anything."""
        when = self.q.ts(at or self.clock.now())
        params = dict(key=key, alias=alias_key or key, conv=conversation_id, cust=customer_id, at=when)
        statements = [(_PREFLIGHT, params)]
        if customer_id is not None and team is not None:
            statements.append((PREFETCH[self.q.pg], dict(team=team, cust=customer_id)))
            statements.append((PREFETCH_ABSENCES[self.q.pg], dict(team=team, cust=customer_id, at=when)))
        if lock:
            statements.append((self.q.locking(_LOCKED), dict(conv=conversation_id)))
        # A routed event's decision id, reserved now: its writes, the seat last, then go out with the COMMIT.
        # A transaction run again after losing a race takes its seat at once instead, deciding again inside
        # the transaction if the seat is gone (under a storm of changes to one agent, a seat checked only at
        # the COMMIT could keep losing).
        reserve = self.q.pg and team is not None and not self.again
        if reserve:
            statements.append(("SELECT nextval('decision_id_seq')", {}))
        answers = self.q.many(statements)
        self._reserved = answers.pop()[0][0] if reserve else None
        locked = (answers.pop() or [None])[0] if lock else None
        self._locked = _conversation(locked) if locked is not None else None
        row = answers[0][0]
        link = routing.Link(row[7], dt(row[8]), row[13]) if row[7] is not None else None
        # What an earlier event of this transaction read ahead is never this one's (one delivery may carry two).
        self._prefetched = Prefetched(answers[1], answers[2], team, link.agent_id if link else None, self.zone) \
            if len(answers) > 1 else None
        blocked = self.blocked(customer_id) if row[10] is not None else frozenset()
        broken = routing.Link(row[11], dt(row[12])) if row[11] is not None else None
        idle = None if locked is None else locked[-2] is None and locked[-1] is None
        return Preflight(row[5], row[6], _settings(row), link, row[9], blocked, broken, row[14] is not None, idle)

    def prune_processed(self, before: datetime, batch: int) -> int:
        """Delete up to `batch` idempotency keys received before `before` (their events can no longer return:
        a signature is good for 300 s)."""
        old = select(PROCESSED.c.key).where(PROCESSED.c.received_at < before).limit(batch)
        return self.q.core(delete(PROCESSED).where(PROCESSED.c.key.in_(old))).rowcount

    def mark_processed(self, key: str, conversation_id: str | None, answer: str) -> None:
        self.q.later("INSERT INTO processed_event (key, conversation_id, answer, received_at) "
                     "VALUES (:key, :conv, :answer, :now)",
                     key=key, conv=conversation_id, answer=answer, now=self.q.ts(self.clock.now()))

    # --- seats and decisions ---------------------------------------------------------------------------
    #
    # Every decision gets its id from one increasing sequence (PostgreSQL's sequence; on SQLite the next id
    # under its single writer), and that id does two more jobs:
    # - rotation order: an agent's `last_assigned` is the id of the last decision stickybot made that gave it
    #   a conversation, so "assigned least recently" is "smallest last_assigned" (never assigned: none);
    # - queue order: a conversation sent to Unassigned keeps its decision's id as `queue_seq`, which breaks ties
    #   between conversations queued at the same `queued_at`.

    def record_decision(self, conversation_id: str, decision: Decision, at: datetime, event_id: str | None,
                        *, rotation: bool, trigger: str) -> int | None:
        """Record `decision`; for an assignment, first take a seat with its agent (open load + 1, and its place
        in the rotation when `rotation`). The seat is taken only if the agent is still active, and still
        available when the decision relied on that; the agent's row stays locked until commit. None: the seat
        was gone (another transaction took it), nothing was written, decide again."""
        values = dict(conv=conversation_id, status=str(decision.status), agent=decision.agent, team=decision.team,
                      rule=str(decision.rule), reason=decision.reason, at=self.q.ts(at), event=event_id,
                      trigger=str(trigger), returning=decision.returning, passed=decision.window_passed,
                      miss=str(decision.miss) if decision.miss else None, linked=decision.linked_agent,
                      held_until=self.q.ts(decision.held_until))
        if self.q.pg:
            return self._record_pg(decision, rotation, values)
        # SQLite: one writer at a time, so the next id is max(id) + 1; a seat taken for the rotation records it
        # as the agent's place in one statement.
        seq = None
        if decision.assigned:
            seat = self.q.one(
                "UPDATE agent SET open_load = open_load + 1, last_assigned = CASE WHEN :rotation = :yes "
                "THEN (SELECT coalesce(max(id), 0) + 1 FROM decision) ELSE last_assigned END "
                f"WHERE id = :agent AND {_SEAT_FREE} RETURNING last_assigned",
                agent=decision.agent, rotation=rotation, needs_room=decision.needs_room, yes=True, no=False)
            if seat is None:
                return None
            seq = seat[0] if rotation else None
        if seq is None:
            return self.q.one(f"INSERT INTO decision ({_DECISION_COLUMNS}) VALUES (NULL, {_DECISION_VALUES}) "
                              "RETURNING id", **values)[0]
        self.q.run(f"INSERT INTO decision ({_DECISION_COLUMNS}) VALUES (:seq, {_DECISION_VALUES})", seq=seq, **values)
        return seq

    def _record_pg(self, decision: Decision, rotation: bool, values: dict) -> int | None:
        reserved, self._reserved = self._reserved, None
        if reserved is not None:
            return self._record_deferred(reserved, decision, rotation, values)
        insert = f"INSERT INTO decision ({_DECISION_COLUMNS}) SELECT d.id, {_DECISION_VALUES} FROM d"
        if not decision.assigned:
            return self.q.one(f"WITH d AS (SELECT nextval('decision_id_seq') AS id) {insert} RETURNING id",
                              **values)[0]
        row = self.q.one(
            "WITH d AS (SELECT nextval('decision_id_seq') AS id), seat AS (UPDATE agent SET "
            "open_load = open_load + 1, last_assigned = CASE WHEN :rotation THEN (SELECT id FROM d) "
            f"ELSE last_assigned END WHERE id = :agent AND {_SEAT_FREE} RETURNING 1) {insert}, seat RETURNING id",
            rotation=rotation, needs_room=decision.needs_room, yes=True, no=False, **values)
        return row[0] if row else None

    def _record_deferred(self, seq: int, decision: Decision, rotation: bool, values: dict) -> int:
        """The decision under a reserved id, written with the COMMIT; its seat as the very last statement, so
        that the agent's row, which every event of its team wants, is locked for that one round trip only.
        A seat gone meanwhile fails that statement as a serialization failure (sticky_seat_taken, migration
        0015): nothing is written and the transaction runs again, deciding with what is true then."""
        self.q.later(f"INSERT INTO decision ({_DECISION_COLUMNS}) VALUES (:seq, {_DECISION_VALUES})", seq=seq,
                     **values)
        if decision.assigned:
            self.q.last(
                "WITH seat AS (UPDATE agent SET open_load = open_load + 1, last_assigned = CASE WHEN :rotation "
                f"THEN :seq ELSE last_assigned END WHERE id = :agent AND {_SEAT_FREE} RETURNING 1) "
                "SELECT sticky_seat_taken(count(*)) FROM seat",
                seq=seq, rotation=rotation, agent=decision.agent, needs_room=decision.needs_room, yes=True, no=False)
        return seq

    def free_seat(self, agent_id: str) -> None:
        self.q.last("UPDATE agent SET open_load = open_load - 1 WHERE id = :agent", agent=agent_id)

    def decision(self, decision_id: int) -> DecisionRecord | None:
        row = self.q.one(f"SELECT {_DECISION_COLUMNS} FROM decision WHERE id = :id", id=decision_id)
        return _decision(row) if row else None

    def decisions(self, conversation_id: str) -> list[DecisionRecord]:
        rows = self.q.all(f"SELECT {_DECISION_COLUMNS} FROM decision WHERE conversation_id = :conv ORDER BY id",
                          conv=conversation_id)
        return [_decision(r) for r in rows]

    def decision_before(self, conversation_id: str, decision_id: int | None) -> DecisionRecord | None:
        """The conversation's decision just before decision `decision_id` (None: its latest)."""
        if decision_id is None:
            return self.last_decision(conversation_id)
        row = self.q.one(f"SELECT {_DECISION_COLUMNS} FROM decision WHERE conversation_id = :conv AND id < :d "
                         "ORDER BY id DESC LIMIT 1", conv=conversation_id, d=decision_id)
        return _decision(row) if row else None

    def last_decision(self, conversation_id: str) -> DecisionRecord | None:
        row = self.q.one(f"SELECT {_DECISION_COLUMNS} FROM decision WHERE conversation_id = :conv "
                         "ORDER BY id DESC LIMIT 1", conv=conversation_id)
        return _decision(row) if row else None

    # --- conversations and the queue -------------------------------------------------------------------

    def conversation(self, conversation_id: str, *, for_update: bool = False) -> Conversation | None:
        locked, self._locked = self._locked, None
        if for_update and locked is not None and locked.id == conversation_id:
            return locked  # read locked by this transaction's preflight
        sql = f"SELECT {_CONVERSATION_COLUMNS} FROM conversation WHERE id = :id"
        row = self.q.one(self.q.locking(sql) if for_update else sql, id=conversation_id)
        return _conversation(row) if row is not None else None

    def save_conversation(self, conv: Conversation) -> None:
        q = self.q
        values = dict(id=conv.id, customer=conv.customer_id, status=str(conv.status), agent=conv.agent_id,
                      team=conv.team, url=conv.url, queued_at=q.ts(conv.queued_at), queue_seq=conv.queue_seq,
                      now=q.ts(self.clock.now()), held_since=q.ts(conv.held_since), held_until=q.ts(conv.held_until),
                      claim_due=q.ts(conv.claim_due), claimed_at=q.ts(conv.claimed_at))
        if conv.stored:
            q.later("UPDATE conversation SET customer_id = :customer, status = :status, agent_id = :agent, "
                    "team = :team, url = :url, queued_at = :queued_at, queue_seq = :queue_seq, updated_at = :now, "
                    "held_since = :held_since, held_until = :held_until, claim_due = :claim_due, "
                    "claimed_at = :claimed_at WHERE id = :id", **values)
            return
        # A concurrent first delivery of the same conversation fails here and is run again as a duplicate.
        q.later("INSERT INTO conversation (id, customer_id, status, agent_id, team, url, channel, created_at, "
                "queued_at, queue_seq, updated_at, held_since, held_until, claim_due, claimed_at, label) VALUES (:id, "
                ":customer, :status, :agent, :team, :url, :channel, :created_at, :queued_at, :queue_seq, :now, "
                ":held_since, :held_until, :claim_due, :claimed_at, :label)",
                channel=conv.channel, created_at=q.ts(conv.created_at), label=conv.label, **values)
        conv.stored = True

    def conversations_of(self, agent_id: str, status: ConversationStatus, *,
                         for_update: bool = False) -> list[Conversation]:
        sql = (f"SELECT {_CONVERSATION_COLUMNS} FROM conversation WHERE agent_id = :agent AND status = :status "
               "ORDER BY created_at, id")
        rows = self.q.all(self.q.locking(sql) if for_update else sql, agent=agent_id, status=str(status))
        return [_conversation(r) for r in rows]

    def queue_for(self, agent_id: str, teams: list[str], limit: int | None,
                  linked_since: datetime | None) -> list[Conversation]:
        """Queued conversations `agent_id` may take (not left out of them, not blocked for their customer), in
        the order it takes them: first those whose customer is linked to it by a link touched since
        `linked_since` (None: no preference), then oldest first. Locked; those another transaction holds are
        skipped."""
        marks = ", ".join(f":t{n}" for n in range(len(teams)))
        eligible = f"(c.team IS NULL OR c.team IN ({marks}))" if teams else "c.team IS NULL"
        own = "l.agent_id = :agent AND l.last_interaction_at >= :since" if linked_since is not None else "1 = 0"
        sql = (f"SELECT {', '.join('c.' + c for c in _CONVERSATION_COLUMNS.split(', '))} FROM conversation c "
               f"LEFT JOIN sticky_link l ON l.customer_id = c.customer_id WHERE c.status = 'unassigned' AND "
               f"{eligible} AND NOT EXISTS (SELECT 1 FROM left_out x WHERE x.conversation_id = c.id AND "
               "x.agent_id = :agent) AND NOT EXISTS (SELECT 1 FROM customer_block b WHERE "
               "b.customer_id = c.customer_id AND b.agent_id = :agent) "
               f"ORDER BY CASE WHEN {own} THEN 0 ELSE 1 END, c.queued_at, c.queue_seq"
               + (" LIMIT :limit" if limit is not None else ""))
        if self.q.pg:
            sql += " FOR UPDATE OF c SKIP LOCKED"
        rows = self.q.all(sql, agent=agent_id, since=self.q.ts(linked_since), limit=limit,
                          **{f"t{n}": t for n, t in enumerate(teams)})
        return [_conversation(r) for r in rows]

    def held_for(self, agent_id: str, limit: int | None) -> list[Conversation]:
        """Conversations held for `agent_id`, the longest waiting first; locked, skipping those another
        transaction holds."""
        sql = (f"SELECT {_CONVERSATION_COLUMNS} FROM conversation WHERE status = 'held' AND agent_id = :agent "
               "ORDER BY held_since, id" + (" LIMIT :limit" if limit is not None else ""))
        rows = self.q.all(self.q.locking(sql, skip_locked=True), agent=agent_id, limit=limit)
        return [_conversation(r) for r in rows]

    def holds_due(self, now: datetime, limit: int) -> list[Conversation]:
        """Held conversations whose wait is over; locked, skipping those another transaction holds."""
        sql = (f"SELECT {_CONVERSATION_COLUMNS} FROM conversation WHERE status = 'held' AND held_until <= :now "
               "ORDER BY held_until, id LIMIT :limit")
        return [_conversation(r) for r in self.q.all(self.q.locking(sql, skip_locked=True), now=self.q.ts(now),
                                                     limit=limit)]

    def claims_due(self, now: datetime, limit: int) -> list[Conversation]:
        """Assigned conversations not claimed by their deadline; locked, skipping those another holds."""
        sql = (f"SELECT {_CONVERSATION_COLUMNS} FROM conversation WHERE status = 'assigned' AND claim_due <= :now "
               "AND claimed_at IS NULL ORDER BY claim_due, id LIMIT :limit")
        return [_conversation(r) for r in self.q.all(self.q.locking(sql, skip_locked=True), now=self.q.ts(now),
                                                     limit=limit)]

    def held(self) -> list[Conversation]:
        return self.conversations_where("status = 'held' ORDER BY held_since, id")

    def conversations_where(self, where: str, **params) -> list[Conversation]:
        rows = self.q.all(f"SELECT {_CONVERSATION_COLUMNS} FROM conversation WHERE {where}", **params)
        return [_conversation(r) for r in rows]

    def left_out(self, conversation_id: str) -> frozenset[str]:
        rows = self.q.all("SELECT agent_id FROM left_out WHERE conversation_id = :conv", conv=conversation_id)
        return frozenset(r[0] for r in rows)

    def leave_out(self, conversation_id: str, agent_id: str) -> None:
        self.q.later("INSERT INTO left_out (conversation_id, agent_id) VALUES (:conv, :agent) "
                     "ON CONFLICT DO NOTHING", conv=conversation_id, agent=agent_id)

    def clear_left_out(self, conversation_id: str) -> None:
        self.q.later("DELETE FROM left_out WHERE conversation_id = :conv", conv=conversation_id)

    def queue(self) -> list[Conversation]:
        return self.conversations_where("status = 'unassigned' ORDER BY queued_at, queue_seq")
