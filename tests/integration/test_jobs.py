"""The scheduler's jobs: link expiry, queue sweep, exclusivity, concurrent outbox delivery."""
from __future__ import annotations

import subprocess
import sys
import itertools
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import insert, update
from sqlmodel import select

from bot import jobs
from bot.clock import now
from bot.models import StickyLink, WorkspaceSettings
from tests.conftest import orm, PG_URL


def add_links(db, *ages: timedelta, prefix="c"):
    moment = now()
    with orm(db) as session:
        session.execute(insert(StickyLink), [
            {"customer_id": f"{prefix}{n}", "agent_id": "alice", "last_interaction_at": moment - age}
            for n, age in enumerate(ages)])


def links(db) -> set[str]:
    with orm(db) as session:
        return set(session.exec(select(StickyLink.customer_id)).all())


def test_expiry_removes_exactly_the_stale_links_at_the_boundary_too(app):
    db = app.extensions["stickybot"].db
    add_links(db, timedelta(days=7, seconds=5), timedelta(days=30), timedelta(days=7, seconds=-5),
              timedelta(days=1), timedelta(0))
    assert jobs.expire_links(db) == 2
    assert links(db) == {"c2", "c3", "c4"}


def test_expiry_follows_the_window_setting(app, client):
    db = app.extensions["stickybot"].db
    add_links(db, timedelta(days=2), timedelta(hours=12))
    client.api("PATCH", "/api/settings", {"sticky_days": 1})
    assert jobs.expire_links(db) == 1 and links(db) == {"c1"}


def test_expiry_keeps_links_while_stickiness_is_off(app, client):
    db = app.extensions["stickybot"].db
    add_links(db, timedelta(days=400))
    client.api("PATCH", "/api/settings", {"sticky_days": 0})
    assert jobs.expire_links(db) == 0 and links(db) == {"c0"}


def test_expiry_of_100000_links_runs_in_batches(app, monkeypatch):
    db = app.extensions["stickybot"].db
    add_links(db, *[timedelta(days=8)] * 100_000)
    add_links(db, *[timedelta(days=1)] * 10, prefix="fresh")
    batches = []
    original = db.transact

    def counting(work, *args, **kwargs):
        batches.append(1)
        return original(work, *args, **kwargs)

    monkeypatch.setattr(db, "transact", counting)
    assert jobs.expire_links(db, batch=5000) == 100_000
    monkeypatch.undo()
    assert len(batches) >= 100_000 // 5000
    assert links(db) == {f"fresh{n}" for n in range(10)}


class RecordedRests(threading.Event):
    """A stop signal that is never set and records how long the job asked to rest."""

    def __init__(self):
        super().__init__()
        self.rests: list[float] = []

    def wait(self, timeout=None):
        self.rests.append(timeout)
        return False


def test_expiry_deletes_small_batches_and_rests_nine_times_as_long_as_each_took(app, monkeypatch):
    db = app.extensions["stickybot"].db
    add_links(db, *[timedelta(days=8)] * (2 * jobs.EXPIRE_BATCH + 5))
    ticks = itertools.count(0.0, 0.004)  # the job's clock moves 4 ms each time it is read
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    stop = RecordedRests()
    assert jobs.expire_links(db, stop) == 2 * jobs.EXPIRE_BATCH + 5
    # two full batches, each followed by a rest; the short third batch ends the job without one
    assert stop.rests == pytest.approx([jobs.REST_FACTOR * 0.004] * 2)
    assert links(db) == set()


def test_expiry_stops_between_batches_when_asked(app):
    db = app.extensions["stickybot"].db
    add_links(db, *[timedelta(days=8)] * 300)
    stop = threading.Event()
    stop.set()
    assert jobs.expire_links(db, stop, batch=100) == 0
    assert len(links(db)) == 300


def test_the_sweep_assigns_what_a_missed_drain_left_waiting(app, client):
    client.agent("alice", max_open=1)
    client.agent("bob")
    client.api("PATCH", "/api/settings", {"drain_unassigned": False})
    client.api("PATCH", "/api/agents/alice", {"status": "away"})
    client.api("PATCH", "/api/agents/bob", {"status": "away"})
    for n in range(3):
        client.event(conversation=f"q{n}", customer=f"c{n}")
    client.api("PATCH", "/api/agents/alice", {"status": "online"})
    client.api("PATCH", "/api/agents/bob", {"status": "online"})
    assert len(client.api("GET", "/api/unassigned").get_json()) == 3
    db = app.extensions["stickybot"].db
    assert jobs.sweep_queue(db) == 0  # drain is off: the sweep respects it
    with orm(db) as session:
        session.execute(update(WorkspaceSettings).values(drain_unassigned=True))
    assert jobs.sweep_queue(db) == 3
    loads = {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}
    assert loads == {"alice": 1, "bob": 2}


def test_a_job_runs_in_one_place_at_a_time(app):
    db = app.extensions["stickybot"].db
    with jobs.exclusive(db, "sweep_queue") as first:
        assert first is True
        seen = []
        t = threading.Thread(target=lambda: seen.append(jobs.exclusive(db, "sweep_queue").__enter__()))
        t.start()
        t.join()
        assert seen == [False]
    with jobs.exclusive(db, "sweep_queue") as again:
        assert again is True


@pytest.mark.skipif(not PG_URL, reason="advisory locks are PostgreSQL's")
def test_on_postgresql_the_lock_holds_across_connections(app):
    from sqlalchemy import text
    from bot.db import Database
    db = app.extensions["stickybot"].db
    other = Database(PG_URL)
    try:
        with jobs.exclusive(db, "expire_links") as mine:
            assert mine
            with other.engine.connect() as conn:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": jobs.lock_key("expire_links")}).scalar()
                assert got is False
    finally:
        other.dispose()


CONTENDER = """
import sys
from bot import jobs
from bot.db import Database
db = Database(sys.argv[1])
with jobs.exclusive(db, "sweep_queue") as mine:
    print("held" if mine else "refused", flush=True)
    sys.stdin.readline()
print("left", flush=True)
sys.stdin.readline()
db.dispose()
"""


class Contender:
    """Another process (its own connections, its own thread locks) entering `exclusive` for the same job."""

    def __init__(self, url: str):
        self.proc = subprocess.Popen([sys.executable, "-c", CONTENDER, url], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def says(self) -> str:
        return self.proc.stdout.readline().strip()

    def go_on(self) -> None:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.mark.skipif(not PG_URL, reason="the lock across processes is PostgreSQL's advisory lock")
def test_on_postgresql_a_job_held_by_another_process_is_refused_here_until_it_ends(app):
    db = app.extensions["stickybot"].db
    other = Contender(PG_URL)
    try:
        assert other.says() == "held"
        with jobs.exclusive(db, "sweep_queue") as mine:
            assert mine is False
        other.go_on()
        assert other.says() == "left"  # the block ended; the process (and its connection) is still there
        with jobs.exclusive(db, "sweep_queue") as mine:
            assert mine is True
    finally:
        other.close()


@pytest.mark.skipif(not PG_URL, reason="the lock across processes is PostgreSQL's advisory lock")
def test_on_postgresql_a_job_held_here_is_refused_to_another_process(app):
    db = app.extensions["stickybot"].db
    with jobs.exclusive(db, "sweep_queue") as mine:
        assert mine is True
        other = Contender(PG_URL)
        try:
            assert other.says() == "refused"
        finally:
            other.close()
    after = Contender(PG_URL)
    try:
        assert after.says() == "held"
    finally:
        after.close()


def test_concurrent_deliverers_never_send_a_row_twice(db_url):
    from tests.fakes.slack import FakeSlack
    from tests.integration.test_slack import slack_app
    from tests.conftest import StickyClient
    fake = FakeSlack().start()
    app = slack_app(db_url, fake)
    rt = app.extensions["stickybot"]
    try:
        client = StickyClient(app.test_client())
        client.agent("alice", slack="U_ALICE")
        for n in range(60):
            client.event(conversation=f"c{n}", customer=f"cust{n}")
        threads = [threading.Thread(target=lambda: [rt.outbox.deliver_due(limit=5) for _ in range(20)]) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(fake.posts("U_ALICE")) == 60
        assert fake.attempts() == 60
    finally:
        rt.close()
        fake.stop()


def test_retention_deletes_old_event_keys_and_finished_outbox_rows_in_batches_and_keeps_history(app, client):
    from bot.models import OutboxRow, ProcessedEvent
    rt = app.extensions["stickybot"]
    client.agent("alice")
    for n in range(7):
        client.event(conversation=f"c{n}", customer=f"cust{n}")
    old = now() - timedelta(days=31)
    with orm(rt.db) as session:
        session.execute(update(ProcessedEvent).where(ProcessedEvent.conversation_id.in_(["c0", "c1", "c2"]))
                        .values(received_at=old))
        ids = session.exec(select(OutboxRow.id).order_by(OutboxRow.id)).all()
        session.execute(update(OutboxRow).where(OutboxRow.id.in_(ids[:2])).values(state="delivered", sent_at=old))
        session.execute(update(OutboxRow).where(OutboxRow.id == ids[2]).values(state="failed", sent_at=old))
        session.execute(update(OutboxRow).where(OutboxRow.id == ids[3]).values(state="delivered", sent_at=now()))
        session.execute(update(OutboxRow).where(OutboxRow.id == ids[4]).values(next_attempt_at=old))  # pending
    assert jobs.retain(rt.db, 30, batch=2) == 6
    with orm(rt.db) as session:
        keys = session.exec(select(ProcessedEvent.conversation_id)).all()
        left = session.exec(select(OutboxRow.id).order_by(OutboxRow.id)).all()
    assert sorted(keys) == [f"c{n}" for n in range(3, 7)]
    assert left == ids[3:]
    assert len(client.api("GET", "/api/conversations/c0").get_json()["decisions"]) == 1  # the history stays


def test_retention_deletes_expired_dashboard_sessions_and_wrong_token_counts_whose_window_is_over(app, clock):
    from bot.models import DashboardSession, WrongToken
    from bot.service import access
    rt = app.extensions["stickybot"]
    opened = clock.now()
    rt.db.transact(lambda s: [s.open_session(f"old{n}", opened, opened + timedelta(hours=8)) for n in range(3)])
    rt.db.transact(lambda s: s.open_session("new", opened, opened + timedelta(hours=9)))
    for n in range(3):
        access.wrong_token(rt.db, f"192.0.2.{n}", opened)
    access.wrong_token(rt.db, "192.0.2.9", opened + timedelta(hours=8, minutes=1))
    clock.set(opened + timedelta(hours=8, minutes=5))
    assert jobs.retain(rt.db, 30, batch=2) == 6
    with orm(rt.db) as session:
        assert session.exec(select(DashboardSession.key)).all() == ["new"]
        assert session.exec(select(WrongToken.client)).all() == ["192.0.2.9"]
