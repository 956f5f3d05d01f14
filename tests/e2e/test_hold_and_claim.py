"""CONTRACT.md 8.1 (hold for the returning customer's agent) and 8.2 (claim timer), end to end: signed webhooks,
the admin API, the fake Slack over HTTP, and the server's clock moved by hand (never slept through)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot import create_app, jobs
from tests.conftest import make_config
from tests.slackkit import SIGNING_SECRET, click, slash

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def clock(clock):
    clock.set(T0)
    return clock


@pytest.fixture
def app(db_url, slack, clock):
    app = create_app(make_config(db_url, slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=slack.url, admin_slack_ids=frozenset({"U_ADMIN"})), clock=clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def rt(app):
    return app.extensions["stickybot"]


@pytest.fixture
def team(client):
    """alice and bob in billing; cust_42 talked to alice yesterday."""
    client.agent("alice", "billing", slack="U_ALICE", max_open=2)
    client.agent("bob", "billing", slack="U_BOB")
    client.event(conversation="old", at=iso(T0 - timedelta(days=1)), team="billing", assign={"agent": "alice"})
    client.event(type="conversation.resolved", conversation="old", at=iso(T0 - timedelta(days=1, hours=-1)))
    return client


def settings(client, **values):
    r = client.api("PATCH", "/api/settings", values)
    assert r.status_code == 200, r.get_json()


def come_back(client, conversation="new", at=T0, **extra):
    return client.event(conversation=conversation, at=iso(at), team="billing", **extra).get_json()


def conv(client, conversation="new"):
    return client.api("GET", f"/api/conversations/{conversation}").get_json()


def loads(client):
    return {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}


def dms(slack, user):
    return [p for p in slack.posts(user)]


def metric(client, line: str) -> float:
    """A counter's value now (counters live as long as the process: compare before and after)."""
    text = client.http.get("/metrics").get_data(as_text=True)
    return next((float(row.rsplit(" ", 1)[1]) for row in text.splitlines() if row.startswith(line + " ")), 0.0)


def button(post, action_id):
    return next(e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == action_id)


# --- 8.1 hold ------------------------------------------------------------------------------------

def test_a_returning_customer_whose_agent_is_away_is_held_for_it(team):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    r = come_back(team)
    assert (r["status"], r["agent"], r["rule"], r["held_until"]) == ("held", "alice", "sticky_hold",
                                                                       iso(T0 + timedelta(minutes=30)))
    assert "held for alice" in r["reason"]
    assert conv(team)["status"] == "held" and conv(team)["held_until"] == r["held_until"]
    assert loads(team) == {"alice": 0, "bob": 0}  # in nobody's load
    assert team.api("GET", "/api/unassigned").get_json() == []  # and not queued
    assert team.api("GET", "/api/held").get_json() == [{
        "conversation": "new", "customer": "cust_42", "held_for": "alice", "team": "billing",
        "held_since": iso(T0), "held_until": r["held_until"]}]


def test_a_full_agent_is_waited_for_and_an_offline_one_never(team):
    settings(team, sticky_wait_minutes=30)
    team.event(conversation="x1", customer="c1", at=iso(T0), assign={"agent": "alice"})
    team.event(conversation="x2", customer="c2", at=iso(T0), assign={"agent": "alice"})
    assert come_back(team)["status"] == "held"  # alice is full (2/2)
    team.api("PATCH", "/api/agents/alice", {"status": "offline"})
    other = team.event(conversation="y", customer="cust_42", at=iso(T0), team="billing").get_json()
    # cust_42's second conversation: alice is offline now, so nobody waits for her; her teammate takes it
    assert (other["status"], other["agent"], other["rule"]) == ("assigned", "bob", "sticky_team")
    assert conv(team)["status"] == "held"  # the first one still waits: going offline does not end a hold
    r = team.event(conversation="z", customer="c3", at=iso(T0)).get_json()
    assert r["status"] == "assigned"


def test_a_full_agent_that_resolves_a_conversation_takes_the_customer_held_for_it(team):
    """The resolve reads, with its conversation, whether anything is held for the agent it frees; here
    something is, so the freed seat goes to the held customer at once (and with nothing held or queued, a
    resolve frees the seat and does nothing more)."""
    settings(team, sticky_wait_minutes=30)
    team.event(conversation="x1", customer="c1", at=iso(T0), assign={"agent": "alice"})
    team.event(conversation="x2", customer="c2", at=iso(T0), assign={"agent": "alice"})
    assert come_back(team)["status"] == "held"  # alice is full (2/2)
    team.event(type="conversation.resolved", conversation="x1", at=iso(T0 + timedelta(minutes=1)))
    assert (conv(team)["status"], conv(team)["agent"]) == ("assigned", "alice")
    assert loads(team)["alice"] == 2
    team.event(type="conversation.resolved", conversation="x2", at=iso(T0 + timedelta(minutes=2)))
    assert loads(team)["alice"] == 1 and conv(team, "x2")["status"] == "resolved"


def test_an_offline_agent_is_never_waited_for(team):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "offline"})
    r = come_back(team)
    assert (r["status"], r["agent"], r["rule"]) == ("assigned", "bob", "sticky_team")


def test_when_the_agent_comes_online_its_held_customers_go_to_it_first_oldest_first(team, clock):
    settings(team, sticky_wait_minutes=30, drain_unassigned=False)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    team.event(conversation="mine2", customer="c2", at=iso(T0 - timedelta(days=1)), assign={"agent": "alice"})
    team.event(type="conversation.resolved", conversation="mine2", at=iso(T0 - timedelta(hours=20)))
    come_back(team, "first", at=T0)
    come_back(team, "second", at=T0 + timedelta(minutes=5), customer="c2")
    clock.set(T0 + timedelta(minutes=12))
    team.api("PATCH", "/api/agents/alice", {"status": "online"})
    first, second = conv(team, "first"), conv(team, "second")
    assert (first["status"], first["agent"], first["decisions"][-1]["rule"]) == ("assigned", "alice", "sticky")
    assert "waited 12 min" in first["decisions"][-1]["reason"]
    assert "waited 7 min" in second["decisions"][-1]["reason"]
    assert loads(team)["alice"] == 2


def test_held_customers_go_first_and_only_until_the_agent_is_full(team, clock):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away", "max_open": 1})
    team.event(conversation="mine2", customer="c2", at=iso(T0 - timedelta(days=1)), assign={"agent": "alice"})
    team.event(type="conversation.resolved", conversation="mine2", at=iso(T0 - timedelta(hours=20)))
    come_back(team, "first", at=T0)
    come_back(team, "second", at=T0 + timedelta(minutes=1), customer="c2")
    team.api("PATCH", "/api/agents/alice", {"status": "online"})
    assert conv(team, "first")["agent"] == "alice" and conv(team, "second")["status"] == "held"
    team.event(type="conversation.resolved", conversation="first", at=iso(T0 + timedelta(minutes=20)))
    assert conv(team, "second")["agent"] == "alice"  # a resolve freed room: the next held one, before the queue


def test_when_the_wait_runs_out_the_sweep_routes_it_by_rule_3_fallbacks_without_that_agent(team, clock):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    come_back(team)
    clock.set(T0 + timedelta(minutes=29))
    assert jobs.sweep(team.http.application.extensions["stickybot"].db)["holds_ended"] == 0
    clock.set(T0 + timedelta(minutes=31))
    assert jobs.sweep(team.http.application.extensions["stickybot"].db)["holds_ended"] == 1
    c = conv(team)
    assert (c["status"], c["agent"], c["decisions"][-1]["rule"]) == ("assigned", "bob", "sticky_team")
    assert "waited 31 min for alice" in c["decisions"][-1]["reason"]


def test_an_event_arriving_after_its_held_until_is_still_held_and_the_next_sweep_routes_it(team, clock):
    settings(team, sticky_wait_minutes=10)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    clock.set(T0 + timedelta(hours=1))
    assert come_back(team, at=T0)["status"] == "held"  # decided by occurred_at
    jobs.sweep(team.http.application.extensions["stickybot"].db)
    assert conv(team)["agent"] == "bob"


def test_resolving_ends_a_hold_and_assignment_moves_it(team):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    come_back(team, "a")
    come_back(team, "b", customer="cust_42")
    team.event(type="conversation.resolved", conversation="a", at=iso(T0 + timedelta(minutes=1)))
    assert conv(team, "a")["status"] == "resolved" and team.api("GET", "/api/held").get_json()[0]["conversation"] == "b"
    team.event(type="conversation.assigned", conversation="b", agent="bob", at=iso(T0 + timedelta(minutes=2)))
    assert (conv(team, "b")["status"], conv(team, "b")["agent"]) == ("assigned", "bob")
    assert team.api("GET", "/api/held").get_json() == [] and loads(team) == {"alice": 0, "bob": 1}


def test_deactivating_the_agent_routes_its_held_conversations_at_once(team):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    come_back(team)
    out = team.api("DELETE", "/api/agents/alice").get_json()
    assert out["rerouted"] == [{"conversation": "new", "status": "assigned", "agent": "bob", "rule": "default"}]


def test_duplicates_and_out_of_order_events_never_bring_an_ended_hold_back(team, clock):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    first = come_back(team, id="evt_new")
    clock.set(T0 + timedelta(minutes=40))
    jobs.sweep(team.http.application.extensions["stickybot"].db)
    assert conv(team)["agent"] == "bob"
    assert come_back(team, id="evt_new") == {**first, "duplicate": True}  # the same event: its first answer
    again = come_back(team, id="evt_other")  # another created for it: its current state
    assert (again["status"], again["agent"], again["duplicate"]) == ("assigned", "bob", True)
    late = team.event(type="conversation.reopened", conversation="new", at=iso(T0 + timedelta(minutes=1))).get_json()
    assert (late["status"], late["agent"]) == ("assigned", "bob")
    assert team.api("GET", "/api/held").get_json() == []


def test_the_hold_dm_says_until_when_and_take_it_assigns_whatever_the_agents_status(team, rt, slack):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    come_back(team)
    rt.outbox.deliver_due()
    hold = dms(slack, "U_ALICE")[-1]
    epoch = int((T0 + timedelta(minutes=30)).timestamp())
    assert f"<!date^{epoch}^{{time}}|10:30 UTC>" in json.dumps(hold["blocks"])
    assert "is back and waiting for you" in hold["text"]
    take = button(hold, "sticky_take")
    assert click(team.http, "U_ALICE", "sticky_take", take["value"], hold["channel"], "1.1").status_code == 200
    c = conv(team)
    assert (c["status"], c["agent"], c["decisions"][-1]["rule"]) == ("assigned", "alice", "taken")
    rt.outbox.deliver_due()
    updates = slack.of("chat.update")
    assert updates and "it went to alice (taken)" in updates[-1]["text"]


def test_take_it_on_a_conversation_no_longer_held_for_you_changes_nothing_and_says_where_it_is(team, rt, slack,
                                                                                               clock):
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    come_back(team)
    rt.outbox.deliver_due()
    hold = dms(slack, "U_ALICE")[-1]
    clock.set(T0 + timedelta(minutes=31))
    jobs.sweep(rt.db)
    rt.outbox.deliver_due()
    assert "it went to bob (sticky_team)" in slack.of("chat.update")[-1]["text"]  # the hold DM says where
    click(team.http, "U_ALICE", "sticky_take", button(hold, "sticky_take")["value"], hold["channel"], "9.9")
    assert conv(team)["agent"] == "bob"
    rt.outbox.deliver_due()
    assert "nothing changed: it is with bob" in slack.of("chat.update")[-1]["text"]


def test_holds_and_their_outcomes_are_counted_in_metrics(team, clock):
    holds, back = "stickybot_holds_total", 'stickybot_hold_outcomes_total{outcome="came_back"}'
    before = metric(team, holds), metric(team, back)
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    come_back(team, "a")
    come_back(team, "b", customer="cust_42")
    team.api("PATCH", "/api/agents/alice", {"status": "online"})
    assert (metric(team, holds) - before[0], metric(team, back) - before[1]) == (2, 2)


def test_holds_that_fall_back_or_are_resolved_are_counted_as_such(team, clock, rt):
    fell, resolved = ('stickybot_hold_outcomes_total{outcome="fell_back"}',
                      'stickybot_hold_outcomes_total{outcome="resolved"}')
    before = metric(team, fell), metric(team, resolved)
    settings(team, sticky_wait_minutes=30)
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    assert come_back(team, "a")["status"] == "held"
    assert come_back(team, "b", customer="cust_42")["status"] == "held"
    team.event(type="conversation.resolved", conversation="b", at=iso(T0 + timedelta(minutes=5)))
    clock.set(T0 + timedelta(minutes=31))
    jobs.sweep(rt.db)  # the wait for "a" ran out: it falls back to bob
    assert conv(team, "a")["agent"] == "bob"
    assert (metric(team, fell) - before[0], metric(team, resolved) - before[1]) == (1, 1)


def test_wait_and_claim_are_set_from_slack_by_admins_and_shown(team, slack):
    def say(user, text):
        return slash(team.http, user, text).get_json()["text"]
    assert "Only stickybot admins" in say("U_ALICE", "wait 10")
    assert "Only stickybot admins" in say("U_ALICE", "claim 5")
    assert team.api("GET", "/api/settings").get_json()["claim_minutes"] == 0  # refused: nothing changed
    assert "up to *10 min*" in say("U_ADMIN", "wait 10") and "*5 min*" in say("U_ADMIN", "claim 5")
    assert "not a number of minutes" in say("U_ADMIN", "wait 2000")
    status = say("U_ALICE", "status")
    assert "*wait*: 10 min" in status and "*claim*: 5 min" in status
    assert all(f"/sticky {cmd}" in say("U_ALICE", "help") for cmd in ("wait", "claim", "take"))
    assert team.api("GET", "/api/settings").get_json()["sticky_wait_minutes"] == 10


# --- 8.2 claim timer ------------------------------------------------------------------------------

def test_an_assignment_must_be_claimed_in_time_and_the_dm_offers_take_it(team, rt, slack):
    settings(team, claim_minutes=5)
    r = come_back(team)
    assert r["claim_due"] == iso(T0 + timedelta(minutes=5))
    c = conv(team)
    assert (c["claim_due"], c["claimed_at"]) == (iso(T0 + timedelta(minutes=5)), None)
    rt.outbox.deliver_due()
    dm = dms(slack, "U_ALICE")[-1]
    assert [e["action_id"] for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]] == \
        ["sticky_take", "sticky_release"]


@pytest.mark.parametrize("rule_event", [
    dict(assign={"agent": "alice"}),  # explicit_agent: a flow's own choice
])
def test_a_flows_explicit_agent_starts_no_claim_timer(team, rule_event):
    settings(team, claim_minutes=5)
    r = team.event(conversation="e", customer="c9", at=iso(T0), **rule_event).get_json()
    assert "claim_due" not in r and conv(team, "e")["claim_due"] is None


def test_an_unclaimed_assignment_lapses_like_a_release_leaving_that_agent_out(team, rt, slack, clock):
    lapses = metric(team, "stickybot_claim_lapses_total")
    settings(team, claim_minutes=5)
    come_back(team)
    rt.outbox.deliver_due()
    clock.set(T0 + timedelta(minutes=6))
    assert jobs.sweep(rt.db)["claims_lapsed"] == 1
    c = conv(team)
    assert (c["agent"], c["decisions"][-1]["rule"]) == ("bob", "default")  # like a Release: rule 4 without alice
    assert "alice did not take it within 5 min" in c["decisions"][-1]["reason"]
    assert c["left_out"] == ["alice"] and c["claim_due"] == iso(T0 + timedelta(minutes=11))
    rt.outbox.deliver_due()
    assert "you did not take it within 5 min; it went to bob" in slack.of("chat.update")[-1]["text"]
    clock.set(T0 + timedelta(minutes=12))
    jobs.sweep(rt.db)  # bob lets it lapse too: nobody is left to take it
    c = conv(team)
    assert c["status"] == "unassigned" and c["left_out"] == ["alice", "bob"]
    team.api("PATCH", "/api/agents/alice", {"status": "online"})  # a drain leaves both out
    assert conv(team)["status"] == "unassigned"
    assert metric(team, "stickybot_claim_lapses_total") - lapses == 2


def test_take_it_a_reply_or_sticky_take_claims(team, rt, slack, clock):
    settings(team, claim_minutes=5)
    team.api("PATCH", "/api/agents/alice", {"max_open": 5})
    come_back(team, "a")
    come_back(team, "b", customer="cust_42")
    come_back(team, "c", customer="cust_42")
    rt.outbox.deliver_due()
    first = [p for p in dms(slack, "U_ALICE") if json.loads(button(p, "sticky_take")["value"])["c"] == "a"][-1]
    clock.set(T0 + timedelta(minutes=1))
    click(team.http, "U_ALICE", "sticky_take", button(first, "sticky_take")["value"], first["channel"], "1.1")
    team.event(type="conversation.message", conversation="b", author="agent", at=iso(T0 + timedelta(minutes=2)))
    assert "claimed" in slash(team.http, "U_ALICE", "take c").get_json()["text"]
    assert [conv(team, x)["claimed_at"] for x in "abc"] == [iso(T0 + timedelta(minutes=m)) for m in (1, 2, 1)]
    clock.set(T0 + timedelta(minutes=10))
    assert jobs.sweep(rt.db)["claims_lapsed"] == 0
    rt.outbox.deliver_due()
    redrawn = [u for u in slack.of("chat.update") if '\\"c\\":\\"a\\"' in json.dumps(u["blocks"])]
    assert redrawn and "sticky_take" not in json.dumps(redrawn[-1]["blocks"])  # claimed: Take it is gone


def test_a_customers_message_or_another_agents_reply_does_not_claim(team, clock):
    settings(team, claim_minutes=5)
    come_back(team)
    team.event(type="conversation.message", conversation="new", at=iso(T0 + timedelta(minutes=1)))
    team.event(type="conversation.message", conversation="new", author="agent", agent="bob",
               at=iso(T0 + timedelta(minutes=2)))
    assert conv(team)["claimed_at"] is None


def test_a_bad_author_is_refused(team):
    r = team.event(type="conversation.message", conversation="x", author="robot")
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "author"
