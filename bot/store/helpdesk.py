"""The store's statements on a helpdesk's bookkeeping: what stickybot last applied of a conversation's state
there, and the answer a delivery got."""
from __future__ import annotations

from ..models import HelpdeskSeen
from .records import Seen
from .runner import Runner, dt

SEEN = HelpdeskSeen.__table__


class HelpdeskStatements:
    q: Runner

    def seen(self, conversation_id: str) -> Seen | None:
        row = self.q.one("SELECT updated_at, owner, group_id FROM helpdesk_seen WHERE conversation_id = :conv",
                         conv=conversation_id)
        return Seen(dt(row[0]), row[1], row[2]) if row else None

    def note_seen(self, conversation_id: str, seen: Seen) -> None:
        self.q.later("INSERT INTO helpdesk_seen (conversation_id, updated_at, owner, group_id) "
                   "VALUES (:conv, :at, :owner, :grp) ON CONFLICT (conversation_id) DO UPDATE SET "
                   "updated_at = excluded.updated_at, owner = excluded.owner, group_id = excluded.group_id "
                   "WHERE helpdesk_seen.updated_at < excluded.updated_at",
                   conv=conversation_id, at=self.q.ts(seen.updated_at), owner=seen.owner, grp=seen.group_id)

    def answer_of(self, key: str) -> str | None:
        """The answer the delivery or event known by `key` got, if it was applied."""
        row = self.q.one("SELECT answer FROM processed_event WHERE key = :key", key=key)
        return row[0] if row else None
