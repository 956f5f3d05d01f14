"""The store's paged reads of long lists (agents, the queue, held conversations): keyset pages, each read
seeking to its cursor through an index and reading at most `limit` rows (bot.service.paging decides the
limits and makes the cursors)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from .directory import _ABSENCES, _PROFILE_COLUMNS, absences_by_agent
from .records import AgentRecord, Conversation
from .runner import Runner

_AGENT_COLUMNS = ", ".join(_PROFILE_COLUMNS)


def like_pattern(text: str) -> str:
    """`text` anywhere, case-insensitive, with LIKE's own wildcards taken literally (escaped with `\\`)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _agent_filter(search: str | None, active_only: bool) -> tuple[list[str], dict]:
    where, params = [], {}
    if active_only:
        where.append("active = :yes")
        params["yes"] = True
    if search:
        where.append("(lower(id) LIKE :pat ESCAPE '\\' OR lower(name) LIKE :pat ESCAPE '\\' "
                     "OR lower(coalesce(email, '')) LIKE :pat ESCAPE '\\')")
        params["pat"] = like_pattern(search)
    return where, params


class PageStatements:
    q: Runner
    zone: str

    def conversations_where(self, where: str, **params) -> list[Conversation]: ...  # bot.store.sql

    def agents_page(self, limit: int, after: str | None = None, *, search: str | None = None,
                    active_only: bool = False, at: datetime | None = None) -> list[AgentRecord]:
        """Up to `limit` agents by id after `after`, those whose id, name or e-mail contains `search` (any
        case); with their teams, and with `at` their absences not ended by then (read for these agents only)."""
        where, params = _agent_filter(search, active_only)
        if after is not None:
            where.append("id > :after")
            params["after"] = after
        sql = f"SELECT {_AGENT_COLUMNS} FROM agent" + (f" WHERE {' AND '.join(where)}" if where else "")
        rows = self.q.all(sql + " ORDER BY id LIMIT :limit", limit=limit, **params)
        if not rows:
            return []
        ids = {f"a{n}": r[0] for n, r in enumerate(rows)}
        marks = ", ".join(f":{k}" for k in ids)
        statements = [(f"SELECT agent_id, team_id FROM membership WHERE agent_id IN ({marks}) ORDER BY team_id",
                       ids)]
        if at is not None:
            statements.append((f"{_ABSENCES} AND ab.agent_id IN ({marks})", dict(at=self.q.ts(at), **ids)))
        answers = self.q.many(statements)
        teams: dict[str, list[str]] = {}
        for agent_id, team_id in answers[0]:
            teams.setdefault(agent_id, []).append(team_id)
        away = absences_by_agent(answers[1]) if at is not None else {}
        return [self._agent_record(r, tuple(teams.get(r[0], ())), away) for r in rows]

    def count_agents(self, *, search: str | None = None, active_only: bool = False) -> int:
        where, params = _agent_filter(search, active_only)
        sql = "SELECT count(*) FROM agent" + (f" WHERE {' AND '.join(where)}" if where else "")
        return self.q.one(sql, **params)[0]

    def one_at_a_time(self, what: str) -> None:
        """Wait until no other transaction that said the same `what` is running, then go on (until this
        transaction ends). PostgreSQL: an advisory lock on the name's hash, released at commit or rollback, or
        if the connection is lost; SQLite runs one write at a time already, and its reads do not wait."""
        if self.q.pg:
            key = int.from_bytes(hashlib.sha256(what.encode()).digest()[:8], "big", signed=True)
            self.q.one("SELECT pg_advisory_xact_lock(:key)", key=key)

    def count_conversations(self, status: str) -> int:
        return self.q.one("SELECT count(*) FROM conversation WHERE status = :status", status=str(status))[0]

    def queue_page(self, limit: int, after: tuple[datetime, int] | None = None) -> list[Conversation]:
        """Up to `limit` queued conversations in the queue's order (oldest first), after the one whose
        (queued_at, queue_seq) is `after`."""
        seek = " AND (queued_at, queue_seq) > (:at, :seq)" if after else ""
        at, seq = after if after else (None, None)
        return self.conversations_where(f"status = 'unassigned'{seek} ORDER BY queued_at, queue_seq LIMIT :limit",
                                   at=self.q.ts(at), seq=seq, limit=limit)

    def held_page(self, limit: int, after: tuple[datetime, str] | None = None) -> list[Conversation]:
        """Up to `limit` held conversations, the longest waiting first, after the one whose (held_since, id) is
        `after`."""
        seek = " AND (held_since, id) > (:at, :id)" if after else ""
        at, conv = after if after else (None, None)
        return self.conversations_where(f"status = 'held'{seek} ORDER BY held_since, id LIMIT :limit",
                                   at=self.q.ts(at), id=conv, limit=limit)
