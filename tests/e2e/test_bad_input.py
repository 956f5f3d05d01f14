"""Bad input to the admin API and the widget webhook: a clear 400/422 and nothing stored, never a 500."""
from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN_TOKEN, event_body, snapshot

DEEP = b"[" * 990 + b"]" * 990


def admin(client, method, path, raw: bytes):
    return client.http.open(path, method=method, data=raw, headers={
        "Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"})


@pytest.mark.parametrize("max_open", [2**63, 2**31, 10**40])
def test_a_capacity_past_the_integer_column_is_422_naming_max_open(app, client, max_open):
    client.agent("alice")
    before = snapshot(app)
    for method in ("PUT", "PATCH"):
        r = client.api(method, "/api/agents/alice", {"name": "A", "max_open": max_open})
        assert r.status_code == 422 and [d["field"] for d in r.get_json()["details"]] == ["max_open"]
    assert snapshot(app) == before


def test_the_largest_capacity_the_column_holds_is_taken(client):
    r = client.api("PUT", "/api/agents/alice", {"name": "A", "max_open": 2**31 - 1})
    assert r.status_code == 201 and r.get_json()["max_open"] == 2**31 - 1


@pytest.mark.parametrize("method,path,raw", [
    ("PUT", "/api/teams/t", b'{"name": ' + DEEP + b"}"),
    ("PUT", "/api/agents/a", b'{"name": "A", "teams": ' + DEEP + b"}"),
    ("PATCH", "/api/settings", DEEP),
    ("PATCH", "/api/agents/alice", b'{"x": ' + b'{"y": ' * 5000 + b"1" + b"}" * 5001),
])
def test_deeply_nested_json_to_the_admin_api_is_422_and_stores_nothing(app, client, method, path, raw):
    client.agent("alice")
    before = snapshot(app)
    r = admin(client, method, path, raw)
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "(body)"
    assert "deeper than" in r.get_json()["message"]
    assert snapshot(app) == before


@pytest.mark.parametrize("raw", [b'{"sticky_days": NaN}', b'{"sticky_days": Infinity}', b'{"sticky_days": 1e999}'])
def test_numbers_json_does_not_have_are_400_not_json(client, raw):
    r = admin(client, "PATCH", "/api/settings", raw)
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_json"


@pytest.mark.parametrize("team", ["sales/emea", "a b", "ünï"])
def test_an_agent_may_join_a_team_whose_id_a_chat_event_may_name(client, team):
    client.team(team)
    r = client.api("PUT", "/api/agents/alice", {"name": "A", "teams": [team], "status": "online"})
    assert r.status_code == 201 and r.get_json()["teams"] == [team]
    assert client.event(team=team).get_json()["agent"] == "alice"


def test_deeply_nested_json_to_the_widget_is_422_and_stores_nothing(app, client):
    client.agent("alice")
    before = snapshot(app)
    body = json.dumps(event_body())[:-1].encode() + b', "extra": ' + DEEP + b"}"
    r = client.signed(body)
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "(body)"
    assert snapshot(app) == before


@pytest.mark.parametrize("at", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "2100-01-01T00:00:00Z",
                                "1969-12-31T23:59:59Z"])
def test_a_widget_time_outside_1970_to_2100_is_422_naming_occurred_at(app, client, at):
    client.agent("alice")
    before = snapshot(app)
    r = client.event(at=at)
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "occurred_at"
    assert snapshot(app) == before
