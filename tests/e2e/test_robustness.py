"""Hostile and unlucky input: generated bodies and headers, replays, the database going away."""
from __future__ import annotations

import json
import os
import shutil
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func
from sqlmodel import select

from bot import create_app
from bot.models import Conversation, ProcessedEvent
from integrations.signing import sign
from tests.conftest import PG_URL, WEBHOOK_SECRET, StickyClient, event_body, make_config, orm, snapshot

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)

FIELDS = ["id", "type", "occurred_at", "conversation", "customer", "team", "assign", "availability_check", "agent"]
TYPES = ["conversation.created", "conversation.reopened", "conversation.resolved", "conversation.assigned",
         "conversation.message", "conversation.nope", ""]


@st.composite
def mutated_events(draw):
    """A valid event with some fields replaced by anything, removed, or added."""
    body = event_body(type=draw(st.sampled_from(TYPES)), id=draw(st.text(min_size=0, max_size=140)),
                      conversation=draw(st.text(min_size=1, max_size=8)), agent="alice")
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        action = draw(st.sampled_from(["replace", "drop"]))
        if action == "drop":
            body.pop(field, None)
        else:
            body[field] = draw(json_values)
    if draw(st.booleans()):
        body[draw(st.text(max_size=12))] = draw(json_values)
    return body


def stored(app) -> tuple[int, int]:
    with orm(app.extensions["stickybot"].db) as session:
        return (session.exec(select(func.count()).select_from(Conversation)).one(),
                session.exec(select(func.count()).select_from(ProcessedEvent)).one())


@pytest.fixture
def seeded(app, client):
    client.agent("alice", "billing")
    return app, client


@SETTINGS
@given(body=mutated_events())
def test_generated_events_get_a_clear_4xx_or_a_valid_answer_never_a_500(seeded, body):
    app, client = seeded
    before = stored(app)
    r = client.signed(json.dumps(body).encode())
    assert r.status_code in (200, 422), r.get_data(as_text=True)
    payload = r.get_json()
    if r.status_code == 422:
        assert payload["error"] == "validation_failed" and payload["message"] and payload["details"]
        assert stored(app) == before
    else:
        assert payload["status"] in ("assigned", "unassigned", "resolved", "ignored")


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_generated_raw_bodies_are_400_or_422_and_store_nothing(seeded, raw):
    app, client = seeded
    before = snapshot(app)
    r = client.signed(raw)
    assert r.status_code in (400, 422), r.get_data(as_text=True)
    body = r.get_json()
    assert body["error"] == {400: "invalid_json", 422: "validation_failed"}[r.status_code] and body["message"]
    assert r.status_code == 400 or body["details"]
    assert snapshot(app) == before


header_values = st.one_of(st.none(), st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                                              max_size=80))


@SETTINGS
@given(timestamp=header_values, signature=header_values)
def test_generated_headers_are_refused_with_401_and_store_nothing(seeded, timestamp, signature):
    app, client = seeded
    before = stored(app)
    headers = {"Content-Type": "application/json"}
    if timestamp is not None:
        headers["X-Sticky-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Sticky-Signature"] = signature
    r = client.http.post("/webhooks/widget", data=json.dumps(event_body()).encode(), headers=headers)
    assert r.status_code == 401 and r.get_json()["message"]
    assert stored(app) == before


def test_a_replayed_signature_with_a_new_body_is_refused(seeded):
    app, client = seeded
    body = json.dumps(event_body(conversation="c1")).encode()
    stamp = int(time.time())
    signature = f"v1={sign(WEBHOOK_SECRET, stamp, body)}"
    other = json.dumps(event_body(conversation="c2")).encode()
    r = client.http.post("/webhooks/widget", data=other, headers={
        "X-Sticky-Timestamp": str(stamp), "X-Sticky-Signature": signature, "Content-Type": "application/json"})
    assert r.status_code == 401 and stored(app) == (0, 0)


# --- the database going away --------------------------------------------------------------------

def send_all(client, bodies, answers):
    for body in bodies:
        r = client.signed(json.dumps(body).encode())
        answers.setdefault(body["id"], []).append(r.status_code)
        if r.status_code == 503:
            assert r.get_json()["error"] == "database_unavailable" and r.headers["Retry-After"]
            # whether the commit happened is unknown: the answer never claims that nothing was stored
            assert "send the request again" in r.get_json()["message"]
            assert "nothing was stored" not in r.get_json()["message"]


def check_nothing_lost(client, bodies, answers):
    """A channel retries what got a 503; afterwards every event is stored exactly once."""
    retry = [b for b in bodies if answers[b["id"]][-1] != 200]
    send_all(client, retry, answers)
    assert all(codes[-1] == 200 for codes in answers.values())
    convs = {b["conversation"]["id"] for b in bodies}
    for conv in convs:
        detail = client.api("GET", f"/api/conversations/{conv}").get_json()
        assert len(detail["decisions"]) == 1
    agents = client.api("GET", "/api/agents").get_json()
    assert sum(a["open_load"] for a in agents) == len(convs)


@pytest.mark.skipif(PG_URL is None, reason="the PostgreSQL variant runs with STICKY_TEST_DATABASE_URL")
def test_postgresql_going_away_mid_traffic_answers_503_and_loses_nothing(db_url):
    from tests.fakes.tcpproxy import Proxy
    parts = urlsplit(db_url)
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    netloc = (parts.username + "@" if parts.username else "") + f"127.0.0.1:{proxy.port}"
    app = create_app(make_config(urlunsplit(parts._replace(netloc=netloc))))
    client = StickyClient(app.test_client())
    try:
        client.agent("alice")
        bodies = [event_body(conversation=f"c{i}", customer=f"k{i}") for i in range(30)]
        answers: dict = {}
        send_all(client, bodies[:10], answers)
        proxy.cut()
        send_all(client, bodies[10:20], answers)
        proxy.restore()
        send_all(client, bodies[20:], answers)
        assert any(503 in codes for codes in answers.values())
        check_nothing_lost(client, bodies, answers)
    finally:
        app.extensions["stickybot"].close()
        proxy.close()


@pytest.mark.skipif(PG_URL is not None, reason="the SQLite variant")
def test_the_sqlite_file_going_away_mid_traffic_answers_503_and_loses_nothing(app, client, db_url):
    path = db_url.removeprefix("sqlite:///")
    db = app.extensions["stickybot"].db
    client.agent("alice")
    bodies = [event_body(conversation=f"c{i}", customer=f"k{i}") for i in range(30)]
    answers: dict = {}
    send_all(client, bodies[:10], answers)
    db.dispose()
    os.replace(path, path + ".away")
    os.makedirs(path)  # the path is now a folder: SQLite cannot open it
    send_all(client, bodies[10:20], answers)
    shutil.rmtree(path)
    os.replace(path + ".away", path)
    db.dispose()
    send_all(client, bodies[20:], answers)
    assert [answers[b["id"]][-1] for b in bodies[10:20]] == [503] * 10
    check_nothing_lost(client, bodies, answers)


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's server-side connections")
def test_a_pooled_connection_that_died_while_idle_costs_no_request_anything(app, client):
    """No ping on checkout: a connection the server dropped while it sat in the pool fails its first statement,
    and the transaction simply runs again on another connection."""
    import psycopg
    client.agent("alice")
    assert client.event(conversation="c1").status_code == 200  # the pool now holds an open connection
    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid() AND application_name = ''")
    r = client.event(conversation="c2", customer="cust_2")
    assert r.status_code == 200 and r.get_json()["agent"] == "alice"
    assert client.api("GET", "/api/agents/alice").get_json()["open_load"] == 2


def test_an_unexpected_error_is_a_500_that_shows_nothing_of_it_and_asks_for_the_request_again(app):
    def broken():
        raise RuntimeError("secret-detail-xyz")
    app.add_url_rule("/broken-for-test", view_func=broken)
    r = app.test_client().get("/broken-for-test")
    assert r.status_code == 500 and r.get_json()["error"] == "internal_error"
    assert "send the request again" in r.get_json()["message"] and "secret-detail-xyz" not in r.get_data(as_text=True)
    assert "nothing was stored" not in r.get_json()["message"]  # a commit may have happened before the error
