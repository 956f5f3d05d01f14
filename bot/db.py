"""Engines and transactions.

SQLite: WAL, a busy timeout, and write transactions that take the write lock up front
(BEGIN IMMEDIATE), so two writers never interleave. PostgreSQL: psycopg 3, pre-pinged
pool, row locks taken by the store where loads are read and updated. Both: a write
transaction that loses a race (unique key, deadlock, serialization) is run again.
"""
from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from .clock import Clock
from .groupcommit import GroupCommit
from .store import Contention, SqlStore
from .store.runner import Runner, StaleConnection

log = logging.getLogger(__name__)
T = TypeVar("T")

_RETRYABLE_PG_CODES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def normalize_url(url: str) -> str:
    """Accept the URLs platforms hand out (postgres://, postgresql://) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _tune_sqlite(engine)
        return engine
    # The session speaks UTC whatever the server's default is (options given in the URL are kept).
    given = make_url(url).query.get("options", "")
    options = " ".join(filter(None, [given if isinstance(given, str) else " ".join(given), "-c timezone=UTC"]))
    # No ping on every checkout (a round trip per transaction): a connection that died while pooled fails its
    # first statement, and the store runs the transaction again on another (store.runner.StaleConnection).
    return create_engine(url, pool_size=10, max_overflow=10, pool_recycle=1800, connect_args={"options": options})


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's begin event, not the driver, open transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints run off the request path (Checkpointer); this is only the backstop.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten with zeros, so that a forgotten customer's data leaves the file.
        cursor.execute("PRAGMA secure_delete=ON")
        # Reads through the OS page cache (mmap) and a bigger page cache: lookups among millions of links
        # then cost what lookups among thousands do.
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.connection.dbapi_connection.in_transaction:
            return  # the store began it on the driver already (store.runner.Runner.begin)
        immediate = conn.get_execution_options().get("sticky_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class _SqliteWriterLock:
    """SQLite has one writer at a time. Waiting for it in SQLite's busy handler means sleeping and polling
    (milliseconds each); waiting here means being woken the moment the writer before is done: a lock for
    the threads of this process, and an flock on a file beside the database for the other processes."""

    def __init__(self, database: str | None):
        self._threads = threading.Lock()
        self._path = f"{database}.writer-lock" if database and database != ":memory:" else None
        self._fd: int | None = None
        self._pid = os.getpid()

    def __enter__(self):
        self._threads.acquire()
        try:
            if self._path is not None:
                if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
                    self._fd, self._pid = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
                fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        return self

    def __exit__(self, *_exc):
        try:
            if self._path is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


class _Checkpointer:
    """Copies SQLite's write-ahead log back into the database every half second, off the request path.
    PASSIVE checkpoints never block writers; a commit then never pays for a checkpoint itself."""

    def __init__(self, engine: Engine, every_s: float = 0.5):
        self._engine, self._every = engine, every_s
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pid = os.getpid()

    def ensure_running(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._stop.clear()
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="stickybot-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                raw = self._engine.raw_connection()
                try:
                    raw.dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    raw.close()
            except Exception:  # the next round tries again; autocheckpoint is the backstop
                log.debug("WAL checkpoint skipped", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            self._thread.join(timeout=2)


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    if isinstance(exc, OperationalError):
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        return code in _RETRYABLE_PG_CODES or "database is locked" in str(exc)
    if isinstance(exc, DBAPIError):
        return getattr(getattr(exc, "orig", None), "sqlstate", None) in _RETRYABLE_PG_CODES
    return False


class Database:
    """The engine, and the one way to run a transaction: a SqlStore that lives for exactly one of them."""

    def __init__(self, url: str, on_commit: Callable[[dict], None] | None = None, clock: Clock | None = None,
                 zone: str = "UTC"):
        self.engine = make_engine(url)
        self.zone = zone  # agents without a time zone of their own are in this one
        # Told what a committed write transaction noted in `store.info` (e.g. the rules it decided by).
        self.on_commit = on_commit
        self.clock = clock or Clock()
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.is_postgres = self.engine.dialect.name == "postgresql"
        self._write_engine = self.engine.execution_options(sticky_write=True)
        self._writer = _SqliteWriterLock(self.engine.url.database) if self.is_sqlite else None
        self._checkpointer = _Checkpointer(self.engine) if self.is_sqlite else None
        self._group = GroupCommit(self._run_batch) if self.is_sqlite else None
        self._job_locks: dict[str, threading.Lock] = {}
        self._job_locks_guard = threading.Lock()

    def job_lock(self, name: str) -> threading.Lock:
        """The lock that keeps job `name` to one thread of this process (bot.jobs adds one across processes)."""
        with self._job_locks_guard:
            return self._job_locks.setdefault(name, threading.Lock())

    @contextmanager
    def reading(self) -> Iterator[SqlStore]:
        """A read-only transaction (rolled back at the end)."""
        with self.engine.connect() as conn:
            q = Runner(conn)
            q.begin(immediate=False)
            try:
                yield SqlStore(q, self.clock, self.zone)
            finally:
                q.rollback()

    @contextmanager
    def writing(self, again: bool = False) -> Iterator[SqlStore]:
        """One write transaction, committed on success and rolled back on any error. On SQLite it holds the
        single writer's turn from the start (BEGIN IMMEDIATE), so writers queue instead of colliding. `again`:
        the transaction runs again after losing a race (its store then takes seats at once: SqlStore)."""
        if self._checkpointer is not None:
            self._checkpointer.ensure_running()
        with self._writer or nullcontext(), self._write_engine.connect() as conn:
            q = Runner(conn)
            store = SqlStore(q, self.clock, self.zone, again)
            q.begin(immediate=True)
            try:
                yield store
                q.commit()
            except BaseException:
                try:
                    q.rollback()
                except Exception:
                    log.warning("rollback failed; the connection is discarded")
                    conn.invalidate()
                raise
        if self.on_commit is not None and store.info:
            self.on_commit(store.info)

    def read(self, work: Callable[[SqlStore], T]) -> T:
        for attempt in range(2):
            try:
                with self.reading() as store:
                    return work(store)
            except StaleConnection:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def transact(self, work: Callable[[SqlStore], T], attempts: int = 6, shared: bool = False) -> T:
        """Run `work` in a write transaction, again from the start if it lost a race. `shared`: on SQLite the
        transaction (and its commit) may be shared with others arriving at the same time (bot.groupcommit);
        `work` must then use only the store it is given."""
        for attempt in range(1, attempts + 1):
            try:
                if shared and self._group is not None:
                    return self._group.run(work)
                with self.writing(again=attempt > 1) as store:
                    return work(store)
            except (IntegrityError, OperationalError, DBAPIError, Contention) as exc:
                if attempt == attempts or not (isinstance(exc, Contention) or _retryable(exc)):
                    raise
                log.info("write transaction lost a race (%s: %s); trying again", type(exc).__name__,
                         str(getattr(exc, "orig", exc)).splitlines()[0][:200])
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    def _run_batch(self, items) -> None:
        """Group commit's one transaction: each work in a savepoint of its own, one commit for all."""
        if self._checkpointer is not None:
            self._checkpointer.ensure_running()
        with self._writer, self._write_engine.connect() as conn:
            q = Runner(conn)
            q.begin(immediate=True)
            try:
                for item in items:
                    store = SqlStore(q, self.clock, self.zone)
                    q.run("SAVEPOINT work")
                    try:
                        item.result = item.work(store)
                        item.info = store.info
                    except Exception as exc:  # this work alone is undone; its caller gets the error
                        q.run("ROLLBACK TO work")
                        item.error = exc
                    q.run("RELEASE work")
                q.commit()
            except BaseException:
                try:
                    q.rollback()
                except Exception:
                    conn.invalidate()
                raise
        if self.on_commit is not None:
            for item in items:
                if item.error is None and item.info:
                    self.on_commit(item.info)

    def scrub(self, attempts: int = 20) -> bool:
        """After erasing personal data: on SQLite, copy the write-ahead log into the database and truncate it,
        so that no old page holding the data stays in the -wal file (secure_delete zeroes it in the database
        itself). Readers in flight can delay it; True once done. PostgreSQL needs nothing here."""
        if not self.is_sqlite:
            return True
        for attempt in range(attempts):
            raw = self.engine.raw_connection()
            try:
                busy = raw.dbapi_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            finally:
                raw.close()
            if not busy:
                return True
            time.sleep(0.05 * (attempt + 1))
        log.warning("the write-ahead log could not be truncated after erasing data; the next checkpoint will")
        return False

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()
