"""Chatwoot deliveries with values Chatwoot never sends: a 422 naming the field, an "ignored" answer, or a value
made to fit, as integrations/chatwoot/webhook.py lays down; never a 500, and nothing stored on a refusal."""
from __future__ import annotations

import json

import pytest

from tests.conftest import snapshot
from tests.integration.test_chatwoot import app, created, cw, post, rt, sample, team_of_agents  # noqa: F401


def nested(payload: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    target = payload
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    target[last] = value
    return payload


def without_account(payload: dict) -> dict:
    payload.pop("account")
    return payload


REFUSED = [
    ("meta.sender.name", {"first": "Maria"}), ("meta.sender.name", 42), ("meta.sender.email", ["maria@example.com"]),
    ("meta.sender.name", "Maria\u0000"), ("meta.sender.name", "Maria \ud800"),
    ("meta.sender.id", 10**30), ("meta.sender.id", "42"), ("meta.sender.id", True), ("meta.sender.id", 0),
    ("meta.sender", "Maria"), ("meta", []), ("meta.team", "billing"), ("meta.team.id", 2.5),
    ("meta.team.name", {"x": 1}), ("meta.assignee", 7),
    ("id", True), ("id", 2**31), ("id", -118), ("id", "118"),
    ("created_at", 1e20), ("created_at", 1781690400000), ("created_at", -5), ("created_at", "yesterday"),
    ("created_at", "9999-12-31T23:59:59-01:00"), ("created_at", "2200-01-01T00:00:00Z"), ("created_at", True),
    ("status", ["open"]), ("event", {"name": "conversation_created"}), ("account", 1), ("account.id", 1.5),
]


@pytest.mark.parametrize("field,value", REFUSED, ids=[f"{f}={v!r}"[:40] for f, v in REFUSED])
def test_a_created_delivery_with_a_value_chatwoot_never_sends_is_422_naming_the_field(app, client, cw, field, value):
    team_of_agents(client)
    before = snapshot(app)
    r = post(client, nested(created(team={"id": 2, "name": "billing"}), field, value))
    assert r.status_code == 422, r.get_data(as_text=True)
    body = r.get_json()
    assert body["error"] == "validation_failed" and body["details"][0]["field"] == field and field in body["message"]
    assert snapshot(app) == before


def test_an_assignee_id_past_the_integer_range_is_422_on_every_database(app, client, cw):
    team_of_agents(client)
    payload = created(assignee={"id": 10**30, "name": "Ana", "type": "user"}, assignee_type="User")
    r = post(client, payload)
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "meta.assignee.id"


def test_epoch_milliseconds_are_refused_with_a_message_that_says_so(client, cw):
    r = post(client, nested(created(), "created_at", 1781690400000))
    assert r.status_code == 422 and "milliseconds" in r.get_json()["message"]


def test_messages_that_are_not_a_list_are_422_when_they_are_read_for_the_account(client, cw):
    r = post(client, nested(without_account(created()), "messages", 5))
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "messages"


def test_a_message_with_a_bad_conversation_id_is_422(client, cw):
    r = post(client, nested(sample("message_created_incoming"), "conversation.id", {"id": 118}))
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "conversation.id"


def test_infinity_is_not_json_and_is_400(app, client, cw):
    raw = json.dumps(created(), separators=(",", ":")).encode().replace(b'"created_at":1781690400,"updated_at"',
                                                                         b'"created_at":Infinity,"updated_at"')
    assert b"Infinity" in raw
    before = snapshot(app)
    r = post(client, raw)
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_json" and "Infinity" in r.get_json()["message"]
    assert snapshot(app) == before


def test_json_nested_990_levels_deep_is_422_not_a_500(app, client, cw):
    payload = json.dumps(created(), separators=(",", ":")).encode()
    raw = payload[:-1] + b',"custom":' + b"[" * 990 + b"]" * 990 + b"}"
    before = snapshot(app)
    r = post(client, raw)
    assert r.status_code == 422 and r.get_json()["details"] == [
        {"field": "(body)", "message": "nests deeper than 64 levels"}]
    assert snapshot(app) == before


def test_a_name_longer_than_its_column_is_cut_and_an_overlong_email_dropped(app, rt, client, cw):
    team_of_agents(client)
    payload = created()
    payload["meta"]["sender"].update(name="M" * 300, email="m" * 400 + "@example.com")
    r = post(client, payload)
    assert r.status_code == 200 and r.get_json()["status"] == "assigned"
    customer = rt.db.read(lambda store: store.customer("chatwoot:1:contact:42"))
    assert (customer.name, customer.email) == ("M" * 200, None)


def test_times_of_zero_fall_back_to_the_next_source(client, cw):
    team_of_agents(client)
    payload = created()
    payload.update(created_at=0, updated_at=1781690460.0)
    assert post(client, payload).status_code == 200
    decision = client.api("GET", "/api/conversations/chatwoot:1:118").get_json()["decisions"][0]
    assert decision["at"] == "2026-06-17T10:01:00Z"


def test_an_event_stickybot_does_not_route_is_ignored_whatever_its_other_fields(client, cw):
    payload = {"event": "contact_updated", "id": "not a number", "meta": 5, "created_at": 1e300}
    r = post(client, payload)
    assert r.status_code == 200 and r.get_json()["status"] == "ignored"
    assert "contact_updated" in r.get_json()["reason"]


def test_a_conversation_without_an_id_is_ignored(client, cw):
    payload = created()
    del payload["id"]
    r = post(client, payload)
    assert r.status_code == 200 and r.get_json()["status"] == "ignored" and "conversation id" in r.get_json()["reason"]


@pytest.mark.parametrize("delivery", ["x" * 129, "é" * 300, "a\u0000b", "tab\there"])
def test_a_delivery_id_chatwoot_would_never_send_is_400_and_stores_nothing(app, client, cw, delivery):
    team_of_agents(client)
    before = snapshot(app)
    r = post(client, created(), delivery=delivery)
    assert r.status_code == 400 and "X-Chatwoot-Delivery" in r.get_json()["message"]
    assert snapshot(app) == before


def test_a_delivery_id_of_128_characters_is_taken_and_deduplicates(client, cw):
    team_of_agents(client)
    first = post(client, created(), delivery="d" * 128).get_json()
    assert first["status"] == "assigned"
    assert post(client, created(), delivery="d" * 128).get_json() == {**first, "duplicate": True}
