"""The hot path's SQL, run on the DBAPI connection of the transaction SQLAlchemy opened.

Why: a webhook runs about a dozen small statements; through SQLAlchemy's execution layer each costs
60-220 us on these machines, straight on the driver about 4 us (see bench/README.md). SQLAlchemy still owns
the engine, pool, transactions (BEGIN IMMEDIATE on SQLite), migrations and everything off the hot path.

Statements are written once with :name parameters and work on SQLite and PostgreSQL alike; times are
stored exactly as SQLAlchemy stores them (UTC; text "YYYY-MM-DD HH:MM:SS.ffffff" on SQLite).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

_NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")
_pyformat: dict[str, str] = {}


class Sql:
    __slots__ = ("raw", "pg", "error")

    def __init__(self, raw, pg: bool, error: type[Exception]):
        self.raw, self.pg, self.error = raw, pg, error

    @classmethod
    def of(cls, session: Session) -> "Sql":
        """Raw access inside a Session's transaction (ORM changes made before it are flushed first)."""
        if session.new or session.dirty or session.deleted:
            session.flush()
        connection = session.connection()
        return cls(connection.connection.dbapi_connection, connection.dialect.name == "postgresql",
                   connection.dialect.loaded_dbapi.Error)

    def _run(self, sql: str, params: dict | None):
        if self.pg:
            text = _pyformat.get(sql)
            if text is None:
                text = _pyformat[sql] = _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
            sql = text.replace(" FOR_UPDATE", " FOR UPDATE").replace(" SKIP_LOCKED", " SKIP LOCKED")
        else:
            sql = sql.replace(" FOR_UPDATE", "").replace(" SKIP_LOCKED", "")
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql, params or {})
        except self.error as exc:
            # The same exception classes SQLAlchemy raises (IntegrityError, OperationalError, ...), so that
            # retries of lost races and the 503 for a database that went away work as everywhere else.
            raise DBAPIError.instance(sql, params, exc, self.error) from exc
        return cursor

    def one(self, sql: str, **params) -> tuple | None:
        return self._run(sql, params).fetchone()

    def all(self, sql: str, **params) -> list[tuple]:
        return self._run(sql, params).fetchall()

    def run(self, sql: str, **params) -> int:
        return self._run(sql, params).rowcount

    def ts(self, moment: datetime | None) -> Any:
        """A time as this database stores it."""
        if moment is None:
            return None
        moment = moment.astimezone(timezone.utc)
        return moment if self.pg else moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    @staticmethod
    def dt(value: Any) -> datetime | None:
        """A stored time, back as an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class RawTx:
    """A write transaction on a pooled DBAPI connection, for the webhook path (no ORM Session)."""

    def __init__(self, q: Sql):
        self.q = q
        self.info: dict = {}
        self._savepoints = 0

    def savepoint(self) -> "_Savepoint":
        self._savepoints += 1
        name = f"sticky_sp{self._savepoints}"
        self.q.run(f"SAVEPOINT {name}")
        return _Savepoint(self.q, name)


class _Savepoint:
    def __init__(self, q: Sql, name: str):
        self.q, self.name = q, name

    def commit(self) -> None:
        self.q.run(f"RELEASE SAVEPOINT {self.name}")

    def rollback(self) -> None:
        self.q.run(f"ROLLBACK TO SAVEPOINT {self.name}")
