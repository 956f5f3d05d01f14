"""Shared fixtures: a migrated database per test (SQLite file, or PostgreSQL when
STICKY_TEST_DATABASE_URL names one), the app on it, and really signed requests."""
from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from urllib.parse import quote

from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot import create_app
from bot.clock import FrozenClock
from bot.config import Config
from bot.db import Database
from bot.migrate import upgrade
from integrations.signing import sign
from tests.fakes.slack import FakeSlack

WEBHOOK_SECRET = "test-webhook-secret"
ADMIN_TOKEN = "test-admin-token"
PG_URL = os.environ.get("STICKY_TEST_DATABASE_URL")
TABLES = ["membership", "decision", "processed_event", "outbox", "sticky_link", "conversation", "left_out", "absence",
          "customer_block", "slack_message", "audit", "dashboard_session", "wrong_token",
          "customer", "agent", "team", "settings"]


@pytest.fixture(scope="session")
def _template(tmp_path_factory) -> str:
    """A database migrated once per run: a SQLite file to copy, or the PostgreSQL database itself."""
    if PG_URL:
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def db_url(_template, tmp_path) -> str:
    if PG_URL:
        reset_postgres(PG_URL)
        return PG_URL
    target = tmp_path / "stickybot.db"
    shutil.copy(_template, target)
    return f"sqlite:///{target}"


def reset_postgres(url: str) -> None:
    db = Database(url)
    try:
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
            conn.execute(text("INSERT INTO settings (id, sticky_days, availability_check, drain_unassigned) "
                              "VALUES (1, 7, true, true)"))
    finally:
        db.dispose()


@contextmanager
def orm(db: Database):
    """An ORM session on the app's database, committed at the end: for tests that arrange or inspect rows
    behind the product's back."""
    with Session(db.engine, expire_on_commit=False) as session:
        yield session
        session.commit()


def make_config(db_url: str, **overrides) -> Config:
    base = Config(database_url=db_url, webhook_secret=WEBHOOK_SECRET, admin_token=ADMIN_TOKEN,
                  scheduler=False, deliver_after_commit=False)
    return base.with_(**overrides)


@pytest.fixture
def config(db_url) -> Config:
    return make_config(db_url)


@pytest.fixture
def clock() -> FrozenClock:
    """The server's clock for admin calls, Slack actions and jobs: it stands still until a test moves it."""
    return FrozenClock()


@pytest.fixture
def app(config, clock):
    app = create_app(config, clock=clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def client(app):
    return StickyClient(app.test_client())


@pytest.fixture
def slack():
    """A fake Slack Web API on a local port; what stickybot posted is in its calls."""
    fake = FakeSlack().start()
    yield fake
    fake.stop()


class StickyClient:
    """The Flask test client with stickybot's signing and auth applied."""

    def __init__(self, http):
        self.http = http

    def signed(self, body: bytes, *, secret=WEBHOOK_SECRET, timestamp=None, headers=None, path="/webhooks/widget"):
        stamp = int(time.time()) if timestamp is None else timestamp
        sent = {"X-Sticky-Timestamp": str(stamp), "X-Sticky-Signature": f"v1={sign(secret, stamp, body)}",
                "Content-Type": "application/json"}
        sent.update(headers or {})
        return self.http.post(path, data=body, headers=sent)

    def event(self, **fields):
        response = self.signed(json.dumps(event_body(**fields)).encode())
        return response

    def api(self, method: str, path: str, body=None, token=ADMIN_TOKEN):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.open(path, method=method, json=body, headers=headers)

    def team(self, team_id, name=None):
        r = self.api("PUT", f"/api/teams/{quote(team_id, safe='')}", {"name": name or team_id.title()})
        assert r.status_code in (200, 201), r.get_json()
        return r.get_json()

    def agent(self, agent_id, *teams, status="online", max_open=None, email=None, slack=None):
        for team in teams:
            self.team(team)
        r = self.api("PUT", f"/api/agents/{quote(agent_id, safe='')}", {
            "name": agent_id.title(), "email": email, "slack_user_id": slack, "teams": list(teams),
            "status": status, "max_open": max_open})
        assert r.status_code in (200, 201), r.get_json()
        return r.get_json()


def event_body(type="conversation.created", id=None, at="2026-11-24T10:00:00Z", conversation="conv_1",
               customer="cust_42", **extra) -> dict:
    body = {"id": id or f"evt_{uuid.uuid4().hex[:12]}", "type": type, "occurred_at": at,
            "conversation": {"id": conversation, "url": f"https://help.example.com/c/{conversation}"}}
    if customer is not None:
        body["customer"] = {"id": customer, "name": "Ada Lovelace", "email": "ada@example.com"}
    body.update(extra)
    return body


def snapshot(app) -> dict:
    """Everything stored: every row of every table, in a stable order; but the count of wrong admin tokens,
    which a refused request (401, 429) does write."""
    with app.extensions["stickybot"].db.engine.connect() as conn:
        return {t: sorted(tuple(map(str, row)) for row in conn.execute(text(f"SELECT * FROM {t}")))
                for t in TABLES if t != "wrong_token"}


def pytest_report_header(config):
    return f"stickybot database: {'PostgreSQL (' + PG_URL.split('@')[-1] + ')' if PG_URL else 'SQLite file per test'}"
