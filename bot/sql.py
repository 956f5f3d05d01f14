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
    __slots__ = ("raw", "pg", "error", "pending", "defers")

    def __init__(self, raw, pg: bool, error: type[Exception], defers: bool = False):
        self.raw, self.pg, self.error = raw, pg, error
        # PostgreSQL, webhook path: writes nobody reads back wait here and go out in one pipeline,
        # with the next read or with COMMIT (one round trip instead of one each).
        self.pending: list[tuple[str, dict]] = []
        self.defers = defers and pg

    @classmethod
    def of(cls, session: Session) -> "Sql":
        """Raw access inside a Session's transaction (ORM changes made before it are flushed first)."""
        if session.new or session.dirty or session.deleted:
            session.flush()
        connection = session.connection()
        return cls(connection.connection.dbapi_connection, connection.dialect.name == "postgresql",
                   connection.dialect.loaded_dbapi.Error)

    def _text(self, sql: str) -> str:
        if self.pg:
            text = _pyformat.get(sql)
            if text is None:
                text = _pyformat[sql] = _NAMED.sub(r"%(\1)s", sql.replace("%", "%%")) \
                    .replace(" FOR_UPDATE", " FOR UPDATE").replace(" SKIP_LOCKED", " SKIP LOCKED")
            return text
        return sql.replace(" FOR_UPDATE", "").replace(" SKIP_LOCKED", "")

    def _run(self, sql: str, params: dict | None):
        cursor = self.raw.cursor()
        try:
            self._with_pending(lambda: cursor.execute(self._text(sql), params or {}))
        except self.error as exc:
            # The same exception classes SQLAlchemy raises (IntegrityError, OperationalError, ...), so that
            # retries of lost races and the 503 for a database that went away work as everywhere else.
            raise DBAPIError.instance(sql, params, exc, self.error) from exc
        return cursor

    def _with_pending(self, last) -> None:
        """Send the deferred writes and then `last`, in one pipeline (one round trip)."""
        if not self.pending:
            last()
            return
        pending, self.pending = self.pending, []
        with self.raw.pipeline():
            writes = self.raw.cursor()
            for text, values in pending:
                writes.execute(text, values)
            last()

    def later(self, sql: str, **params) -> None:
        """A write whose result nobody reads: deferred where that saves round trips, else run now."""
        if self.defers:
            self.pending.append((self._text(sql), params))
        else:
            self._run(sql, params)

    def commit(self) -> None:
        try:
            self._with_pending(self.raw.commit)
        except self.error as exc:
            raise DBAPIError.instance("COMMIT", None, exc, self.error) from exc

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
