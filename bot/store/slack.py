"""The store's statements for Slack's signals and App Homes (CONTRACT.md 9.4)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from .records import OutboxKind
from .runner import Runner, dt


@dataclass(frozen=True)
class Covered:
    """A returning customer of an agent whom someone covered while that agent was absent, and the open
    conversation the cover (or anyone else) has with them now, if any."""

    customer_id: str
    customer_name: str | None
    covered_by: str
    at: datetime                    # the link's time: the cover's last work for the customer
    conversation_id: str | None = None
    conversation_agent: str | None = None
    url: str | None = None


class SlackStatements:
    q: Runner

    def note_slack_event(self, event_id: str, user_id: str, signal: str, event_time: datetime,
                         at: datetime) -> str:
        """Record a Slack event as applied: "new", "duplicate" (its id was applied before) or "stale" (an event
        of the same user and signal with a later time was applied already). Counts even if it changes nothing."""
        added = self.q.run("INSERT INTO slack_event (event_id, slack_user_id, signal, event_time, applied_at) "
                           "VALUES (:id, :user, :signal, :time, :at) ON CONFLICT DO NOTHING", id=event_id,
                           user=user_id, signal=signal, time=self.q.ts(event_time), at=self.q.ts(at))
        if added == 0:
            return "duplicate"
        newer = self.q.one("SELECT 1 FROM slack_event WHERE slack_user_id = :user AND signal = :signal "
                           "AND event_time > :time LIMIT 1", user=user_id, signal=signal,
                           time=self.q.ts(event_time))
        return "stale" if newer else "new"

    def prune_slack_events(self, before: datetime, batch: int) -> int:
        """Delete up to `batch` events applied before `before`, keeping each user's newest per signal (what an
        older event is measured against)."""
        old = ("SELECT e.event_id FROM slack_event e WHERE e.applied_at < :before AND EXISTS (SELECT 1 FROM "
               "slack_event n WHERE n.slack_user_id = e.slack_user_id AND n.signal = e.signal AND "
               "n.event_time > e.event_time) LIMIT :batch")
        return self.q.run(f"DELETE FROM slack_event WHERE event_id IN ({old})", before=self.q.ts(before),
                          batch=batch)

    def want_home(self, user_id: str, now: datetime, every_s: float, opened: bool) -> bool:
        """Queue a publish of the user's App Home: due now, or `every_s` after the one before; none when one is
        queued and not due yet (it shows what is true when it is sent). Only for users whose Home was published
        before, unless they just `opened` it. Whether a publish was queued."""
        every = timedelta(seconds=every_s)
        if opened:
            self.q.run("INSERT INTO slack_home (slack_user_id, due_at) VALUES (:user, :due) ON CONFLICT DO NOTHING",
                       user=user_id, due=self.q.ts(now - every))
        row = self.q.one(self.q.locking("SELECT due_at FROM slack_home WHERE slack_user_id = :user"), user=user_id)
        if row is None or dt(row[0]) > now:
            return False
        due = max(now, dt(row[0]) + every)
        self.q.run("UPDATE slack_home SET due_at = :due WHERE slack_user_id = :user", user=user_id,
                   due=self.q.ts(due))
        self.q.later("INSERT INTO outbox (kind, payload, state, attempts, next_attempt_at, created_at) "
                     "VALUES (:kind, :payload, 'pending', 0, :due, :now)", kind=str(OutboxKind.SLACK_HOME),
                     payload=json.dumps({"user": user_id}), due=self.q.ts(due), now=self.q.ts(now))
        return True

    def covered_customers(self, agent_id: str, limit: int) -> list[Covered]:
        """The agent's returning customers someone covered (their link, still the agent's, names the cover),
        the latest first, each with an open conversation another agent has with them now."""
        rows = self.q.all(
            "SELECT l.customer_id, cu.name, l.covered_by, l.last_interaction_at, c.id, c.agent_id, c.url "
            "FROM sticky_link l LEFT JOIN customer cu ON cu.id = l.customer_id LEFT JOIN conversation c ON "
            "c.customer_id = l.customer_id AND c.status = 'assigned' AND c.agent_id <> l.agent_id "
            "WHERE l.agent_id = :agent AND l.covered_by IS NOT NULL "
            "ORDER BY l.last_interaction_at DESC, l.customer_id, c.id LIMIT :limit", agent=agent_id, limit=limit)
        return [Covered(r[0], r[1], r[2], dt(r[3]), r[4], r[5], r[6]) for r in rows]
