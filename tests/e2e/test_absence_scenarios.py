"""CONTRACT.md 9.1-9.2 end to end: signed webhooks, the admin API, the sweep and the fake Slack over HTTP, with
the server's clock moved by hand. Ada (cust_42) is alice's customer."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot import create_app, jobs
from tests.conftest import make_config
from tests.slackkit import SIGNING_SECRET

MON = datetime(2026, 12, 21, 10, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def app(db_url, slack, clock):
    clock.set(MON - timedelta(days=3))
    app = create_app(make_config(db_url, slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=slack.url), clock=clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def rt(app):
    return app.extensions["stickybot"]


@pytest.fixture
def team(client):
    """alice, bob and carol in billing; Ada talked to alice on Friday."""
    client.agent("alice", "billing", slack="U_ALICE")
    client.agent("bob", "billing", slack="U_BOB")
    client.agent("carol", "billing", slack="U_CAROL", status="offline")
    friday = MON - timedelta(days=3)
    client.event(conversation="c0", at=iso(friday), team="billing", assign={"agent": "alice"})
    client.event(type="conversation.resolved", conversation="c0", at=iso(friday + timedelta(hours=1)))
    return client


def api_ok(client, method, path, body=None, status=(200, 201, 204)):
    r = client.api(method, path, body)
    assert r.status_code in status, r.get_json()
    return r.get_json()


def holiday(client, clock, cover=("bob",), start="2026-12-20", end="2026-12-27", agent="alice"):
    return api_ok(client, "POST", f"/api/agents/{agent}/absences",
                  {"start": start, "end": end, "cover": list(cover), "note": "holiday"})


def ada_back(client, conversation, at, **extra):
    return client.event(conversation=conversation, at=iso(at), team="billing", **extra).get_json()


def link(client):
    return client.api("GET", "/api/customers/cust_42").get_json()["sticky"]


def sweep(rt, clock, at):
    clock.set(at)
    return jobs.sweep(rt.db)


def test_ada_goes_to_the_cover_while_alice_is_away_and_back_to_alice_afterwards(team, rt, clock, slack):
    holiday(team, clock)
    answer = ada_back(team, "c1", MON)
    assert (answer["agent"], answer["rule"]) == ("bob", "cover")
    assert "alice is absent through 27 Dec (holiday); bob covers alice's customers" in answer["reason"]
    assert link(team)["agent"] == "alice" and link(team)["last_interaction_at"] == iso(MON)
    # Ada writes to bob, who resolves it: the link's time moves forward as if alice had handled them
    team.event(type="conversation.message", conversation="c1", at=iso(MON + timedelta(days=1)))
    team.event(type="conversation.resolved", conversation="c1", at=iso(MON + timedelta(days=1, hours=2)))
    assert link(team) == {**link(team), "agent": "alice", "last_interaction_at": iso(MON + timedelta(days=1, hours=2))}
    # ten days after alice last saw her, inside the 7-day window thanks to bob's work
    back = ada_back(team, "c2", MON + timedelta(days=8))
    assert (back["agent"], back["rule"]) == ("alice", "sticky")
    assert "bob covered cust_42 while alice was away" in back["reason"]


def test_the_covers_dm_says_whose_customer_it_is_until_when_and_that_the_customer_goes_back(team, rt, clock, slack):
    holiday(team, clock)
    ada_back(team, "c1", MON)
    rt.outbox.deliver_due()
    dm = slack.posts("U_BOB")[-1]
    text = dm["blocks"][0]["text"]["text"]
    until = int(datetime(2026, 12, 28, 0, 0, tzinfo=timezone.utc).timestamp())  # whole days, in UTC (no zone)
    assert "you cover for alice, who is absent" in text
    assert f"Ada Lovelace is alice's customer. alice is away until <!date^{until}^" in text
    assert "afterwards Ada Lovelace goes back to alice." in text


def test_an_open_conversation_moves_to_the_cover_when_the_customer_writes(team, rt, clock, slack):
    team.event(conversation="open", at=iso(MON - timedelta(days=2)), team="billing", assign={"agent": "alice"})
    holiday(team, clock)
    answer = team.event(type="conversation.message", conversation="open", at=iso(MON), author="agent").get_json()
    assert answer["agent"] == "alice"  # the agent's own words change nothing
    answer = team.event(type="conversation.message", conversation="open", at=iso(MON + timedelta(minutes=1))).get_json()
    assert answer["agent"] == "bob"
    decisions = team.api("GET", "/api/conversations/open").get_json()["decisions"]
    assert (decisions[-1]["rule"], decisions[-1]["agent"]) == ("cover", "bob")
    assert decisions[-1]["reason"].startswith("cust_42 wrote; alice is absent through 27 Dec")
    loads = {a["id"]: a["open_load"] for a in team.api("GET", "/api/agents").get_json()}
    assert (loads["alice"], loads["bob"]) == (0, 1)


def test_with_no_cover_available_an_open_conversation_falls_back_to_its_team(team, clock):
    team.event(conversation="open", at=iso(MON - timedelta(days=2)), team="billing", assign={"agent": "bob"})
    holiday(team, clock, agent="bob", cover=("carol",))  # carol is offline
    answer = team.event(type="conversation.message", conversation="open", at=iso(MON)).get_json()
    assert answer["agent"] == "alice"
    assert team.api("GET", "/api/conversations/open").get_json()["decisions"][-1]["rule"] == "sticky_team"


def test_nobody_waits_on_an_absent_agent(team, clock):
    api_ok(team, "PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    holiday(team, clock, cover=())
    answer = ada_back(team, "c1", MON)
    assert (answer["status"], answer["agent"], answer["rule"]) == ("assigned", "bob", "sticky_team")
    assert "alice is absent through 27 Dec (holiday); nobody covers" in answer["reason"]


def test_with_the_check_off_an_absence_still_sends_the_customer_to_the_cover(team, clock):
    api_ok(team, "PATCH", "/api/settings", {"availability_check": False})
    holiday(team, clock, cover=("bob",))
    assert ada_back(team, "c1", MON)["rule"] == "cover"


def test_a_customer_whose_agent_starts_within_the_wait_is_held_and_drained_when_the_shift_starts(team, rt, clock):
    api_ok(team, "PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    api_ok(team, "PATCH", "/api/agents/alice", {"time_zone": "UTC", "hours": {"mon": [["10:20", "17:00"]]}})
    answer = ada_back(team, "c1", MON)
    assert (answer["status"], answer["agent"], answer["rule"]) == ("held", "alice", "sticky_hold")
    assert "alice is off duty and starts at 10:20 UTC" in answer["reason"]
    sweep(rt, clock, MON + timedelta(minutes=19, seconds=59))
    assert team.api("GET", "/api/conversations/c1").get_json()["status"] == "held"
    sweep(rt, clock, MON + timedelta(minutes=20))
    conv = team.api("GET", "/api/conversations/c1").get_json()
    assert (conv["status"], conv["agent"], conv["decisions"][-1]["rule"]) == ("assigned", "alice", "sticky")


def test_a_hold_for_an_agent_who_becomes_absent_goes_to_the_cover_at_the_next_sweep(team, rt, clock):
    api_ok(team, "PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    api_ok(team, "PATCH", "/api/agents/alice", {"status": "away"})
    clock.set(MON)
    assert ada_back(team, "c1", MON)["status"] == "held"
    holiday(team, clock, start=iso(MON + timedelta(minutes=1)), end="2026-12-27")
    sweep(rt, clock, MON + timedelta(minutes=2))
    conv = team.api("GET", "/api/conversations/c1").get_json()
    assert (conv["status"], conv["agent"], conv["decisions"][-1]["rule"]) == ("assigned", "bob", "cover")


def test_a_hold_for_an_agent_who_goes_off_duty_and_is_not_back_in_time_ends_at_the_next_sweep(team, rt, clock):
    api_ok(team, "PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    api_ok(team, "PATCH", "/api/agents/alice", {"status": "away", "time_zone": "UTC",
                                                "hours": {"mon": [["08:00", "10:10"]]}})
    assert ada_back(team, "c1", MON)["status"] == "held"
    sweep(rt, clock, MON + timedelta(minutes=9))
    assert team.api("GET", "/api/conversations/c1").get_json()["status"] == "held"
    sweep(rt, clock, MON + timedelta(minutes=10))
    conv = team.api("GET", "/api/conversations/c1").get_json()
    assert (conv["status"], conv["agent"], conv["decisions"][-1]["rule"]) == ("assigned", "bob", "sticky_team")
    assert "went off duty" in conv["decisions"][-1]["reason"]


def test_an_agent_coming_on_duty_takes_the_queue_at_the_next_sweep(team, rt, clock):
    api_ok(team, "PATCH", "/api/agents/alice", {"status": "offline"})
    api_ok(team, "PATCH", "/api/agents/bob", {"time_zone": "UTC", "hours": {"mon": [["11:00", "17:00"]]}})
    answer = team.event(conversation="q1", customer="newcomer", at=iso(MON), team="billing").get_json()
    assert answer["status"] == "unassigned"
    sweep(rt, clock, MON + timedelta(minutes=59))
    assert team.api("GET", "/api/conversations/q1").get_json()["status"] == "unassigned"
    sweep(rt, clock, MON + timedelta(hours=1))
    conv = team.api("GET", "/api/conversations/q1").get_json()
    assert (conv["agent"], conv["decisions"][-1]["rule"]) == ("bob", "queue")


def test_ending_an_absence_is_like_coming_back_the_queue_goes_to_the_agent(team, clock):
    api_ok(team, "PATCH", "/api/agents/bob", {"status": "offline"})
    made = holiday(team, clock, cover=())
    clock.set(MON)
    assert team.event(conversation="q1", customer="newcomer", at=iso(MON), team="billing").get_json()["status"] \
        == "unassigned"
    api_ok(team, "DELETE", f"/api/agents/alice/absences/{made['id']}")
    conv = team.api("GET", "/api/conversations/q1").get_json()
    assert (conv["agent"], conv["decisions"][-1]["rule"]) == ("alice", "queue")


def test_queued_work_for_an_absent_agents_customer_keeps_the_link(team, clock):
    api_ok(team, "PATCH", "/api/agents/bob", {"status": "offline"})
    holiday(team, clock, cover=("bob",))
    assert ada_back(team, "c1", MON)["status"] == "unassigned"
    clock.set(MON + timedelta(hours=1))
    api_ok(team, "PATCH", "/api/agents/bob", {"status": "online"})  # bob takes the queue
    assert team.api("GET", "/api/conversations/c1").get_json()["agent"] == "bob"
    assert link(team)["agent"] == "alice" and link(team)["last_interaction_at"] == iso(MON + timedelta(hours=1))


def test_a_flows_explicit_agent_moves_the_link_even_during_an_absence(team, clock):
    holiday(team, clock)
    ada_back(team, "c1", MON, assign={"agent": "carol"})
    assert link(team)["agent"] == "carol"


def test_the_figures_count_covers_and_misses_by_absence_and_off_duty(team, clock):
    holiday(team, clock)
    ada_back(team, "c1", MON)
    team.event(conversation="x0", customer="eve", at=iso(MON - timedelta(days=1)), team="billing",
               assign={"agent": "bob"})
    api_ok(team, "PATCH", "/api/agents/bob", {"time_zone": "UTC", "hours": {"tue": [["09:00", "17:00"]]}})
    api_ok(team, "PATCH", "/api/agents/carol", {"status": "online"})
    team.event(conversation="x1", customer="eve", at=iso(MON), team="billing")
    clock.set(MON + timedelta(hours=1))
    total = team.api("GET", "/api/stats?days=7").get_json()["total"]
    assert (total["returning"], total["to_cover"], total["to_teammate"]) == (2, 1, 1)
    assert (total["misses"]["absent"], total["misses"]["off_duty"]) == (1, 1)


def test_an_agent_whose_shift_started_before_the_hold_ended_gets_the_customer_even_if_the_sweep_is_late(team, rt,
                                                                                                        clock):
    api_ok(team, "PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    api_ok(team, "PATCH", "/api/agents/alice", {"time_zone": "UTC", "hours": {"mon": [["10:29", "17:00"]]}})
    assert ada_back(team, "c1", MON)["status"] == "held"  # until 10:30; alice starts at 10:29
    sweep(rt, clock, MON + timedelta(minutes=30, seconds=50))  # the first sweep after her start is past the wait
    conv = team.api("GET", "/api/conversations/c1").get_json()
    assert (conv["status"], conv["agent"], conv["decisions"][-1]["rule"]) == ("assigned", "alice", "sticky")
