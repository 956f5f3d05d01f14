"""The routing rules as a support team lives them: returning customers, the queue, departures."""
from __future__ import annotations

from datetime import datetime

import pytest


def day(n: int, hour: int = 10) -> str:
    return f"2026-11-{n:02d}T{hour:02d}:00:00Z"


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def first_contact(client, agent="alice", team="billing"):
    """cust_42 talks to `agent` on day 1, then the conversation is resolved."""
    r = client.event(conversation="old", at=day(1), team=team, assign={"agent": agent}).get_json()
    assert r["agent"] == agent
    client.event(type="conversation.resolved", conversation="old", at=day(1, 11))


@pytest.fixture
def team(client):
    client.agent("alice", "billing")
    client.agent("bob", "billing", "vip")
    client.agent("carol", "vip")
    return client


@pytest.mark.parametrize("status,check,team_in_event,expected", [
    ("online", True, "billing", ("alice", "sticky")),
    ("online", True, None, ("alice", "sticky")),
    ("away", False, "billing", ("alice", "sticky")),
    ("away", False, None, ("alice", "sticky")),
    ("away", True, "billing", ("bob", "sticky_team")),
    ("away", True, None, ("bob", "sticky_teams")),
    ("offline", True, "vip", ("bob", "sticky_team")),
])
def test_a_customer_returning_after_3_days(team, status, check, team_in_event, expected):
    first_contact(team)
    team.api("PATCH", "/api/settings", {"availability_check": check})
    team.api("PATCH", "/api/agents/alice", {"status": status})
    r = team.event(conversation="new", at=day(4), team=team_in_event).get_json()
    assert (r["agent"], r["rule"]) == expected
    assert r["team"] == team_in_event


def test_a_customer_returning_after_3_days_to_an_away_agent_with_nobody_else_waits(team):
    first_contact(team)
    for name in ("alice", "bob"):
        team.api("PATCH", f"/api/agents/{name}", {"status": "away"})
    r = team.event(conversation="new", at=day(4), team="billing").get_json()
    assert (r["status"], r["agent"], r["team"], r["rule"]) == ("unassigned", None, "billing", "unassigned")
    assert [q["conversation"] for q in team.api("GET", "/api/unassigned").get_json()] == ["new"]


def test_a_customer_returning_after_the_window_gets_normal_assignment(team):
    first_contact(team)
    team.api("PATCH", "/api/agents/bob", {"status": "offline"})
    team.api("PUT", "/api/agents/dave", {"name": "Dave", "teams": ["billing"], "status": "online"})
    r = team.event(conversation="new", at=day(9), team="billing").get_json()
    assert r["rule"] == "default" and r["agent"] == "dave"
    assert "outside the 7 days window" in r["reason"]


def test_the_event_may_override_the_availability_check(team):
    first_contact(team)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    r = team.event(conversation="new", at=day(4), team="billing", availability_check=False).get_json()
    assert (r["agent"], r["rule"]) == ("alice", "sticky")


def test_the_flow_naming_an_agent_wins_over_stickiness(team):
    first_contact(team)
    r = team.event(conversation="new", at=day(4), team="billing", assign={"agent": "carol"}).get_json()
    assert (r["agent"], r["rule"]) == ("carol", "explicit_agent")


def test_the_flow_naming_a_team_wins_over_stickiness(team):
    first_contact(team)
    r = team.event(conversation="new", at=day(4), assign={"team": "vip"}).get_json()
    assert (r["agent"], r["rule"], r["team"]) == ("bob", "explicit_team", "vip")


def test_sticky_days_zero_turns_stickiness_off(team):
    first_contact(team)
    team.api("PATCH", "/api/settings", {"sticky_days": 0})
    team.api("PUT", "/api/agents/alice", {"name": "Alice", "teams": ["billing"], "status": "online", "max_open": 9})
    team.event(conversation="x", customer="other", at=day(2), team="billing", assign={"agent": "bob"})
    r = team.event(conversation="new", at=day(2), team="billing").get_json()
    assert r["rule"] == "default" and r["agent"] == "alice"


# --- the sticky link --------------------------------------------------------------------------

def link_of(client, customer="cust_42"):
    return client.api("GET", f"/api/customers/{customer}").get_json()["sticky"]


def test_every_assignment_sets_the_link_to_the_event_time(team):
    team.event(conversation="c1", at=day(3), assign={"agent": "bob"})
    assert link_of(team)["agent"] == "bob" and link_of(team)["last_interaction_at"] == day(3)


def test_resolved_and_message_move_the_link_forward(team):
    team.event(conversation="c1", at=day(3), assign={"agent": "bob"})
    team.event(type="conversation.message", conversation="c1", at=day(4))
    assert link_of(team)["last_interaction_at"] == day(4)
    team.event(type="conversation.resolved", conversation="c1", at=day(5))
    assert link_of(team)["last_interaction_at"] == day(5)


def test_messages_in_another_agents_conversation_do_not_touch_the_link(team):
    team.event(conversation="c1", at=day(3), assign={"agent": "bob"})
    team.event(conversation="c2", at=day(4), assign={"agent": "carol"})
    team.event(type="conversation.message", conversation="c1", at=day(6))
    assert link_of(team) ["agent"] == "carol" and link_of(team)["last_interaction_at"] == day(4)


def test_an_out_of_order_event_never_moves_the_link_back(team):
    team.event(conversation="c2", at=day(5), assign={"agent": "carol"})
    team.event(conversation="c1", at=day(3), assign={"agent": "bob"})
    assert link_of(team)["agent"] == "carol" and link_of(team)["last_interaction_at"] == day(5)
    team.event(type="conversation.message", conversation="c2", at=day(4))
    assert link_of(team)["last_interaction_at"] == day(5)
    team.event(type="conversation.assigned", conversation="c1", agent="alice", at=day(2))
    assert link_of(team)["agent"] == "carol"


def test_going_to_unassigned_leaves_the_link(team):
    first_contact(team)
    for name in ("alice", "bob", "carol"):
        team.api("PATCH", f"/api/agents/{name}", {"status": "offline"})
    assert team.event(conversation="new", at=day(4)).get_json()["status"] == "unassigned"
    assert link_of(team)["agent"] == "alice" and link_of(team)["last_interaction_at"] == day(1, 11)


def test_a_link_outside_the_window_shows_inactive(team):
    team.event(conversation="c1", at="2020-01-01T00:00:00Z", assign={"agent": "bob"})
    sticky = link_of(team)
    assert sticky["active"] is False and sticky["expires_at"] == "2020-01-08T00:00:00Z"


def test_a_customer_without_a_link_has_sticky_null(team):
    team.api("PATCH", "/api/agents/alice", {"status": "offline"})
    team.api("PATCH", "/api/agents/bob", {"status": "offline"})
    team.api("PATCH", "/api/agents/carol", {"status": "offline"})
    team.event(conversation="c1")
    assert team.api("GET", "/api/customers/cust_42").get_json() == {"customer": "cust_42", "sticky": None, "blocked_agents": []}


# --- the Unassigned queue ---------------------------------------------------------------------

def queue(client):
    return [q["conversation"] for q in client.api("GET", "/api/unassigned").get_json()]


def test_going_online_drains_the_queue_own_customers_first_then_oldest(client, clock):
    client.agent("alice", "billing", max_open=2)
    client.agent("bob", "billing")
    client.event(conversation="mine", customer="c_mine", at=day(1), assign={"agent": "alice"})
    client.event(type="conversation.resolved", conversation="mine", customer="c_mine", at=day(1, 11))
    client.api("PATCH", "/api/agents/alice", {"status": "away"})
    client.api("PATCH", "/api/agents/bob", {"status": "away"})
    client.event(conversation="q1", customer="c1", at=day(2, 8), team="billing")
    client.event(conversation="q2", customer="c2", at=day(2, 9))
    client.event(conversation="q3", customer="c_mine", at=day(2, 10), team="billing")
    client.event(conversation="q4", customer="c4", at=day(2, 11), team="other")
    assert queue(client) == ["q1", "q2", "q3", "q4"]
    clock.set(at(day(2, 12)))  # the drain happens now: c_mine's link (day 1) is inside the window
    r = client.api("PATCH", "/api/agents/alice", {"status": "online"}).get_json()
    assert r["open_load"] == 2
    assert queue(client) == ["q2", "q4"]
    taken = client.api("GET", "/api/conversations/q3").get_json()
    assert taken["agent"] == "alice" and taken["decisions"][-1]["rule"] == "queue"
    assert client.api("GET", "/api/conversations/q1").get_json()["agent"] == "alice"
    assert link_of(client, "c1")["agent"] == "alice"


def test_a_resolve_drains_the_queue_into_the_freed_agent(client):
    client.agent("alice", max_open=1)
    client.event(conversation="c1", customer="a", at=day(2, 8))
    assert client.event(conversation="c2", customer="b", at=day(2, 9)).get_json()["status"] == "unassigned"
    r = client.event(type="conversation.resolved", conversation="c1", at=day(2, 10)).get_json()
    assert r["status"] == "resolved"
    conv = client.api("GET", "/api/conversations/c2").get_json()
    assert conv["agent"] == "alice" and conv["decisions"][-1]["rule"] == "queue"
    assert conv["decisions"][-1]["at"] == day(2, 10)
    assert queue(client) == []


def test_the_queue_is_not_drained_when_drain_unassigned_is_off(client):
    client.agent("alice", status="away")
    client.api("PATCH", "/api/settings", {"drain_unassigned": False})
    client.event(conversation="c1")
    client.api("PATCH", "/api/agents/alice", {"status": "online"})
    assert queue(client) == ["c1"]


def test_raising_capacity_drains_the_queue(client):
    client.agent("alice", max_open=1)
    client.event(conversation="c1", customer="a")
    client.event(conversation="c2", customer="b")
    client.api("PATCH", "/api/agents/alice", {"max_open": 2})
    assert queue(client) == []


# --- deactivation ------------------------------------------------------------------------------

def test_deactivating_an_agent_reroutes_its_open_conversations(client):
    client.agent("alice", "billing")
    client.agent("bob", "billing", status="away")
    client.event(conversation="c1", customer="a", team="billing", assign={"agent": "alice"})
    client.event(conversation="c2", customer="b", team="billing", assign={"agent": "alice"})
    client.api("PATCH", "/api/agents/bob", {"status": "online", "max_open": 1})
    r = client.api("DELETE", "/api/agents/alice")
    assert r.status_code == 200
    body = r.get_json()
    assert body["active"] is False and body["open_load"] == 0
    outcomes = {m["conversation"]: (m["status"], m["agent"]) for m in body["rerouted"]}
    assert outcomes == {"c1": ("assigned", "bob"), "c2": ("unassigned", None)}
    assert queue(client) == ["c2"]
    assert client.api("GET", "/api/agents/bob").get_json()["open_load"] == 1


def test_a_deactivated_agent_is_never_picked_again(client):
    client.agent("alice")
    client.agent("bob", status="away")
    client.api("DELETE", "/api/agents/alice")
    r = client.event(conversation="c1", assign={"agent": "alice"}).get_json()
    assert (r["status"], r["rule"]) == ("unassigned", "explicit_unknown")
    assert client.event(conversation="c2", customer="x").get_json()["status"] == "unassigned"


def test_a_customer_linked_to_a_deactivated_agent_gets_normal_assignment(client):
    client.agent("alice")
    client.agent("bob")
    client.event(conversation="c1", at=day(1), assign={"agent": "alice"})
    client.event(type="conversation.resolved", conversation="c1", at=day(1, 11))
    client.api("DELETE", "/api/agents/alice")
    r = client.event(conversation="c2", at=day(2)).get_json()
    assert (r["agent"], r["rule"]) == ("bob", "default")
