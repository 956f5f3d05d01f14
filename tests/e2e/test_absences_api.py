"""CONTRACT.md 9.1-9.3a through the admin API: hours and zones on agents, absences, availability explained."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot import create_app
from tests.conftest import StickyClient, make_config, snapshot

NOW = datetime(2026, 12, 18, 12, 0, tzinfo=timezone.utc)  # a Friday


@pytest.fixture
def clock(clock):
    clock.set(NOW)
    return clock


@pytest.fixture
def team(client):
    client.agent("alice", "billing")
    client.agent("bob", "billing")
    client.agent("carol", "billing")
    r = client.api("PATCH", "/api/agents/alice", {"time_zone": "Europe/Berlin"})
    assert r.status_code == 200, r.get_json()
    return client


def absent(client, agent="alice", **body):
    return client.api("POST", f"/api/agents/{agent}/absences", {"start": "2026-12-20", "end": "2026-12-30", **body})


def refused(client, app, method, path, body, status, field=None):
    before = snapshot(app)
    r = client.api(method, path, body)
    assert r.status_code == status, r.get_json()
    assert r.get_json()["message"]
    if field is not None:
        assert field in [d["field"] for d in r.get_json()["details"]], r.get_json()
    assert snapshot(app) == before
    return r.get_json()


# --- hours and zones on agents ------------------------------------------------------------------------------

def test_hours_and_zone_are_set_read_and_audited(team):
    hours = {"tue": [["13:00", "17:30"], ["09:00", "12:00"]], "mon": [["09:00", "17:30"]]}
    body = team.api("PATCH", "/api/agents/bob", {"hours": hours, "time_zone": "America/New_York"}).get_json()
    assert body["hours"] == {"mon": [["09:00", "17:30"]], "tue": [["09:00", "12:00"], ["13:00", "17:30"]]}
    assert body["time_zone"] == "America/New_York"
    entry = team.api("GET", "/api/audit?limit=1").get_json()["items"][0]
    assert (entry["actor"], entry["action"], entry["target"]) == ("api", "agent.update", "bob")
    assert entry["before"] == {"hours": None, "time_zone": None}
    assert entry["after"]["time_zone"] == "America/New_York" and entry["after"]["hours"]["tue"][0] == ["09:00", "12:00"]


def test_a_zone_left_unset_is_null_and_the_default_zone_applies(db_url, clock):
    app = create_app(make_config(db_url, default_time_zone="Asia/Tokyo"), clock=clock)
    client = StickyClient(app.test_client())
    try:
        client.agent("dan")
        body = client.api("PATCH", "/api/agents/dan", {"hours": {"fri": [["09:00", "17:00"]]}}).get_json()
        # 12:00 UTC on Friday is 21:00 in Tokyo: Friday's shift is over, and the next is a week away
        assert body["time_zone"] is None
        assert body["availability"]["state"] == "off_duty"
        assert body["availability"]["why"] == "off duty until 25 Dec 09:00 Asia/Tokyo"
    finally:
        app.extensions["stickybot"].close()


@pytest.mark.parametrize("body,field", [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"time_zone": "../../etc/passwd"}, "time_zone"),
    ({"time_zone": "localtime"}, "time_zone"),
    ({"time_zone": "right/Europe/Berlin"}, "time_zone"),
    ({"hours": {"mon": [["17:00", "09:00"]]}}, "hours.mon[0]"),
    ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "hours.mon"),
    ({"hours": {"mon": [["24:00", "24:00"]]}}, "hours.mon[0]"),
    ({"hours": {"someday": []}}, "hours.someday"),
    ({"hours": [["09:00", "17:00"]]}, "hours"),
    ({"cover": ["nobody"]}, "cover[0]"),
    ({"cover": ["alice"]}, "cover[0]"),
])
def test_bad_hours_zones_and_covers_are_422_naming_the_field(team, app, body, field):
    refused(team, app, "PATCH", "/api/agents/alice", body, 422, field)


def test_touching_ranges_24_00_and_an_empty_week_are_fine(team):
    r = team.api("PATCH", "/api/agents/bob", {"hours": {"mon": [["09:00", "12:00"], ["12:00", "24:00"]]}})
    assert r.status_code == 200
    body = team.api("PATCH", "/api/agents/bob", {"hours": {}}).get_json()
    assert body["hours"] == {} and body["availability"]["state"] == "off_duty"


def test_a_default_cover_list_is_kept_in_order(team):
    body = team.api("PATCH", "/api/agents/alice", {"cover": ["carol", "bob", "carol"]}).get_json()
    assert body["cover"] == ["carol", "bob"]


# --- the availability object ----------------------------------------------------------------------------------

def test_every_agent_read_says_its_availability_and_available_agrees(team, clock):
    team.api("PATCH", "/api/agents/bob", {"max_open": 1})
    team.event(conversation="c1", customer="x", assign={"agent": "bob"})
    team.api("PATCH", "/api/agents/carol", {"status": "away"})
    absent(team, cover=["bob"], note="holiday")
    clock.set(datetime(2026, 12, 21, 9, tzinfo=timezone.utc))
    agents = {a["id"]: a for a in team.api("GET", "/api/agents").get_json()}
    assert agents["alice"]["availability"] == {"state": "absent", "until": "2026-12-30T23:00:00Z",
                                               "why": "absent through 30 Dec (holiday); bob covers",
                                               "source": "absence"}
    assert agents["bob"]["availability"]["state"] == "full" and agents["bob"]["availability"]["source"] == "capacity"
    assert agents["carol"]["availability"] == {"state": "away", "until": None, "why": "status away",
                                               "source": "status"}
    for a in agents.values():
        assert a["available"] == (a["availability"]["state"] == "available")
    assert team.api("GET", "/api/agents/alice").get_json()["availability"] == agents["alice"]["availability"]


def test_a_deactivated_agent_is_inactive_from_the_directory(team):
    team.api("DELETE", "/api/agents/carol")
    found = team.api("GET", "/api/agents/carol").get_json()["availability"]
    assert (found["state"], found["source"]) == ("inactive", "directory")


# --- absences ----------------------------------------------------------------------------------------------------

def test_dates_are_whole_days_in_the_agents_zone_and_answers_are_in_utc(team):
    r = absent(team, cover=["bob", "carol"], note="holiday")
    assert r.status_code == 201
    assert r.get_json() == {"id": r.get_json()["id"], "agent": "alice", "start": "2026-12-19T23:00:00Z",
                            "end": "2026-12-30T23:00:00Z", "cover": ["bob", "carol"], "note": "holiday",
                            "source": "api"}


def test_times_with_an_offset_are_taken_as_given_and_note_and_cover_are_optional(team):
    r = team.api("POST", "/api/agents/bob/absences", {"start": "2026-12-22T09:00:00+01:00",
                                                       "end": "2026-12-22T13:00:00+01:00"})
    assert r.status_code == 201
    assert (r.get_json()["start"], r.get_json()["end"]) == ("2026-12-22T08:00:00Z", "2026-12-22T12:00:00Z")
    assert (r.get_json()["note"], r.get_json()["cover"]) == (None, [])


def test_dates_become_instants_when_the_absence_is_created(team):
    made = absent(team).get_json()
    team.api("PATCH", "/api/agents/alice", {"time_zone": "America/New_York"})
    listed = team.api("GET", "/api/agents/alice/absences").get_json()
    assert (listed[0]["start"], listed[0]["end"]) == (made["start"], made["end"])


@pytest.mark.parametrize("body,field", [
    ({"start": "2026-12-20T09:00:00", "end": "2026-12-30"}, "start"),
    ({"start": "2026-12-20", "end": "2026-12-30T18:00"}, "end"),
    ({"start": "2026-12-30", "end": "2026-12-20"}, "end"),
    ({"start": "2026-12-01", "end": "2026-12-10"}, "end"),
    ({"start": "2026-02-30", "end": "2026-12-10"}, "start"),
    ({"start": "２０２６-12-20", "end": "2026-12-30"}, "start"),
    ({"start": "next week", "end": "2026-12-30"}, "start"),
    ({"start": "2026-12-20", "end": "2026-12-30", "cover": ["ghost"]}, "cover[0]"),
    ({"start": "2026-12-20", "end": "2026-12-30", "cover": ["alice"]}, "cover[0]"),
    ({"start": "2026-12-20", "end": "2026-12-30", "note": "x" * 501}, "note"),
    ({"start": "2026-12-20"}, "end"),
])
def test_a_bad_absence_is_422_naming_the_field_and_stores_nothing(team, app, body, field):
    refused(team, app, "POST", "/api/agents/alice/absences", body, 422, field)


def test_an_inactive_cover_is_422(team, app):
    team.api("DELETE", "/api/agents/carol")
    refused(team, app, "POST", "/api/agents/alice/absences", {"start": "2026-12-20", "end": "2026-12-30",
                                                               "cover": ["carol"]}, 422, "cover[0]")


def test_an_overlapping_absence_is_409_and_one_that_only_touches_is_not(team, app):
    absent(team)
    found = refused(team, app, "POST", "/api/agents/alice/absences", {"start": "2026-12-30", "end": "2027-01-02"}, 409)
    assert "already absent" in found["message"]
    assert absent(team, start="2026-12-31", end="2027-01-02").status_code == 201
    assert absent(team, agent="bob").status_code == 201  # another agent's time is its own


def test_an_unknown_agent_is_404(team, app):
    refused(team, app, "POST", "/api/agents/zed/absences", {"start": "2026-12-20", "end": "2026-12-30"}, 404)
    assert team.api("GET", "/api/agents/zed/absences").status_code == 404
    assert team.api("GET", "/api/agents/zed/availability").status_code == 404


def test_lists_are_current_and_future_earliest_first_and_past_adds_ended_ones(team, clock):
    clock.set(datetime(2026, 12, 1, tzinfo=timezone.utc))
    early = absent(team, agent="bob", start="2026-12-02", end="2026-12-03").get_json()
    later = absent(team, start="2026-12-20", end="2026-12-30").get_json()
    same = absent(team, agent="carol", start="2026-12-20T00:00:00+01:00", end="2026-12-21").get_json()
    clock.set(NOW)
    assert [a["id"] for a in team.api("GET", "/api/absences").get_json()] == [later["id"], same["id"]]
    assert team.api("GET", "/api/agents/bob/absences").get_json() == []
    assert [a["id"] for a in team.api("GET", "/api/agents/bob/absences?past=true").get_json()] == [early["id"]]
    assert team.api("GET", "/api/agents/bob/absences?past=maybe").status_code == 422


def test_delete_ends_a_current_absence_now_and_removes_a_future_one(team, clock):
    current = absent(team, start="2026-12-17", end="2026-12-30").get_json()
    future = absent(team, agent="bob").get_json()
    assert team.api("DELETE", f"/api/agents/alice/absences/{current['id']}").status_code == 204
    assert team.api("DELETE", f"/api/agents/bob/absences/{future['id']}").status_code == 204
    ended = team.api("GET", "/api/agents/alice/absences?past=true").get_json()[0]
    assert ended["end"] == "2026-12-18T12:00:00Z"
    assert team.api("GET", "/api/agents/bob/absences?past=true").get_json() == []
    actions = [e["action"] for e in team.api("GET", "/api/audit?limit=3").get_json()["items"]]
    assert actions[:2] == ["absence.remove", "absence.end"]


def test_delete_of_an_unknown_another_agents_or_an_ended_absence_changes_nothing(team, app, clock):
    made = absent(team).get_json()
    refused(team, app, "DELETE", f"/api/agents/bob/absences/{made['id']}", None, 404)
    refused(team, app, "DELETE", "/api/agents/alice/absences/999999", None, 404)
    refused(team, app, "DELETE", "/api/agents/alice/absences/99999999999", None, 404)
    clock.set(datetime(2027, 1, 5, tzinfo=timezone.utc))
    refused(team, app, "DELETE", f"/api/agents/alice/absences/{made['id']}", None, 409)


def test_absences_are_audited_with_their_actor(team):
    made = absent(team, cover=["bob"]).get_json()
    entry = team.api("GET", "/api/audit?limit=1").get_json()["items"][0]
    assert (entry["actor"], entry["action"], entry["target"], entry["before"]) == ("api", "absence.create", "alice",
                                                                                  None)
    assert entry["after"] == made


# --- the planned availability ------------------------------------------------------------------------------------

def test_the_plan_is_one_timeline_of_hours_and_absences(team):
    team.api("PATCH", "/api/agents/alice", {"hours": {"mon": [["09:00", "12:00"], ["12:00", "17:00"]],
                                                       "tue": [["09:00", "17:00"]]}})
    absent(team, start="2026-12-22T13:00:00+01:00", end="2026-12-22T15:00:00+01:00")
    plan = team.api("GET", "/api/agents/alice/availability?from=2026-12-21T00:00:00%2B01:00"
                           "&to=2026-12-23T00:00:00%2B01:00").get_json()
    assert [(i["state"], i["start"], i["end"]) for i in plan["intervals"]] == [
        ("off_duty", "2026-12-20T23:00:00Z", "2026-12-21T08:00:00Z"),
        ("on_duty", "2026-12-21T08:00:00Z", "2026-12-21T16:00:00Z"),
        ("off_duty", "2026-12-21T16:00:00Z", "2026-12-22T08:00:00Z"),
        ("on_duty", "2026-12-22T08:00:00Z", "2026-12-22T12:00:00Z"),
        ("absent", "2026-12-22T12:00:00Z", "2026-12-22T14:00:00Z"),
        ("on_duty", "2026-12-22T14:00:00Z", "2026-12-22T16:00:00Z"),
        ("off_duty", "2026-12-22T16:00:00Z", "2026-12-22T23:00:00Z")]
    assert {i["source"] for i in plan["intervals"]} == {"hours", "absence"}


def test_the_plan_defaults_to_the_next_seven_days(team):
    plan = team.api("GET", "/api/agents/bob/availability").get_json()
    assert (plan["from"], plan["to"]) == ("2026-12-18T12:00:00Z", "2026-12-25T12:00:00Z")
    assert plan["intervals"] == [{"state": "on_duty", "start": plan["from"], "end": plan["to"], "source": "hours"}]


@pytest.mark.parametrize("query", ["from=2026-12-20T00:00:00&to=2026-12-21T00:00:00Z",
                                   "from=2026-12-20T00:00:00Z&to=2026-12-19T00:00:00Z",
                                   "from=2026-12-01T00:00:00Z&to=2027-01-02T00:00:00Z",
                                   "from=2026-12-20&to=2026-12-21T00:00:00Z", "to=soon"])
def test_a_bad_period_is_422(team, query):
    r = team.api("GET", f"/api/agents/alice/availability?{query}")
    assert r.status_code == 422 and r.get_json()["details"]
