"""A dict-backed Store: the unit tests' database. It keeps the SqlStore's rules (a seat only while the agent
has room, links never moving backwards, the queue's order), which tests/integration/test_store_contract.py
checks against both stores."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import routing
from bot.store.outbox import FailedDelivery
from bot.store.slack import Covered
from bot.store import (AbsenceRecord, AgentRecord, AuditRecord, Conversation, ConversationStatus, Counts, CustomerRecord,
                       DecisionRecord, OutboxItem, OutboxKind, OutboxState, Preflight, Seen, TeamRecord, WrongTokens)
from routing import Decision, MemoryDirectory
from tests.fakes.access import AccessFake


@dataclass
class _Row:
    id: int
    kind: OutboxKind
    payload: dict
    created_at: datetime
    state: OutboxState = OutboxState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None


@dataclass
class FakeStore(AccessFake):
    now: datetime = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)  # the time rows are written at
    settings_: routing.Settings = field(default_factory=routing.Settings)
    agents_: dict[str, AgentRecord] = field(default_factory=dict)
    teams_: dict[str, TeamRecord] = field(default_factory=dict)
    memberships: dict[str, list[str]] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    decisions_: list[DecisionRecord] = field(default_factory=list)
    customers: dict[str, CustomerRecord] = field(default_factory=dict)
    links: dict[str, routing.Link] = field(default_factory=dict)
    broken: dict[str, routing.Link] = field(default_factory=dict)   # customer -> the link an admin broke
    processed: dict[str, str] = field(default_factory=dict)
    outbox: list[_Row] = field(default_factory=list)
    blocks: set[tuple[str, str]] = field(default_factory=set)        # (customer, agent)
    left: set[tuple[str, str]] = field(default_factory=set)          # (conversation, agent)
    messages: dict[int, tuple[str, str]] = field(default_factory=dict)
    audited: list[AuditRecord] = field(default_factory=list)
    sessions_: dict[str, datetime] = field(default_factory=dict)       # session key -> expires at
    wrong: dict[str, WrongTokens] = field(default_factory=dict)         # client -> its window
    absences_: dict[int, AbsenceRecord] = field(default_factory=dict)
    slack_events: dict[str, tuple[str, str, datetime, datetime]] = field(default_factory=dict)  # id -> user, ...
    homes: dict[str, datetime] = field(default_factory=dict)  # Slack user -> when its latest publish is due
    zone: str = "UTC"
    seen_: dict[str, Seen] = field(default_factory=dict)             # conversation -> a helpdesk's state applied
    paused: dict[str, datetime] = field(default_factory=dict)         # sender channel -> until
    info: dict = field(default_factory=dict)

    # --- arranging (tests only) ----------------------------------------------------------------------

    def add_agent(self, agent_id: str, *teams: str, status=routing.Status.ONLINE, max_open=None, **profile):
        for team in teams:
            self.teams_.setdefault(team, TeamRecord(team, team.title()))
        self.agents_[agent_id] = AgentRecord(id=agent_id, name=agent_id.title(), status=routing.Status(status),
                                             max_open=max_open, **profile)
        self.memberships[agent_id] = list(teams)
        return self

    def outbox_of(self, kind: OutboxKind) -> list[dict]:
        return [r.payload for r in self.outbox if r.kind == kind]

    # --- settings and idempotency -----------------------------------------------------------------------

    def settings(self) -> routing.Settings:
        return self.settings_

    def save_settings(self, **changes) -> routing.Settings:
        self.settings_ = replace(self.settings_, **changes)
        return self.settings_

    def preflight(self, key, conversation_id, customer_id, alias_key=None, team=None, at=None,
                  lock=False) -> Preflight:
        conv = self.conversations.get(conversation_id)
        at = at or self.now
        holder = self.agent(conv.holder, at=at) if conv is not None and conv.holder else None
        absent = holder is not None and routing.availability.absence_at(holder.routing, at) is not None
        idle = None
        if lock and conv is not None:
            idle = not any(c.status == ConversationStatus.UNASSIGNED or (
                c.status == ConversationStatus.HELD and c.agent_id == conv.agent_id)
                for c in self.conversations.values())
        return Preflight(self.processed.get(key) or self.processed.get(alias_key), conv.customer_id if conv else None,
                         self.settings_, self.links.get(customer_id), conv.channel if conv else None,
                         self.blocked(customer_id),
                         None if customer_id in self.links else self.broken.get(customer_id), absent, idle)

    def mark_processed(self, key, conversation_id, answer) -> None:
        if key in self.processed:
            raise AssertionError(f"event {key} processed twice")
        self.processed[key] = answer

    def answer_of(self, key):
        return self.processed.get(key)

    def seen(self, conversation_id):
        return self.seen_.get(conversation_id)

    def note_seen(self, conversation_id, seen) -> None:
        before = self.seen_.get(conversation_id)
        if before is None or before.updated_at < seen.updated_at:
            self.seen_[conversation_id] = seen

    # --- the directory ----------------------------------------------------------------------------------

    def directory(self, at=None) -> MemoryDirectory:
        return MemoryDirectory.of(*(self.agent(a, at=at).routing for a in self.agents_),
                                  memberships={a: tuple(t) for a, t in self.memberships.items()},
                                  teams=list(self.teams_))

    def agent(self, agent_id, *, for_update=False, at=None) -> AgentRecord | None:
        found = self.agents_.get(agent_id)
        if found is None:
            return None
        away = tuple(a.routing for a in self.absences(agent_id, since=at)) if at is not None else ()
        return replace(found, teams=tuple(sorted(self.memberships.get(agent_id, ()))),
                       zone=found.time_zone or self.zone, absences=away)

    def agents(self, *, active_only=False, at=None) -> list[AgentRecord]:
        return [self.agent(a, at=at) for a in sorted(self.agents_) if self.agents_[a].active or not active_only]

    def _matching(self, search, active_only):
        wanted = (search or "").lower()
        return [a for a in sorted(self.agents_) if (self.agents_[a].active or not active_only)
                and (not wanted or any(wanted in (v or "").lower() for v in (a, self.agents_[a].name,
                                                                              self.agents_[a].email)))]

    def agents_page(self, limit, after=None, *, search=None, active_only=False, at=None):
        found = [a for a in self._matching(search, active_only) if after is None or a > after]
        return [self.agent(a, at=at) for a in found[:limit]]

    def count_agents(self, *, search=None, active_only=False):
        return len(self._matching(search, active_only))

    # --- absences --------------------------------------------------------------------------------------

    def absences(self, agent_id=None, *, since=None):
        found = [a for a in self.absences_.values() if (agent_id is None or a.agent_id == agent_id)
                 and (since is None or a.end is None or a.end > since)]
        return sorted(found, key=lambda a: (a.start, a.agent_id, a.id))

    def absence(self, absence_id):
        return self.absences_.get(absence_id)

    def overlapping(self, agent_id, start, end, other_than=None):
        return next((a for a in self.absences(agent_id) if a.id != other_than and (a.end is None or a.end > start)
                     and (end is None or a.start < end)), None)

    def add_absence(self, absence, at):
        made = replace(absence, id=max(self.absences_, default=0) + 1)
        self.absences_[made.id] = made
        return made

    def save_absence(self, absence) -> None:
        self.absences_[absence.id] = absence

    def delete_absence(self, absence_id) -> None:
        self.absences_.pop(absence_id, None)

    def agent_owning_email(self, email, other_than=None):
        return next((a.id for a in self.agents_.values() if a.email and a.email.lower() == email.lower()
                     and a.id != other_than), None)

    def agent_for_slack_user(self, user_id):
        return next((self.agent(a.id) for a in self.agents_.values() if a.slack_user_id == user_id and a.active), None)

    def agent_for_outside_user(self, channel, user_id):
        return next((a.id for a in self.agents_.values() if a.outside_id(channel) == user_id), None)

    def save_agent(self, agent: AgentRecord) -> None:
        kept = self.agents_.get(agent.id)
        self.agents_[agent.id] = replace(agent, teams=(), open_load=kept.open_load if kept else 0,
                                         last_assigned=kept.last_assigned if kept else None)

    def set_memberships(self, agent_id, teams) -> None:
        self.memberships[agent_id] = list(dict.fromkeys(teams))

    def team(self, team_id):
        found = self.teams_.get(team_id)
        if found is None:
            return None
        return replace(found, members=tuple(sorted(a for a, ts in self.memberships.items() if team_id in ts)))

    def teams(self, *, members=True):
        return [self.team(t) if members else self.teams_[t] for t in sorted(self.teams_)]

    def team_for_outside(self, channel, team_id):
        return next((t.id for t in self.teams_.values() if t.outside_id(channel) == team_id), None)

    def save_team(self, team: TeamRecord) -> None:
        self.teams_[team.id] = replace(team, members=())

    def set_team_members(self, team_id, agent_ids) -> None:
        for agent, teams in self.memberships.items():
            if team_id in teams and agent not in agent_ids:
                teams.remove(team_id)
        for agent in agent_ids:
            self.memberships.setdefault(agent, [])
            if team_id not in self.memberships[agent]:
                self.memberships[agent].append(team_id)

    # --- seats and decisions ------------------------------------------------------------------------------

    def record_decision(self, conversation_id, decision: Decision, at, event_id, *, rotation, trigger) -> int | None:
        seq = len(self.decisions_) + 1
        if decision.assigned:
            agent = self.agents_.get(decision.agent)
            if agent is None or not agent.active or (decision.needs_room and not agent.seat_free):
                return None
            self.agents_[agent.id] = replace(agent, open_load=agent.open_load + 1,
                                             last_assigned=seq if rotation else agent.last_assigned)
        self.decisions_.append(DecisionRecord(seq, conversation_id, str(decision.status), decision.agent,
                                              decision.team, str(decision.rule), decision.reason, at, event_id,
                                              str(trigger), decision.returning, decision.window_passed,
                                              str(decision.miss) if decision.miss else None, decision.linked_agent,
                                              decision.held_until))
        return seq

    def free_seat(self, agent_id) -> None:
        agent = self.agents_[agent_id]
        self.agents_[agent_id] = replace(agent, open_load=agent.open_load - 1)

    def decision(self, decision_id):
        return next((d for d in self.decisions_ if d.id == decision_id), None)

    def decisions(self, conversation_id):
        return [d for d in self.decisions_ if d.conversation_id == conversation_id]

    def decision_before(self, conversation_id, decision_id):
        found = [d for d in self.decisions(conversation_id) if decision_id is None or d.id < decision_id]
        return found[-1] if found else None

    def last_decision(self, conversation_id):
        found = self.decisions(conversation_id)
        return found[-1] if found else None

    # --- conversations and the queue ------------------------------------------------------------------------

    def conversation(self, conversation_id, *, for_update=False):
        found = self.conversations.get(conversation_id)
        return copy.copy(found) if found else None

    def save_conversation(self, conv: Conversation) -> None:
        if not conv.stored and conv.id in self.conversations:
            raise AssertionError(f"conversation {conv.id} inserted twice")
        conv.stored = True
        self.conversations[conv.id] = copy.copy(conv)

    def conversations_of(self, agent_id, status, *, for_update=False):
        return sorted((copy.copy(c) for c in self.conversations.values() if c.agent_id == agent_id
                       and c.status == status), key=lambda c: (c.created_at, c.id))

    def queue_for(self, agent_id, teams, limit, linked_since):
        def own(c: Conversation) -> bool:
            link = self.links.get(c.customer_id)
            return linked_since is not None and link is not None and link.agent_id == agent_id \
                and link.last_interaction_at >= linked_since
        eligible = [c for c in self.queue() if (c.team is None or c.team in teams)
                    and (c.id, agent_id) not in self.left and (c.customer_id, agent_id) not in self.blocks]
        ordered = sorted(eligible, key=lambda c: (0 if own(c) else 1, c.queued_at, c.queue_seq))
        return ordered if limit is None else ordered[:limit]

    def held_for(self, agent_id, limit):
        found = sorted((c for c in self._in(ConversationStatus.HELD) if c.agent_id == agent_id),
                       key=lambda c: (c.held_since, c.id))
        return found if limit is None else found[:limit]

    def holds_due(self, now, limit):
        return sorted((c for c in self._in(ConversationStatus.HELD) if c.held_until <= now),
                      key=lambda c: (c.held_until, c.id))[:limit]

    def claims_due(self, now, limit):
        return sorted((c for c in self._in(ConversationStatus.ASSIGNED) if c.claim_due is not None
                       and c.claim_due <= now and c.claimed_at is None), key=lambda c: (c.claim_due, c.id))[:limit]

    def held(self):
        return sorted(self._in(ConversationStatus.HELD), key=lambda c: (c.held_since, c.id))

    def _in(self, status):
        return [copy.copy(c) for c in self.conversations.values() if c.status == status]

    def left_out(self, conversation_id):
        return frozenset(a for c, a in self.left if c == conversation_id)

    def leave_out(self, conversation_id, agent_id) -> None:
        self.left.add((conversation_id, agent_id))

    def clear_left_out(self, conversation_id) -> None:
        self.left = {(c, a) for c, a in self.left if c != conversation_id}

    def one_at_a_time(self, what):
        pass  # one test, one transaction at a time

    def count_conversations(self, status):
        return len(self._in(status))

    def queue_page(self, limit, after=None):
        return [c for c in self.queue() if after is None or (c.queued_at, c.queue_seq) > after][:limit]

    def held_page(self, limit, after=None):
        return [c for c in self.held() if after is None or (c.held_since, c.id) > after][:limit]

    def queue(self):
        return sorted((copy.copy(c) for c in self.conversations.values()
                       if c.status == ConversationStatus.UNASSIGNED), key=lambda c: (c.queued_at, c.queue_seq))

    # --- customers and links --------------------------------------------------------------------------------

    def customer(self, customer_id):
        return self.customers.get(customer_id)

    def remember_customer(self, customer_id, name, email) -> None:
        before = self.customers.get(customer_id) or CustomerRecord(customer_id)
        self.customers[customer_id] = CustomerRecord(customer_id, name or before.name, email or before.email)

    def blocked(self, customer_id):
        return frozenset(a for c, a in self.blocks if c == customer_id)

    def link(self, customer_id):
        return self.links.get(customer_id)

    def set_link(self, customer_id, agent_id, at) -> None:
        before = self.links.get(customer_id)
        if before is None or before.last_interaction_at <= at:
            self.links[customer_id] = routing.Link(agent_id, at)

    def touch_link(self, customer_id, agent_id, at) -> None:
        before = self.links.get(customer_id)
        if before is None or before.last_interaction_at >= at:
            return
        linked = self.agent(before.agent_id, at=at)
        absent = linked is not None and routing.availability.absence_at(linked.routing, at) is not None
        if before.agent_id == agent_id or absent:
            self.links[customer_id] = replace(before, last_interaction_at=at)

    def cover_link(self, customer_id, cover, at) -> None:
        before = self.links.get(customer_id)
        if before is not None and before.last_interaction_at <= at:
            self.links[customer_id] = routing.Link(before.agent_id, at, cover)

    def delete_link(self, customer_id, at):
        found = self.links.pop(customer_id, None)
        if found is not None and customer_id in self.customers:
            self.broken[customer_id] = routing.Link(found.agent_id, at)
        return found

    def broken_link(self, customer_id):
        return self.broken.get(customer_id)

    def block(self, customer_id, agent_id, at) -> bool:
        added = (customer_id, agent_id) not in self.blocks
        self.blocks.add((customer_id, agent_id))
        return added

    def unblock(self, customer_id, agent_id) -> bool:
        found = (customer_id, agent_id) in self.blocks
        self.blocks.discard((customer_id, agent_id))
        return found

    def hand_links_over(self, from_agent, to_agent) -> int:
        moved = [c for c, link in self.links.items() if link.agent_id == from_agent
                 and (c, to_agent) not in self.blocks]
        for customer in moved:
            self.links[customer] = routing.Link(to_agent, self.links[customer].last_interaction_at)
        return len(moved)

    def audit(self, at, actor, action, target, before, after) -> None:
        self.audited.append(AuditRecord(len(self.audited) + 1, at, actor, action, target, before, after))

    def audit_page(self, limit, before_id=None):
        return [e for e in reversed(self.audited) if before_id is None or e.id < before_id][:limit]

    def actor_of(self, action, at):
        return next((e.actor for e in self.audited if e.action == action and e.at == at), None)

    def last_audit(self, action):
        return next((e for e in reversed(self.audited) if e.action == action), None)

    def expire_links(self, older_than, batch) -> int:
        stale = [c for c, link in self.links.items() if link.last_interaction_at < older_than][:batch]
        for customer in stale:
            del self.links[customer]
        return len(stale)

    def forget_customer(self, customer_id, alias):
        convs = [c for c in self.conversations.values() if c.customer_id == customer_id]
        removed = self.links.pop(customer_id, None) is not None
        self.broken.pop(customer_id, None)
        removed = self.customers.pop(customer_id, None) is not None or removed
        if not convs and not removed:
            return None
        for conv in convs:
            conv.customer_id, conv.url = alias, None
        self.audited = [replace(e, target=alias) if e.target == customer_id else e for e in self.audited]
        return len(convs)

    # --- Slack's signals and App Homes ------------------------------------------------------------------------

    def note_slack_event(self, event_id, user_id, signal, event_time, at) -> str:
        if event_id in self.slack_events:
            return "duplicate"
        self.slack_events[event_id] = (user_id, signal, event_time, at)
        newer = any(u == user_id and s == signal and t > event_time for u, s, t, _ in self.slack_events.values())
        return "stale" if newer else "new"

    def prune_slack_events(self, before, batch) -> int:
        old = [k for k, (u, s, t, at) in self.slack_events.items() if at < before and any(
            u2 == u and s2 == s and t2 > t for u2, s2, t2, _ in self.slack_events.values())][:batch]
        for key in old:
            del self.slack_events[key]
        return len(old)

    def want_home(self, user_id, now, every_s, opened) -> bool:
        every = timedelta(seconds=every_s)
        if opened:
            self.homes.setdefault(user_id, now - every)
        last = self.homes.get(user_id)
        if last is None or last > now:
            return False
        due = max(now, last + every)
        self.homes[user_id] = due
        self.outbox.append(_Row(len(self.outbox) + 1, OutboxKind.SLACK_HOME, {"user": user_id}, now,
                                next_attempt_at=due))
        return True

    def covered_customers(self, agent_id, limit):
        found = []
        for customer_id, link in sorted(self.links.items(), key=lambda kv: (-kv[1].last_interaction_at.timestamp(),
                                                                             kv[0])):
            if link.agent_id != agent_id or link.covered_by is None:
                continue
            known = self.customers.get(customer_id)
            convs = sorted(c.id for c in self.conversations.values() if c.customer_id == customer_id
                           and c.status == ConversationStatus.ASSIGNED and c.agent_id != agent_id)
            for conv_id in convs or [None]:
                conv = self.conversations.get(conv_id) if conv_id else None
                found.append(Covered(customer_id, known.name if known else None, link.covered_by,
                                     link.last_interaction_at, conv_id, conv.agent_id if conv else None,
                                     conv.url if conv else None))
        return found[:limit]

    # --- the outbox ------------------------------------------------------------------------------------------

    def enqueue(self, kind, payload) -> None:
        self.outbox.append(_Row(len(self.outbox) + 1, OutboxKind(kind), json.loads(json.dumps(payload)), self.now,
                                next_attempt_at=self.now))

    def remember_message(self, decision_id, channel, ts) -> None:
        self.messages[decision_id] = (channel, ts)

    def message_of(self, decision_id):
        return self.messages.get(decision_id)

    def enqueue_unless_recent(self, kind, payload, now, within_s) -> bool:
        if any(r.kind == kind and r.created_at > now - timedelta(seconds=within_s) for r in self.outbox):
            return False
        self.enqueue(kind, payload)
        return True

    def _due(self, kinds, now):
        return [r for r in self.outbox if r.state == OutboxState.PENDING and r.kind in kinds
                and r.next_attempt_at <= now and (r.lease_until is None or r.lease_until < now)]

    def any_due(self, kinds, now) -> bool:
        return bool(self._due(kinds, now))

    def claim_next(self, kinds, now, lease):
        due = self._due(kinds, now)
        if not due:
            return None
        row = due[0]
        row.lease_until, row.attempts = now + lease, row.attempts + 1
        return OutboxItem(row.id, row.kind, row.payload, row.attempts, row.lease_until)

    def finish(self, item, state, note=None, retry_at=None) -> bool:
        row = self.outbox[item.id - 1]
        if row.lease_until != item.lease_until:
            return False
        row.state, row.lease_until, row.last_error = OutboxState(state), None, note
        if state == OutboxState.PENDING:
            row.next_attempt_at = retry_at or self.now
        else:
            row.sent_at = self.now
        return True

    def retry_failed(self, kinds=None) -> int:
        rows = [r for r in self.outbox if r.state == OutboxState.FAILED and (not kinds or r.kind in kinds)]
        for row in rows:
            row.state, row.next_attempt_at = OutboxState.PENDING, self.now
        return len(rows)

    def pauses(self, now):
        return {c: until for c, until in self.paused.items() if until > now}

    def pause(self, channel, until, error) -> None:
        self.paused[channel] = until

    def resume(self, channels=None):
        ended = sorted(c for c, until in self.paused.items() if until > self.now and (channels is None or c in channels))
        self.paused = {c: u for c, u in self.paused.items() if channels is not None and c not in channels}
        for row in self.outbox:
            if row.state == OutboxState.PENDING and row.kind.split(".")[0] in ended:
                row.next_attempt_at = self.now
        return ended

    def failed_deliveries(self, limit):
        return [FailedDelivery(r.id, str(r.kind), r.last_error, r.attempts, r.created_at, r.sent_at)
                for r in reversed(self.outbox) if r.state == OutboxState.FAILED][:limit]

    def counts(self, alarms=frozenset()) -> Counts:
        by_state: dict[str, int] = {}
        for row in self.outbox:
            by_state[str(row.state)] = by_state.get(str(row.state), 0) + 1
        alarmed: dict[str, int] = {}
        for row in self.outbox:
            if row.state == OutboxState.PENDING and row.last_error in alarms:
                alarmed[row.last_error] = alarmed.get(row.last_error, 0) + 1
        online = sum(1 for a in self.agents_.values() if a.active and a.status == routing.Status.ONLINE)
        return Counts(queue=len(self.queue()), links=len(self.links), outbox=by_state, alarms=alarmed,
                      held=len(self.held()), online=online)
