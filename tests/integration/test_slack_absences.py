"""Absences from Slack, CONTRACT.md 9.2 and 9.4: `/sticky away FROM TO [cover @bob @carol] [note]`, `/sticky back`,
`/sticky absence @alice FROM TO ...` (admins) and `/sticky absences`, through signed slash commands."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.test_slack_signals import NOW, clock, signals_app  # noqa: F401 (fixture)
from tests.slackkit import slash


@pytest.fixture
def app(db_url, slack, clock):  # noqa: F811
    app = signals_app(db_url, slack, clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def team(client):
    client.agent("alice", "billing", slack="U_ALICE")
    client.agent("bob", "billing", slack="U_BOB")
    client.agent("carol", "billing", slack="U_CAROL")
    client.agent("dave", "billing")  # no Slack id
    client.api("PATCH", "/api/agents/alice", {"time_zone": "Europe/Berlin", "cover": ["carol"]})
    client.api("PATCH", "/api/agents/bob", {"time_zone": "Asia/Tokyo"})
    return client


def say(client, user, text):
    r = slash(client.http, user, text)
    assert r.status_code == 200
    assert r.get_json()["response_type"] == "ephemeral"
    return r.get_json()["text"]


def absences(client, agent):
    return client.api("GET", f"/api/agents/{agent}/absences").get_json()


def test_away_from_to_sets_the_callers_absence_in_whole_days_of_their_zone_both_included(team):
    text = say(team, "U_ALICE", "away 2026-12-20 2026-12-31 cover <@U_BOB|bob> <@U_CAROL> holiday in Spain")
    (a,) = absences(team, "alice")
    assert (a["start"], a["end"]) == ("2026-12-19T23:00:00Z", "2026-12-31T23:00:00Z")  # Berlin's midnights
    assert (a["cover"], a["note"], a["source"]) == (["bob", "carol"], "holiday in Spain", "slack")
    assert "Sun 20 Dec – Thu 31 Dec (Europe/Berlin)" in text and "bob and carol cover" in text
    assert "/sticky back" in text
    entry = team.api("GET", "/api/audit").get_json()["items"][0]
    assert (entry["actor"], entry["action"]) == ("slack:U_ALICE", "absence.create")


def test_the_dates_are_the_callers_own_zone(team):
    say(team, "U_BOB", "away 2026-12-20 2026-12-20")
    (a,) = absences(team, "bob")
    assert (a["start"], a["end"]) == ("2026-12-19T15:00:00Z", "2026-12-20T15:00:00Z")  # Tokyo: one whole day


def test_without_cover_the_agents_default_cover_covers(team):
    text = say(team, "U_ALICE", "away 2026-12-20 2026-12-21")
    assert absences(team, "alice")[0]["cover"] == ["carol"] and "default cover" in text
    assert "nobody covers" in say(team, "U_BOB", "away 2026-12-20 2026-12-21")


def test_a_bare_away_keeps_its_old_meaning(team):
    assert "*away*" in say(team, "U_ALICE", "away")
    assert team.api("GET", "/api/agents/alice").get_json()["status"] == "away"
    assert absences(team, "alice") == []


@pytest.mark.parametrize("text,words", [
    ("away 2026-12-21 2026-12-20", "end must come after start"),
    ("away 2026-12-01 2026-12-02", "already past"),
    ("away 2026-02-30 2026-03-02", "not a date"),
    ("away 2026-12-20 2026-12-21 cover <@U_NOBODY>", "U_NOBODY is not a stickybot agent"),
    ("away 2026-12-20 2026-12-21 cover <@U_ALICE>", "the agent itself"),
])
def test_a_bad_absence_is_refused_and_changes_nothing(team, text, words):
    answer = say(team, "U_ALICE", text)
    assert answer.startswith("Nothing changed") and words in answer
    assert absences(team, "alice") == []


def test_an_absence_overlapping_another_is_refused(team):
    say(team, "U_ALICE", "away 2026-12-20 2026-12-22")
    assert "already absent" in say(team, "U_ALICE", "away 2026-12-22 2026-12-24")
    assert len(absences(team, "alice")) == 1


def test_someone_who_is_no_agent_cannot_be_away(team):
    assert "not linked to an agent" in say(team, "U_STRANGER", "away 2026-12-20 2026-12-21")


def test_back_ends_the_current_absence_and_leaves_the_status_as_it_is(team, clock):
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    say(team, "U_ALICE", "away 2026-12-07 2026-12-09")
    say(team, "U_ALICE", "away 2026-12-20 2026-12-21")  # ahead: not ended by back
    clock.set(NOW + timedelta(hours=2))
    text = say(team, "U_ALICE", "back")
    assert "ended now" in text and "*away*" in text
    ended = team.api("GET", "/api/agents/alice/absences?past=true").get_json()
    assert [a["end"] for a in ended] == ["2026-12-07T12:00:00Z", "2026-12-21T23:00:00Z"]
    agent = team.api("GET", "/api/agents/alice").get_json()
    assert agent["status"] == "away" and agent["availability"]["state"] == "away"
    assert "no absence now" in say(team, "U_ALICE", "back")


def test_back_brings_the_customers_waiting_for_the_agent(team, clock):
    team.api("PATCH", "/api/settings", {"sticky_wait_minutes": 0})
    say(team, "U_ALICE", "away 2026-12-07 2026-12-09")
    team.event(conversation="c1", at="2026-12-07T10:00:00Z", team="billing", customer="new_one")
    clock.set(NOW + timedelta(minutes=1))
    say(team, "U_BOB", "offline")
    say(team, "U_CAROL", "offline")
    team.api("PATCH", "/api/agents/dave", {"status": "offline"})
    team.event(conversation="c2", at="2026-12-07T10:01:00Z", team="billing", customer="another")
    assert team.api("GET", "/api/conversations/c2").get_json()["status"] == "unassigned"
    say(team, "U_ALICE", "back")
    assert team.api("GET", "/api/conversations/c2").get_json()["agent"] == "alice"


def test_an_admin_sets_an_agents_absence_in_that_agents_zone(team):
    text = say(team, "U_ADMIN", "absence <@U_BOB|bob> 2026-12-24 2026-12-26 cover <@U_ALICE> christmas")
    (a,) = absences(team, "bob")
    assert (a["start"], a["end"], a["cover"], a["note"]) == ("2026-12-23T15:00:00Z", "2026-12-26T15:00:00Z",
                                                             ["alice"], "christmas")
    assert "*bob* is away" in text and "(Asia/Tokyo)" in text
    entry = team.api("GET", "/api/audit").get_json()["items"][0]
    assert (entry["actor"], entry["target"]) == ("slack:U_ADMIN", "bob")


def test_only_admins_set_someone_elses_absence(team):
    assert "Only stickybot admins" in say(team, "U_ALICE", "absence <@U_BOB> 2026-12-24 2026-12-26")
    assert absences(team, "bob") == []


def test_absences_lists_everyones_current_and_next_30_days_for_everyone(team, clock):
    say(team, "U_ALICE", "away 2026-12-07 2026-12-08 cover <@U_BOB> dentist &amp; more")
    say(team, "U_BOB", "away 2027-01-05 2027-01-06")      # starts within 30 days
    say(team, "U_CAROL", "away 2027-01-07 2027-01-08")    # starts after 30 days
    text = say(team, "U_STRANGER", "absences")
    assert "*alice*: Mon 7 Dec – Tue 8 Dec (Europe/Berlin) (dentist &amp; more); bob covers · slack" in text
    assert "*bob*: Tue 5 Jan – Wed 6 Jan (Asia/Tokyo)" in text
    assert "carol" not in text
    clock.set(NOW + timedelta(days=3))
    assert "alice" not in say(team, "U_STRANGER", "absences")  # over
    clock.set(NOW + timedelta(days=40))
    assert say(team, "U_X", "absences") == "Nobody is absent now or in the next 30 days."


def test_the_help_lists_the_absence_commands(team):
    text = say(team, "U_X", "help")
    for part in ("/sticky away FROM TO", "/sticky back", "/sticky absence @alice", "/sticky absences"):
        assert part in text
