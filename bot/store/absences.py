"""The store's statements on absences (CONTRACT.md 9.2)."""
from __future__ import annotations

import json
from datetime import datetime

from .records import AbsenceRecord
from .runner import Runner, dt

_COLUMNS = "id, agent_id, starts_at, ends_at, cover, note, source"


def _absence(row) -> AbsenceRecord:
    return AbsenceRecord(row[0], row[1], dt(row[2]), dt(row[3]), tuple(json.loads(row[4])), row[5], row[6])


class AbsenceStatements:
    q: Runner

    def absences(self, agent_id: str | None = None, *, since: datetime | None = None) -> list[AbsenceRecord]:
        """Absences (of one agent, or everyone's) not ended by `since` (None: all), by start, then agent."""
        where, params = [], {}
        if agent_id is not None:
            where.append("agent_id = :agent")
            params["agent"] = agent_id
        if since is not None:
            where.append("(ends_at IS NULL OR ends_at > :since)")
            params["since"] = self.q.ts(since)
        sql = f"SELECT {_COLUMNS} FROM absence" + (f" WHERE {' AND '.join(where)}" if where else "")
        return [_absence(r) for r in self.q.all(sql + " ORDER BY starts_at, agent_id, id", **params)]

    def absence(self, absence_id: int) -> AbsenceRecord | None:
        row = self.q.one(f"SELECT {_COLUMNS} FROM absence WHERE id = :id", id=absence_id)
        return _absence(row) if row else None

    def overlapping(self, agent_id: str, start: datetime, end: datetime | None,
                    other_than: int | None = None) -> AbsenceRecord | None:
        """The agent's first absence sharing time with [start, end) (None: no end); touching is not sharing."""
        before_end = " AND starts_at < :end" if end is not None else ""
        row = self.q.one(
            f"SELECT {_COLUMNS} FROM absence WHERE agent_id = :agent AND id <> :other "
            f"AND (ends_at IS NULL OR ends_at > :start){before_end} ORDER BY starts_at LIMIT 1",
            agent=agent_id, other=other_than if other_than is not None else -1, start=self.q.ts(start),
            end=self.q.ts(end))
        return _absence(row) if row else None

    def add_absence(self, absence: AbsenceRecord, at: datetime) -> AbsenceRecord:
        row = self.q.one(
            "INSERT INTO absence (agent_id, starts_at, ends_at, cover, note, source, created_at) "
            "VALUES (:agent, :start, :end, :cover, :note, :source, :at) RETURNING id",
            agent=absence.agent_id, start=self.q.ts(absence.start), end=self.q.ts(absence.end),
            cover=json.dumps(list(absence.cover)), note=absence.note, source=str(absence.source), at=self.q.ts(at))
        return AbsenceRecord(row[0], absence.agent_id, absence.start, absence.end, absence.cover, absence.note,
                             absence.source)

    def save_absence(self, absence: AbsenceRecord) -> None:
        self.q.run("UPDATE absence SET starts_at = :start, ends_at = :end, cover = :cover, note = :note "
                   "WHERE id = :id", id=absence.id, start=self.q.ts(absence.start), end=self.q.ts(absence.end),
                   cover=json.dumps(list(absence.cover)), note=absence.note)

    def delete_absence(self, absence_id: int) -> None:
        self.q.run("DELETE FROM absence WHERE id = :id", id=absence_id)
