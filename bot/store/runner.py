"""How the store talks to the database: one SQLAlchemy Connection per transaction.

Most statements are SQLAlchemy Core, run with `core()`. The webhook's hot path runs plain SQL on the same
connection's driver cursor with `one()`/`all()`/`later()`: SQLAlchemy's execution layer adds 12-15 us to each of
its dozen small statements on SQLite (which itself takes 2-3 us) and 30-40 us on PostgreSQL
(`bench/core_vs_raw.py`, figures in bench/README.md).
Plain statements are written once with :name parameters and work on SQLite and PostgreSQL alike; times are
stored exactly as SQLAlchemy stores them (UTC; text "YYYY-MM-DD HH:MM:SS.ffffff" on SQLite).

On PostgreSQL, writes nobody reads back (`later()`) wait and go out in one pipeline with the next read or the
COMMIT: one round trip instead of one each, and as few statements as keeps their meaning (`combined()`);
`last()` writes go after all of them (a seat: its row locked only until the COMMIT right behind it). On
SQLite they run at once (no network to save).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from .errors import Contention


class StaleConnection(Contention):
    """The pooled connection had died before this transaction used it: run the transaction again on another."""

_NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")
_pyformat: dict[str, str] = {}


class Runner:
    __slots__ = ("conn", "raw", "pg", "error", "pending", "closing", "answered")

    def __init__(self, conn: Connection):
        self.conn = conn
        self.raw = conn.connection.dbapi_connection
        self.pg = conn.dialect.name == "postgresql"
        self.error = conn.dialect.loaded_dbapi.Error
        self.pending: list[tuple[str, dict]] = []
        self.closing: list[tuple[str, dict]] = []  # deferred writes sent after every other deferred one
        self.answered = False  # the database answered a statement of this transaction

    # --- SQLAlchemy Core -------------------------------------------------------------------------

    def core(self, statement, rows: list[dict] | None = None):
        """Run a Core statement (after any deferred plain writes, so that order is kept); `rows` for an
        executemany."""
        self._send_pending()
        result = self.conn.execute(statement, rows) if rows is not None else self.conn.execute(statement)
        self.answered = True
        return result

    # --- plain SQL on the driver ------------------------------------------------------------------

    def one(self, sql: str, **params) -> tuple | None:
        return self._run(sql, params).fetchone()

    def all(self, sql: str, **params) -> list[tuple]:
        return self._run(sql, params).fetchall()

    def run(self, sql: str, **params) -> int:
        return self._run(sql, params).rowcount

    def many(self, statements: list[tuple[str, dict]]) -> list[list[tuple]]:
        """Several reads at once, each one's rows in order: on PostgreSQL in one round trip (one pipeline, with
        any deferred writes before them)."""
        if not self.pg:
            return [self._run(sql, params).fetchall() for sql, params in statements]
        cursors = [self.raw.cursor() for _ in statements]

        def send():
            for cursor, (sql, params) in zip(cursors, statements):
                cursor.execute(self._text(sql), params)
        self._pipelined(send, statements[0][0])
        return [c.fetchall() for c in cursors]

    def later(self, sql: str, **params) -> None:
        """A write whose result nobody reads: deferred on PostgreSQL, run now on SQLite."""
        if self.pg:
            self.pending.append((self._text(sql), params))
        else:
            self._run(sql, params)

    def last(self, sql: str, **params) -> None:
        """A deferred write that goes after every other deferred write (on PostgreSQL: just before the COMMIT,
        unless a read comes first), e.g. one that locks a row many transactions want, so that the lock is held
        for the rest of that one round trip only. Run now on SQLite."""
        if self.pg:
            self.closing.append((self._text(sql), params))
        else:
            self._run(sql, params)

    def locking(self, sql: str, skip_locked: bool = False) -> str:
        """`sql` (a SELECT) made to lock the rows it reads until commit: the one way the store locks rows.
        PostgreSQL locks them; SQLite needs nothing, as a write transaction holds the whole database."""
        if not self.pg:
            return sql
        return sql + (" FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE")

    def begin(self, immediate: bool) -> None:
        """Start the transaction on the driver (SQLAlchemy's Connection joins it if a Core statement runs).
        SQLite: BEGIN IMMEDIATE takes the single writer's turn up front. PostgreSQL: the driver begins with the
        first statement, sent in the same round trip."""
        if not self.pg:
            self._guard(lambda: self.raw.execute("BEGIN IMMEDIATE" if immediate else "BEGIN"), "BEGIN", None)

    def commit(self) -> None:
        finish = self.conn.commit if self.conn.in_transaction() else self.raw.commit
        if self.pending or self.closing:
            self._pipelined(finish, "COMMIT")
        else:
            self._guard(finish, "COMMIT", None)

    def rollback(self) -> None:
        self.pending.clear()
        self.closing.clear()
        if self.conn.in_transaction():
            self.conn.rollback()
        else:
            self.raw.rollback()

    def _text(self, sql: str) -> str:
        if not self.pg:
            return sql
        text = _pyformat.get(sql)
        if text is None:
            text = _pyformat[sql] = _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
        return text

    def _run(self, sql: str, params: dict):
        cursor = self.raw.cursor()
        if self.pending or self.closing or (self.pg and not self.answered):  # the first: the driver's BEGIN goes along
            self._pipelined(lambda: cursor.execute(self._text(sql), params), sql, params)
        else:
            self._guard(lambda: cursor.execute(self._text(sql), params), sql, params)
        return cursor

    def _pipelined(self, last, sql: str, params: dict | None = None) -> None:
        """The deferred writes, then `last`, in one pipeline: one round trip. Errors surface when the pipeline
        syncs, so the whole of it is guarded."""
        pending = combined(self.pending) + self.closing
        self.pending, self.closing = [], []

        def send():
            with self.raw.pipeline():
                writes = self.raw.cursor()
                for text, values in pending:
                    writes.execute(text, values)
                last()
        self._guard(send, sql, params)

    def _send_pending(self) -> None:
        if self.pending or self.closing:
            self._run("SELECT 1", {})

    def _guard(self, call, sql, params) -> None:
        try:
            call()
        except self.error as exc:
            # The same exception classes SQLAlchemy raises (IntegrityError, OperationalError, ...), so that
            # retries of lost races and the 503 for a database that went away work as everywhere else.
            gone = self.conn.dialect.is_disconnect(exc, self.raw, None)
            if gone:
                self.conn.invalidate()  # never handed out again
                if not self.answered:  # a pooled connection that died while idle: nothing was done on it
                    raise StaleConnection(str(exc).splitlines()[0][:200]) from exc
            raise DBAPIError.instance(sql, params, exc, self.error, connection_invalidated=gone) from exc
        self.answered = True

    # --- times ------------------------------------------------------------------------------------

    def ts(self, moment: datetime | None) -> Any:
        """A time as this database stores it."""
        if moment is None:
            return None
        moment = moment.astimezone(timezone.utc)
        # isoformat with microseconds always is strftime("%Y-%m-%d %H:%M:%S.%f"), at a fraction of its cost
        return moment if self.pg else moment.replace(tzinfo=None).isoformat(" ", "microseconds")


_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)\b", re.IGNORECASE)
_PARAM = re.compile(r"%\(([a-z_][a-z0-9_]*)\)s")
_plans: dict[tuple[str, ...], list[tuple[str, list[int]]]] = {}


def combined(writes: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Deferred writes (PostgreSQL text) as few statements as keeps their meaning: consecutive plain INSERT,
    UPDATE and DELETE statements become one, each a data-modifying WITH query (they all run, exactly once,
    and fail or commit together). The statements of one see the same snapshot and not each other's changes, so
    a write joins only if no write already in it is on a table it names; any other write stays as it is. Each
    statement costs the database and the driver about as much as a small write does; an event's writes were
    seven of them. The texts are the code's own, so how a sequence of them groups is worked out once."""
    texts = tuple(text for text, _ in writes)
    plan = _plans.get(texts)
    if plan is None:
        plan = _plans[texts] = _plan(texts)
    return [(sql, writes[members[0]][1] if len(members) == 1 else
             {f"w{n}_{name}": value for n, i in enumerate(members) for name, value in writes[i][1].items()})
            for sql, members in plan]


def _plan(texts: tuple[str, ...]) -> list[tuple[str, list[int]]]:
    """Each statement to send, with the positions of the writes it carries."""
    plan: list[tuple[str, list[int]]] = []
    group: list[int] = []
    tables: set[str] = set()

    def flush() -> None:
        if len(group) == 1:
            plan.append((texts[group[0]], list(group)))
        elif group:
            parts = [f"w{n} AS ({_PARAM.sub(lambda m, n=n: f'%(w{n}_{m.group(1)})s', texts[i])} RETURNING 1)"
                     for n, i in enumerate(group)]
            plan.append(("WITH " + ", ".join(parts) + " SELECT 1", list(group)))
        group.clear()
        tables.clear()

    for i, text in enumerate(texts):
        target = _WRITE.match(text)
        if target is None or " RETURNING " in text.upper() or text.lstrip()[:4].upper() == "WITH":
            flush()
            plan.append((text, [i]))
            continue
        if any(re.search(rf"\b{t}\b", text) for t in tables):
            flush()
        group.append(i)
        tables.add(target.group(1).lower())
    flush()
    return plan


def dt(value: Any) -> datetime | None:
    """A stored time, back as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
