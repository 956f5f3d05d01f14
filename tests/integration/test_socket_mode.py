"""Socket Mode, CONTRACT.md 5: with SLACK_APP_TOKEN, Slack's events, commands and clicks arrive over a WebSocket
the deployment opens (apps.connections.open on the fake Web API, then a fake Socket Mode server here); every
envelope is acknowledged; a dropped or `disconnect`ed connection is opened again; one connection per deployment.
These wait for real sockets (bounded), never for the clock."""
from __future__ import annotations

import logging
import queue
import time
from urllib.parse import parse_qsl

import pytest

from bot import create_app
from bot.clock import FrozenClock
from bot.scheduler import start_in_process, stop_in_process
from bot.slack import socket
from bot.slack.app import build_bolt_app
from tests.conftest import PG_URL, make_config
from tests.fakes.socket_mode import FakeSocketMode
from tests.integration.test_slack_signals import NOW, T
from tests.slackkit import envelope, status_event

APP_TOKEN = "xapp-1-A1-1-test-app-token"


@pytest.fixture
def fake_socket(slack):
    server = FakeSocketMode().start()
    slack.socket_url = server.url
    yield server
    server.stop()


def socket_app(db_url, slack, **overrides):
    settings = dict(slack_bot_token="xoxb-test-token", slack_signing_secret=None, slack_app_token=APP_TOKEN,
                    slack_api_url=slack.url, admin_slack_ids=frozenset({"U_ADMIN"}), slack_socket_ping_s=1.0)
    settings.update(overrides)
    return create_app(make_config(db_url, **settings), clock=FrozenClock(NOW))


@pytest.fixture
def app(db_url, slack):
    app = socket_app(db_url, slack)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def connection(app, fake_socket):
    rt = app.extensions["stickybot"]
    held = socket.start(rt)
    fake_socket.wait_for_links(1)
    yield held
    held.stop()


def eventually(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("not within the time allowed")
        time.sleep(0.05)


def command_payload(user: str, text: str) -> dict:
    return dict(parse_qsl(f"token=unused&team_id=T1&team_domain=acme&channel_id=C1&channel_name=support&"
                          f"user_id={user}&user_name={user}&command=%2Fsticky&text={text}&api_app_id=A1&"
                          "response_url=https%3A%2F%2Fhooks.invalid%2F1&trigger_id=1.2.3"))


def test_it_connects_with_the_app_token_and_the_hello_arrives(connection, slack, fake_socket):
    (opened,) = [c for c in slack.calls if c.method == "apps.connections.open"]
    assert opened.token == APP_TOKEN
    eventually(lambda: connection.connected)


def test_a_slash_command_is_answered_in_its_acknowledgement(connection, fake_socket, client):
    client.agent("alice", slack="U_ALICE")
    envelope_id = fake_socket.send("slash_commands", command_payload("U_ALICE", "away"), True)
    ack = fake_socket.ack(envelope_id)
    assert ack["payload"]["response_type"] == "ephemeral" and "*away*" in ack["payload"]["text"]
    assert client.api("GET", "/api/agents/alice").get_json()["status"] == "away"


def test_an_event_is_acknowledged_and_applied(connection, fake_socket, client):
    client.agent("alice", slack="U_ALICE")
    envelope_id = fake_socket.send("events_api", envelope(status_event("U_ALICE", ":palm_tree:"), "Ev1", T))
    assert fake_socket.ack(envelope_id) == {"envelope_id": envelope_id}
    assert [a["source"] for a in client.api("GET", "/api/agents/alice/absences").get_json()] == ["slack-status"]


def test_a_click_is_acknowledged_and_acted_on(connection, fake_socket, client, slack):
    client.agent("alice", slack="U_ALICE")
    payload = {"type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U_ALICE", "team_id": "T1"},
               "api_app_id": "A1", "token": "unused", "trigger_id": "9.9.9", "container": {"type": "view"},
               "view": {"id": "V1", "type": "home"},
               "actions": [{"action_id": "sticky_home_add_absence", "block_id": "b", "type": "button",
                            "action_ts": "1.0"}]}
    envelope_id = fake_socket.send("interactive", payload)
    assert fake_socket.ack(envelope_id)["envelope_id"] == envelope_id
    eventually(lambda: [c["trigger_id"] for c in slack.of("views.open")] == ["9.9.9"])


def test_an_envelope_no_listener_handles_is_still_acknowledged(connection, fake_socket):
    event = {"type": "reaction_added", "user": "U1", "reaction": "tada", "event_ts": "1.0"}
    envelope_id = fake_socket.send("events_api", envelope(event, "Ev9", T))
    assert fake_socket.ack(envelope_id) == {"envelope_id": envelope_id}


def test_a_disconnect_message_opens_a_new_connection(connection, fake_socket, slack, client):
    fake_socket.disconnect()
    fake_socket.wait_for_links(2)
    assert sum(1 for c in slack.calls if c.method == "apps.connections.open") == 2
    client.agent("alice", slack="U_ALICE")
    envelope_id = fake_socket.send("slash_commands", command_payload("U_ALICE", "status"), True)
    assert "*Window*" in fake_socket.ack(envelope_id)["payload"]["text"]


def test_a_dropped_connection_is_opened_again(connection, fake_socket, client):
    fake_socket.drop()
    fake_socket.wait_for_links(2)
    client.agent("alice", slack="U_ALICE")
    eventually(lambda: connection.connected)
    envelope_id = fake_socket.send("slash_commands", command_payload("U_ALICE", "online"), True)
    assert "*online*" in fake_socket.ack(envelope_id)["payload"]["text"]


def test_a_refused_start_is_tried_again(app, fake_socket, slack):
    slack.fail("apps.connections.open", 1, status=200, error="invalid_auth")
    rt = app.extensions["stickybot"]
    held = socket.SocketMode(rt, build_bolt_app(rt), ping_interval=1.0, retry_s=0.2).start()
    try:
        fake_socket.wait_for_links(1)
        assert slack.attempts("apps.connections.open") == 2
    finally:
        held.stop()


def test_without_a_signing_secret_the_http_endpoint_says_slack_uses_socket_mode(app):
    r = app.test_client().post("/slack/events", data=b"x")
    assert r.status_code == 503 and "Socket Mode" in r.get_json()["message"]


def test_the_scheduler_process_holds_the_connection_and_one_without_a_scheduler_does_not(db_url, slack, fake_socket):
    quiet = socket_app(db_url, slack, scheduler=False)
    start_in_process(quiet, quiet.extensions["stickybot"])
    assert quiet.extensions["stickybot"].socket_mode is None
    quiet.extensions["stickybot"].close()
    busy = socket_app(db_url, slack, scheduler=True)
    rt = busy.extensions["stickybot"]
    start_in_process(busy, rt)
    try:
        fake_socket.wait_for_links(1)
        assert rt.socket_mode is not None
    finally:
        stop_in_process(rt)
    assert rt.socket_mode is None


@pytest.mark.skipif(not PG_URL, reason="the advisory lock is PostgreSQL's")
def test_on_postgresql_one_process_of_the_deployment_holds_the_connection_and_another_takes_over(
        db_url, slack, fake_socket):
    first, second = socket_app(db_url, slack), socket_app(db_url, slack)
    one = socket.SocketMode(first.extensions["stickybot"], build_bolt_app(first.extensions["stickybot"]),
                            ping_interval=1.0, retry_s=0.2, check_s=0.2).start()
    fake_socket.wait_for_links(1)
    two = socket.SocketMode(second.extensions["stickybot"], build_bolt_app(second.extensions["stickybot"]),
                            ping_interval=1.0, retry_s=0.2, check_s=0.2).start()
    try:
        time.sleep(1.0)  # the second keeps asking for the lock meanwhile (a real process's wait)
        assert len(fake_socket.links) == 1 and not two.connected
        one.stop()
        fake_socket.wait_for_links(2)
        eventually(lambda: two.connected)
    finally:
        one.stop()
        two.stop()
        first.extensions["stickybot"].close()
        second.extensions["stickybot"].close()


def test_no_token_is_ever_logged(app, fake_socket, caplog):
    caplog.set_level(logging.DEBUG)
    held = socket.start(app.extensions["stickybot"])
    try:
        fake_socket.wait_for_links(1)
        eventually(lambda: held.connected)
    finally:
        held.stop()
    assert "Socket Mode: connected" in caplog.text
    assert APP_TOKEN not in caplog.text and "xoxb-test-token" not in caplog.text


def test_an_event_whose_listener_failed_is_left_unacknowledged_so_slack_sends_it_again(connection, fake_socket,
                                                                                      client, monkeypatch):
    from bot.service import signals

    client.agent("alice", slack="U_ALICE")
    real = signals.status_changed

    def database_away(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(signals, "status_changed", database_away)
    first = fake_socket.send("events_api", envelope(status_event("U_ALICE", ":palm_tree:"), "Ev1", T))
    with pytest.raises(queue.Empty):
        fake_socket.ack(first, timeout=2)
    monkeypatch.setattr(signals, "status_changed", real)
    again = fake_socket.send("events_api", envelope(status_event("U_ALICE", ":palm_tree:"), "Ev1", T))
    assert fake_socket.ack(again) == {"envelope_id": again}
    assert [a["source"] for a in client.api("GET", "/api/agents/alice/absences").get_json()] == ["slack-status"]
