"""POST /webhooks/widget, CONTRACT.md section 3, through really signed requests."""
from __future__ import annotations

import json
import time

import pytest

from bot import create_app
from tests.conftest import event_body, make_config, StickyClient


def stored_counts(client):
    convs = client.api("GET", "/api/unassigned").get_json()
    agents = client.api("GET", "/api/agents").get_json()
    return len(convs), sum(a["open_load"] for a in agents)


def test_a_signed_event_is_routed_and_answered(client):
    client.agent("alice", "billing")
    r = client.event(team="billing")
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "assigned" and body["agent"] == "alice" and body["team"] == "billing"
    assert body["rule"] == "default" and body["duplicate"] is False and body["conversation"] == "conv_1"


@pytest.mark.parametrize("headers,code", [
    ({"X-Sticky-Signature": None}, "bad_signature"),
    ({"X-Sticky-Timestamp": None}, "bad_signature"),
    ({"X-Sticky-Signature": "v1=" + "0" * 64}, "bad_signature"),
    ({"X-Sticky-Signature": "v0=abc"}, "bad_signature"),
    ({"X-Sticky-Timestamp": "yesterday"}, "bad_signature"),
])
def test_a_missing_or_wrong_signature_is_refused_with_401_and_nothing_stored(client, headers, code):
    client.agent("alice")
    body = json.dumps(event_body()).encode()
    stamp = int(time.time())
    from integrations.signing import sign
    sent = {"X-Sticky-Timestamp": str(stamp), "X-Sticky-Signature": "v1=" + sign("test-webhook-secret", stamp, body),
            "Content-Type": "application/json"}
    for name, value in headers.items():
        if value is None:
            sent.pop(name)
        else:
            sent[name] = value
    r = client.http.post("/webhooks/widget", data=body, headers=sent)
    assert r.status_code == 401
    assert r.get_json()["error"] == code and r.get_json()["message"]
    assert client.api("GET", "/api/conversations/conv_1").status_code == 404


def test_a_signature_made_with_another_secret_is_refused(client):
    r = client.signed(json.dumps(event_body()).encode(), secret="not-the-secret")
    assert r.status_code == 401 and r.get_json()["error"] == "bad_signature"


@pytest.mark.parametrize("skew", [301, -301, 5000])
def test_a_timestamp_more_than_300_s_away_is_refused(client, skew):
    r = client.signed(json.dumps(event_body()).encode(), timestamp=int(time.time()) + skew)
    assert r.status_code == 401 and r.get_json()["error"] == "stale_timestamp"
    assert client.api("GET", "/api/conversations/conv_1").status_code == 404


def test_a_timestamp_within_300_s_is_accepted(client):
    client.agent("alice")
    r = client.signed(json.dumps(event_body()).encode(), timestamp=int(time.time()) - 290)
    assert r.status_code == 200


def test_a_body_over_64_kib_is_413(client):
    body = event_body()
    body["padding"] = "x" * (64 * 1024)
    r = client.signed(json.dumps(body).encode())
    assert r.status_code == 413 and r.get_json()["error"] == "payload_too_large"


def test_a_body_of_exactly_64_kib_is_read(client):
    client.agent("alice")
    body = event_body()
    raw = json.dumps(body).encode()
    body["padding"] = "x" * (64 * 1024 - len(raw) - len(', "padding": ""'))
    raw = json.dumps(body).encode()
    assert len(raw) == 64 * 1024
    assert client.signed(raw).status_code == 200


def test_a_body_that_is_not_json_is_400(client):
    r = client.signed(b"{not json")
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_json"


@pytest.mark.parametrize("change,field", [
    ({"id": None}, "id"),
    ({"id": ""}, "id"),
    ({"id": "x" * 129}, "id"),
    ({"type": "conversation.deleted"}, "type"),
    ({"occurred_at": "2026-11-24T10:00:00"}, "occurred_at"),
    ({"occurred_at": "yesterday"}, "occurred_at"),
    ({"occurred_at": 1764000000}, "occurred_at"),
    ({"conversation": {"url": "https://x"}}, "conversation.id"),
    ({"customer": {"name": "no id"}}, "customer.id"),
    ({"customer": None}, "customer"),
    ({"availability_check": "yes"}, "availability_check"),
    ({"assign": {"agent": 42}}, "assign.agent"),
    ({"team": 7}, "team"),
])
def test_json_that_breaks_the_schema_is_422_naming_the_field(client, change, field):
    body = event_body()
    for key, value in change.items():
        if value is None:
            body.pop(key, None) if key != "customer" else body.__setitem__(key, None)
        else:
            body[key] = value
    r = client.signed(json.dumps(body).encode())
    assert r.status_code == 422, r.get_json()
    payload = r.get_json()
    assert payload["error"] == "validation_failed"
    assert field in [d["field"] for d in payload["details"]]
    assert client.api("GET", "/api/conversations/conv_1").status_code == 404


def test_a_json_array_is_422(client):
    r = client.signed(b"[1, 2]")
    assert r.status_code == 422


def test_assigned_needs_the_agent_field(client):
    r = client.event(type="conversation.assigned")
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "agent"


def test_without_a_webhook_secret_every_request_is_refused_and_says_why(db_url):
    app = create_app(make_config(db_url, webhook_secret=None))
    client = StickyClient(app.test_client())
    r = client.signed(json.dumps(event_body()).encode())
    assert r.status_code == 503
    assert "STICKY_WEBHOOK_SECRET" in r.get_json()["message"]
    assert "test-webhook-secret" not in r.get_data(as_text=True)
    app.extensions["stickybot"].db.dispose()


def test_the_same_event_id_again_gets_the_first_answer_and_changes_nothing(client):
    client.agent("alice")
    client.agent("bob")
    body = event_body(id="evt_same")
    first = client.signed(json.dumps(body).encode()).get_json()
    client.api("PATCH", "/api/agents/alice", {"status": "offline"})
    client.api("PATCH", "/api/agents/bob", {"status": "offline"})
    again = client.signed(json.dumps(body).encode()).get_json()
    assert again == {**first, "duplicate": True}
    loads = {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}
    assert sum(loads.values()) == 1
    assert len(client.api("GET", "/api/conversations/conv_1").get_json()["decisions"]) == 1


def test_created_for_an_existing_conversation_is_a_duplicate_with_its_state(client):
    client.agent("alice")
    first = client.event(id="e1").get_json()
    again = client.event(id="e2").get_json()
    assert again["duplicate"] is True
    assert (again["status"], again["agent"], again["rule"]) == (first["status"], first["agent"], first["rule"])
    assert client.api("GET", "/api/agents/alice").get_json()["open_load"] == 1


def test_reopened_for_an_open_conversation_is_a_duplicate(client):
    client.agent("alice")
    client.event(id="e1")
    r = client.event(id="e2", type="conversation.reopened").get_json()
    assert r["duplicate"] is True and r["agent"] == "alice"
    assert client.api("GET", "/api/agents/alice").get_json()["open_load"] == 1


def test_reopened_for_an_unknown_conversation_is_routed_like_created(client):
    client.agent("alice")
    r = client.event(type="conversation.reopened").get_json()
    assert (r["status"], r["agent"], r["rule"], r["duplicate"]) == ("assigned", "alice", "default", False)


def test_reopened_after_resolve_goes_back_to_the_same_agent(client):
    client.agent("alice")
    client.agent("bob")
    first = client.event(at="2026-11-20T10:00:00Z").get_json()
    client.event(type="conversation.resolved", at="2026-11-20T11:00:00Z")
    r = client.event(type="conversation.reopened", at="2026-11-22T10:00:00Z").get_json()
    assert (r["status"], r["agent"], r["rule"]) == ("assigned", first["agent"], "sticky")
    assert client.api("GET", f"/api/agents/{first['agent']}").get_json()["open_load"] == 1


def test_resolved_frees_capacity_and_answers_the_state(client):
    client.agent("alice")
    client.event()
    r = client.event(type="conversation.resolved", customer=None).get_json()
    assert r == {"conversation": "conv_1", "status": "resolved", "agent": "alice", "duplicate": False}
    assert client.api("GET", "/api/agents/alice").get_json()["open_load"] == 0


def test_resolving_twice_does_not_free_capacity_twice(client):
    client.agent("alice")
    client.event(conversation="c1")
    client.event(conversation="c2", customer="cust_2")
    client.event(type="conversation.resolved", conversation="c1")
    client.event(type="conversation.resolved", conversation="c1")
    assert client.api("GET", "/api/agents/alice").get_json()["open_load"] == 1


def test_a_resolved_conversation_leaves_the_queue(client):
    client.agent("alice", status="offline")
    assert client.event().get_json()["status"] == "unassigned"
    client.event(type="conversation.resolved")
    assert client.api("GET", "/api/unassigned").get_json() == []


@pytest.mark.parametrize("type", ["conversation.resolved", "conversation.message", "conversation.assigned"])
def test_events_for_an_unknown_conversation_are_ignored_with_200(client, type):
    client.agent("alice")
    r = client.event(type=type, conversation="nope", agent="alice")
    assert r.status_code == 200
    assert r.get_json()["status"] == "ignored" and r.get_json()["reason"]


def test_assigned_naming_an_unknown_agent_is_ignored(client):
    client.agent("alice")
    client.event()
    r = client.event(type="conversation.assigned", agent="zed").get_json()
    assert r["status"] == "ignored" and "zed" in r["reason"]
    assert client.api("GET", "/api/agents/alice").get_json()["open_load"] == 1


def test_assigned_moves_the_conversation_and_its_load(client):
    client.agent("alice")
    client.agent("bob", email="bob@example.com")
    assert client.event(team=None).get_json()["agent"] == "alice"
    r = client.event(type="conversation.assigned", agent="bob@example.com").get_json()
    assert r == {"conversation": "conv_1", "status": "assigned", "agent": "bob", "duplicate": False}
    loads = {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}
    assert loads == {"alice": 0, "bob": 1}
    assert client.api("GET", "/api/customers/cust_42").get_json()["sticky"]["agent"] == "bob"


def test_assigned_takes_a_conversation_out_of_the_queue(client):
    client.agent("alice", status="away")
    assert client.event().get_json()["status"] == "unassigned"
    r = client.event(type="conversation.assigned", agent="alice").get_json()
    assert r["status"] == "assigned"
    assert client.api("GET", "/api/unassigned").get_json() == []
    assert client.api("GET", "/api/agents/alice").get_json()["open_load"] == 1


def test_message_answers_the_state(client):
    client.agent("alice")
    client.event()
    r = client.event(type="conversation.message", customer=None).get_json()
    assert r == {"conversation": "conv_1", "status": "assigned", "agent": "alice", "duplicate": False}


def test_a_nul_character_is_422_naming_the_field_on_every_database(client):
    body = event_body()
    body["customer"]["name"] = "Ada\u0000Lovelace"
    r = client.signed(json.dumps(body).encode())
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "customer.name"
    assert client.api("GET", "/api/conversations/conv_1").status_code == 404
