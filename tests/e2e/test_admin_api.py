"""The admin API, CONTRACT.md section 4."""
from __future__ import annotations

import json

import pytest

from bot import create_app
from tests.conftest import StickyClient, make_config


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/teams"), ("PUT", "/api/teams/x"), ("GET", "/api/agents"), ("PUT", "/api/agents/a"),
    ("PATCH", "/api/agents/a"), ("DELETE", "/api/agents/a"), ("GET", "/api/settings"),
    ("PATCH", "/api/settings"), ("GET", "/api/conversations/c"), ("GET", "/api/unassigned"),
    ("GET", "/api/customers/c"), ("DELETE", "/api/customers/c"),
])
def test_every_admin_call_needs_the_bearer_token(client, method, path):
    assert client.api(method, path, token=None).status_code == 401
    r = client.api(method, path, token="wrong")
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"


def test_without_an_admin_token_the_api_is_closed_and_says_why(db_url):
    app = create_app(make_config(db_url, admin_token=None))
    r = StickyClient(app.test_client()).api("GET", "/api/teams", token="anything")
    assert r.status_code == 503 and "STICKY_ADMIN_TOKEN" in r.get_json()["message"]
    app.extensions["stickybot"].db.dispose()


def test_health_and_readiness_need_no_auth(client):
    assert client.http.get("/healthz").get_json() == {"status": "ok"}
    ready = client.http.get("/readyz").get_json()
    assert ready["database"] == "ok" and ready["slack"].startswith("not configured")


def test_teams_are_created_renamed_and_listed_with_members(client):
    assert client.api("PUT", "/api/teams/billing", {"name": "Billing"}).status_code == 201
    client.api("PUT", "/api/agents/alice", {"name": "Alice", "teams": ["billing"]})
    assert client.api("PUT", "/api/teams/billing", {"name": "Money"}).status_code == 200
    assert client.api("GET", "/api/teams").get_json() == [{"id": "billing", "name": "Money", "members": ["alice"]}]


def test_an_agent_is_created_replaced_and_read_with_load_and_availability(client):
    r = client.api("PUT", "/api/agents/alice", {"name": "Alice", "email": "alice@example.com",
                                                 "slack_user_id": "U1", "teams": [], "status": "online",
                                                 "max_open": 2})
    assert r.status_code == 201
    assert r.get_json() == {"id": "alice", "name": "Alice", "email": "alice@example.com", "slack_user_id": "U1",
                            "teams": [], "status": "online", "max_open": 2, "active": True, "open_load": 0,
                            "available": True, "time_zone": None, "hours": None, "cover": [],
                            "availability": {"state": "available", "until": None, "why": "online (0/2 open)",
                                             "source": "status"}}
    r = client.api("PUT", "/api/agents/alice", {"name": "Alice M", "status": "away"})
    assert r.status_code == 200
    body = r.get_json()
    assert (body["name"], body["email"], body["status"], body["max_open"]) == ("Alice M", None, "away", None)
    assert client.api("GET", "/api/agents/alice").get_json() == body


def test_a_patch_changes_only_what_it_names(client):
    client.agent("alice", "billing", max_open=3, email="a@example.com")
    body = client.api("PATCH", "/api/agents/alice", {"status": "away"}).get_json()
    assert (body["status"], body["max_open"], body["teams"], body["email"]) == ("away", 3, ["billing"], "a@example.com")


@pytest.mark.parametrize("body,field", [
    ({"status": "busy"}, "status"),
    ({"max_open": 0}, "max_open"),
    ({"max_open": "3"}, "max_open"),
    ({"teams": "billing"}, "teams"),
    ({"email": "not-an-email"}, "email"),
    ({"nickname": "Al"}, "nickname"),
])
def test_a_bad_agent_is_refused_naming_the_field_and_nothing_changes(client, body, field):
    client.agent("alice", max_open=3)
    r = client.api("PATCH", "/api/agents/alice", body)
    assert r.status_code == 422 and field in [d["field"] for d in r.get_json()["details"]]
    after = client.api("GET", "/api/agents/alice").get_json()
    assert (after["status"], after["max_open"]) == ("online", 3)


def test_an_agent_in_an_unknown_team_is_refused(client):
    r = client.api("PUT", "/api/agents/alice", {"name": "A", "teams": ["ghosts"]})
    assert r.status_code == 422 and "ghosts" in r.get_json()["message"]
    assert client.api("GET", "/api/agents/alice").status_code == 404


def test_two_agents_cannot_share_an_email(client):
    client.agent("alice", email="a@example.com")
    r = client.api("PUT", "/api/agents/bob", {"name": "B", "email": "A@example.com"})
    assert r.status_code == 409 and "alice" in r.get_json()["message"]


def test_patching_an_unknown_agent_is_404(client):
    assert client.api("PATCH", "/api/agents/nobody", {"status": "online"}).status_code == 404
    assert client.api("DELETE", "/api/agents/nobody").status_code == 404
    assert client.api("GET", "/api/agents/nobody").status_code == 404


def test_settings_are_read_and_patched(client):
    assert client.api("GET", "/api/settings").get_json() == {"sticky_days": 7, "availability_check": True,
                                                             "drain_unassigned": True, "sticky_wait_minutes": 0,
                                                             "claim_minutes": 0}
    r = client.api("PATCH", "/api/settings", {"sticky_days": 30, "availability_check": False})
    assert r.get_json() == {"sticky_days": 30, "availability_check": False, "drain_unassigned": True,
                            "sticky_wait_minutes": 0, "claim_minutes": 0}
    assert client.api("GET", "/api/settings").get_json()["sticky_days"] == 30


@pytest.mark.parametrize("body", [{"sticky_days": -1}, {"sticky_days": 366}, {"sticky_days": "7"},
                                  {"sticky_days": 7.5}, {"sticky_days": True}, {"availability_check": "on"},
                                  {"sticky_days": None}, {"window": 3}, {"sticky_wait_minutes": -1},
                                  {"sticky_wait_minutes": 1441}, {"claim_minutes": 241}, {"claim_minutes": "5"},
                                  {"sticky_days": 3, "claim_minutes": 500}])
def test_bad_settings_are_refused_and_nothing_changes(client, body):
    r = client.api("PATCH", "/api/settings", body)
    assert r.status_code == 422 and r.get_json()["details"]
    assert client.api("GET", "/api/settings").get_json()["sticky_days"] == 7


def test_a_body_that_is_not_json_is_400(client):
    r = client.http.patch("/api/settings", data=b"{oops", headers={"Authorization": "Bearer test-admin-token",
                                                                     "Content-Type": "application/json"})
    assert r.status_code == 400 and r.get_json()["error"] == "invalid_json"


def test_a_conversation_shows_every_decision_with_rule_reason_and_time(client):
    client.agent("alice", status="away")
    client.event(conversation="c1", at="2026-11-24T10:00:00Z")
    client.api("PATCH", "/api/agents/alice", {"status": "online"})
    conv = client.api("GET", "/api/conversations/c1").get_json()
    assert conv["status"] == "assigned" and conv["agent"] == "alice"
    assert [d["rule"] for d in conv["decisions"]] == ["unassigned", "queue"]
    assert all(d["reason"] and d["at"] for d in conv["decisions"])
    assert client.api("GET", "/api/conversations/nope").status_code == 404


def test_the_queue_lists_oldest_first(client):
    client.agent("alice", status="away")
    client.event(conversation="late", customer="a", at="2026-11-24T12:00:00Z")
    client.event(conversation="early", customer="b", at="2026-11-24T09:00:00Z")
    assert [q["conversation"] for q in client.api("GET", "/api/unassigned").get_json()] == ["early", "late"]


def test_forgetting_a_customer_erases_link_and_personal_data_but_keeps_conversations(client):
    client.agent("alice")
    client.event(conversation="c1")
    r = client.api("DELETE", "/api/customers/cust_42")
    assert r.status_code == 200
    assert client.api("GET", "/api/customers/cust_42").get_json() == {"customer": "cust_42", "sticky": None, "blocked_agents": []}
    conv = client.api("GET", "/api/conversations/c1").get_json()
    assert conv["customer"] != "cust_42" and conv["agent"] == "alice"
    assert all("cust_42" not in d["reason"] for d in conv["decisions"])
    assert client.api("DELETE", "/api/customers/cust_42").status_code == 404
    r = client.event(conversation="c2", at="2026-11-25T10:00:00Z").get_json()
    assert r["rule"] == "default"


def test_a_nul_character_in_an_agent_is_refused(client):
    r = client.api("PUT", "/api/agents/alice", {"name": "Al\u0000ice"})
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "name"


def test_a_customer_never_seen_has_no_link(client):
    r = client.api("GET", "/api/customers/nobody")
    assert r.status_code == 200 and r.get_json() == {"customer": "nobody", "sticky": None, "blocked_agents": []}


def test_lists_come_a_page_at_a_time_with_the_next_page_in_a_link_header(client):
    for n in range(5):
        client.agent(f"agent{n}", "billing", status="offline")
    first = client.api("GET", "/api/agents?limit=2")
    assert [a["id"] for a in first.get_json()] == ["agent0", "agent1"]
    assert first.headers["X-Total-Count"] == "5"
    seen, link = [], first.headers["Link"]
    while link:
        assert link.startswith("</api/agents?limit=2&cursor=") and link.endswith('>; rel="next"')
        page = client.api("GET", link[1:link.index(">")])
        seen += [a["id"] for a in page.get_json()]
        link = page.headers.get("Link")
    assert seen == ["agent2", "agent3", "agent4"]
    found = client.api("GET", "/api/agents?q=AGENT3")
    assert [a["id"] for a in found.get_json()] == ["agent3"] and "Link" not in found.headers
    assert len(client.api("GET", "/api/agents").get_json()) == 5  # 100 a page when not asked


def test_the_queue_and_the_held_list_page_too_and_a_foreign_cursor_is_422(client):
    client.team("billing")
    for n in range(3):
        client.event(conversation=f"q{n}", customer=f"c{n}", team="billing", at=f"2026-11-24T10:0{n}:00Z")
    first = client.api("GET", "/api/unassigned?limit=2")
    assert [c["conversation"] for c in first.get_json()] == ["q0", "q1"]
    link = first.headers["Link"]
    rest = client.api("GET", link[1:link.index(">")])
    assert [c["conversation"] for c in rest.get_json()] == ["q2"] and "Link" not in rest.headers
    cursor = link[link.index("cursor=") + 7:link.index(">")]
    r = client.api("GET", f"/api/held?cursor={cursor}")
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "cursor"
    assert client.api("GET", "/api/held?limit=501").status_code == 422


def test_the_figures_per_agent_come_a_page_at_a_time(client):
    for n in range(3):
        client.agent(f"agent{n}", "billing")
    first = client.api("GET", "/api/stats?limit=2").get_json()
    assert list(first["by_agent"]) == ["agent0", "agent1"] and first["by_agent_next"]
    rest = client.api("GET", f"/api/stats?limit=2&cursor={first['by_agent_next']}").get_json()
    assert list(rest["by_agent"]) == ["agent2"] and rest["by_agent_next"] is None


@pytest.mark.parametrize("path,parts", [
    ("/api/unassigned", ["queue", {"t": 5}, 1]),
    ("/api/unassigned", ["queue", {"t": "0001-01-01T00:00:00+14:00"}, 1]),
    ("/api/held", ["held", {"t": "9999-12-31T23:59:59-14:00"}, "x"]),
    ("/api/held", ["held", "2026-01-01T00:00:00Z", "x"]),
    ("/api/agents", ["agents", 7]),
])
def test_a_crafted_cursor_is_422_never_500(client, path, parts):
    import base64
    cursor = base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")
    r = client.api("GET", f"{path}?cursor={cursor}")
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "cursor"


def test_a_change_that_changes_nothing_writes_nothing(client):
    client.agent("alice", "billing", max_open=3)
    entries = len(client.api("GET", "/api/audit").get_json()["items"])
    body = client.api("PATCH", "/api/agents/alice", {"status": "online", "max_open": 3, "teams": ["billing"]})
    assert body.status_code == 200
    assert len(client.api("GET", "/api/audit").get_json()["items"]) == entries
