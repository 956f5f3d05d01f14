"""CONTRACT.md 8.3, link care, end to end through the API, signed webhooks and /sticky: breaking a link,
blocks, a successor for a departing agent, and a preview that changes nothing."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest

from bot import create_app
from tests.conftest import StickyClient, make_config, snapshot
from tests.fakes.slack import FakeSlack
from tests.slackkit import SIGNING_SECRET, slash

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def clock(clock):
    clock.set(T0 + timedelta(hours=1))
    return clock


@pytest.fixture
def team(client):
    """alice, bob and carol in billing; cust_42 talked to alice yesterday."""
    client.agent("alice", "billing")
    client.agent("bob", "billing")
    client.agent("carol", "billing")
    client.event(conversation="old", at=iso(T0 - timedelta(days=1)), team="billing", assign={"agent": "alice"})
    client.event(type="conversation.resolved", conversation="old", at=iso(T0 - timedelta(hours=23)))
    return client


def customer(client, customer_id="cust_42"):
    return client.api("GET", f"/api/customers/{quote(customer_id, safe='')}").get_json()


def back(client, conversation="new", at=T0, **extra):
    return client.event(conversation=conversation, at=iso(at), team="billing", **extra).get_json()


# --- breaking a link ----------------------------------------------------------------------------

def test_breaking_a_link_makes_the_customer_not_sticky_and_keeps_the_history(team):
    r = team.api("DELETE", "/api/customers/cust_42/link")
    assert r.status_code == 200 and r.get_json()["sticky"] is None
    assert team.api("DELETE", "/api/customers/cust_42/link").status_code == 404  # nothing left to break
    assert (back(team)["rule"], team.api("GET", "/api/conversations/old").status_code) == ("default", 200)


# --- blocks -----------------------------------------------------------------------------------------

def test_a_blocked_linked_agent_loses_the_link_and_the_customer_goes_by_rule_4(team):
    r = team.api("PUT", "/api/customers/cust_42/blocks/alice")
    assert r.status_code == 201 and r.get_json()["blocked_agents"] == ["alice"] and r.get_json()["sticky"] is None
    assert team.api("PUT", "/api/customers/cust_42/blocks/alice").status_code == 200  # already blocked
    answer = back(team)
    assert answer["rule"] == "default" and answer["agent"] != "alice"


def test_a_flow_naming_a_blocked_agent_gives_unassigned_with_the_events_team(team):
    team.api("PUT", "/api/customers/cust_42/blocks/bob")
    r = back(team, assign={"agent": "bob"})
    assert (r["status"], r["team"], r["rule"]) == ("unassigned", "billing", "blocked")
    assert "bob, who is blocked for cust_42" in r["reason"]


def test_a_blocked_agent_is_never_picked_nor_drained_to(team, clock):
    team.api("PUT", "/api/customers/c9/blocks/bob")  # a customer not seen yet may be blocked ahead
    for name in ("alice", "carol"):
        team.api("PATCH", f"/api/agents/{name}", {"status": "away"})
    r = team.event(conversation="x", customer="c9", at=iso(T0), team="billing").get_json()
    assert r["status"] == "unassigned"  # bob is the only one available, and blocked
    team.api("PATCH", "/api/agents/bob", {"status": "online"})
    assert team.api("GET", "/api/conversations/x").get_json()["status"] == "unassigned"
    team.api("DELETE", "/api/customers/c9/blocks/bob")
    team.api("PATCH", "/api/agents/bob", {"status": "online"})
    assert team.api("GET", "/api/conversations/x").get_json()["agent"] == "bob"


def test_a_manual_reassignment_to_a_blocked_agent_is_obeyed_but_never_becomes_the_link(team):
    team.api("PUT", "/api/customers/cust_42/blocks/bob")
    back(team)
    r = team.event(type="conversation.assigned", conversation="new", agent="bob", at=iso(T0 + timedelta(minutes=5)))
    assert r.get_json()["agent"] == "bob"
    assert team.api("GET", "/api/conversations/new").get_json()["decisions"][-1]["rule"] == "manual"
    assert (customer(team)["sticky"] or {}).get("agent") != "bob"


def test_blocking_an_unknown_agent_is_404_and_unblocking_what_is_not_blocked_is_404(team):
    assert team.api("PUT", "/api/customers/cust_42/blocks/zed").status_code == 404
    assert team.api("DELETE", "/api/customers/cust_42/blocks/bob").status_code == 404
    assert customer(team)["blocked_agents"] == []


# --- a successor -------------------------------------------------------------------------------------

def test_a_departing_agents_links_move_to_the_successor_with_their_times(team):
    before = customer(team)["sticky"]
    r = team.api("DELETE", "/api/agents/alice", {"successor": "bob"})
    assert r.status_code == 200 and r.get_json()["active"] is False
    after = customer(team)["sticky"]
    assert (after["agent"], after["last_interaction_at"]) == ("bob", before["last_interaction_at"])
    assert (back(team)["agent"], back(team, "new2")["rule"]) == ("bob", "sticky")


def test_open_and_held_conversations_go_to_the_successor_when_it_is_available_else_through_routing(team, clock):
    team.api("PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    team.event(conversation="open1", customer="c1", at=iso(T0), assign={"agent": "alice"})
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    assert back(team)["status"] == "held"
    team.api("PATCH", "/api/agents/bob", {"max_open": 1})
    r = team.api("DELETE", "/api/agents/alice", {"successor": "bob"}).get_json()
    moved = {m["conversation"]: (m["agent"], m["rule"]) for m in r["rerouted"]}
    assert moved["open1"] == ("bob", "successor")
    assert moved["new"][1] != "successor" and moved["new"][0] != "alice"  # bob is full now: routed as usual


@pytest.mark.parametrize("successor,why", [("zed", "is not an agent"), ("alice", "is the agent leaving"),
                                           ("gone", "is deactivated")])
def test_an_unknown_or_inactive_successor_is_422_and_nothing_changes(team, successor, why):
    team.agent("gone", "billing")
    team.api("DELETE", "/api/agents/gone")
    app = team.http.application
    before = snapshot(app)
    r = team.api("DELETE", "/api/agents/alice", {"successor": successor})
    assert r.status_code == 422 and why in r.get_json()["message"]
    assert snapshot(app) == before


def test_a_body_other_than_a_successor_is_refused(team):
    r = team.api("DELETE", "/api/agents/alice", {"heir": "bob"})
    assert r.status_code == 422 and team.api("GET", "/api/agents/alice").get_json()["active"] is True


# --- preview ------------------------------------------------------------------------------------------

def test_a_preview_says_where_the_customer_would_go_now_by_the_servers_clock_and_changes_nothing(team, clock):
    app = team.http.application
    before = snapshot(app)
    r = team.api("GET", "/api/customers/cust_42/preview?team=billing").get_json()
    assert (r["status"], r["agent"], r["rule"], r["team"]) == ("assigned", "alice", "sticky", "billing")
    assert "returning customer: alice handled cust_42" in r["reason"] and r["at"] == iso(T0 + timedelta(hours=1))
    clock.set(T0 + timedelta(days=30))
    assert team.api("GET", "/api/customers/cust_42/preview").get_json()["rule"] == "default"  # window passed
    assert snapshot(app) == before  # no load, rotation, link, history or outbox row


# --- ids in paths ---------------------------------------------------------------------------------------

def test_every_customer_route_works_with_url_encoded_ids(client):
    weird = "acme/ada ü?#%"
    client.agent("a/b", "billing")
    client.event(conversation="c/1", customer=weird, team="billing")
    path = f"/api/customers/{quote(weird, safe='')}"
    assert client.api("GET", path).get_json()["sticky"]["agent"] == "a/b"
    assert client.api("GET", f"{path}/preview").get_json()["agent"] == "a/b"
    assert client.api("PUT", f"{path}/blocks/{quote('a/b', safe='')}").status_code == 201
    assert client.api("DELETE", f"{path}/blocks/{quote('a/b', safe='')}").status_code == 200
    client.event(conversation="c/2", customer=weird, team="billing")
    assert client.api("DELETE", f"{path}/link").status_code == 200
    assert client.api("GET", f"/api/conversations/{quote('c/1', safe='')}").status_code == 200
    assert client.api("DELETE", path).get_json()["forgotten"] is True


# --- Slack ----------------------------------------------------------------------------------------------

@pytest.fixture
def slack_client(db_url, clock):
    fake = FakeSlack().start()
    app = create_app(make_config(db_url, slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=fake.url, admin_slack_ids=frozenset({"U_ADMIN"})), clock=clock)
    yield StickyClient(app.test_client())
    app.extensions["stickybot"].close()
    fake.stop()


def test_handover_preview_and_why_from_slack(slack_client):
    c = slack_client
    for name in ("alice", "bob"):
        c.agent(name, "billing")
    c.event(conversation="old", at=iso(T0), team="billing", assign={"agent": "alice"})

    def say(user, text):
        return slash(c.http, user, text).get_json()["text"]

    assert "would go to *alice* by rule `sticky`" in say("U_ALICE", "preview cust_42 billing")
    assert "Only stickybot admins" in say("U_ALICE", "handover alice bob")
    assert "their customers now go to bob" in say("U_ADMIN", "handover alice bob")
    assert c.api("GET", "/api/customers/cust_42").get_json()["sticky"]["agent"] == "bob"
    assert "successor" in say("U_ADMIN", "why old")
    assert "Nothing changed: the successor 'zed' is not an agent" in say("U_ADMIN", "handover bob zed")
    help_text = say("U_ALICE", "help")
    assert all(f"/sticky {cmd}" in help_text for cmd in ("preview", "handover", "stats"))
    c.api("PUT", "/api/customers/cust_42/blocks/bob")  # bob was the link: it goes, and nobody else is left
    assert "to the *Unassigned* queue by rule `unassigned`" in say("U_ALICE", "preview cust_42")


def test_a_broken_or_blocked_link_is_said_in_the_preview_the_answer_why_and_the_handoff(db_url, clock, slack):
    app = create_app(make_config(db_url, slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=slack.url, admin_slack_ids=frozenset({"U_ADMIN"})), clock=clock)
    c, rt = StickyClient(app.test_client()), app.extensions["stickybot"]
    try:
        c.agent("alice", "billing", slack="U_ALICE")
        c.agent("bob", "billing", slack="U_BOB")
        for conv, customer in (("old", "cust_42"), ("old2", "ada")):
            c.event(conversation=conv, customer=customer, at=iso(T0 - timedelta(days=1)), team="billing",
                    assign={"agent": "alice"})
            c.event(type="conversation.resolved", conversation=conv, at=iso(T0 - timedelta(hours=23)))
        assert c.api("DELETE", "/api/customers/cust_42/link").status_code == 200
        assert c.api("PUT", "/api/customers/ada/blocks/alice").status_code == 201  # alice was ada's link
        broke = "an admin broke cust_42's link to alice less than a day ago"
        blocked = "ada's link to alice was removed less than a day ago, when alice was blocked for ada"

        def say(text):
            return slash(c.http, "U_ADMIN", text).get_json()["text"]
        assert broke in say("preview cust_42 billing")
        later = T0 + timedelta(hours=2)  # the break was at T0 + 1 h, by the server's clock
        first = c.event(conversation="new", customer="cust_42", at=iso(later), team="billing").get_json()
        second = c.event(conversation="new2", customer="ada", at=iso(later), team="billing").get_json()
        assert (first["rule"], second["rule"], second["agent"]) == ("default", "default", "bob")
        assert first["reason"].startswith(broke) and second["reason"].startswith(blocked)
        assert broke in say("why new") and blocked in say("why new2")
        rt.outbox.deliver_due()
        dm = json.dumps(slack.posts("U_BOB")[-1]["blocks"])
        assert blocked in dm and "new for team" not in dm  # the agent reads why, not "new"
    finally:
        rt.close()
