"""Signals from Slack, CONTRACT.md 9.4: a status that says the agent is away, do-not-disturb, Slack's time zone;
each event applied once, older ones ignored, non-agents ignored. Through signed Events API requests, on a real
database, with the server's clock standing still."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from bot import create_app
from bot.clock import FrozenClock
from bot.models import SlackEvent
from tests.conftest import StickyClient, make_config, orm
from tests.slackkit import SIGNING_SECRET, dnd_event, envelope, post_json, slash, status_event

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)  # a Monday
T = int(NOW.timestamp())


def signals_app(db_url, slack, clock, **overrides):
    settings = dict(slack_bot_token="xoxb-test-token", slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=slack.url, admin_slack_ids=frozenset({"U_ADMIN"}))
    settings.update(overrides)
    return create_app(make_config(db_url, **settings), clock=clock)


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def app(db_url, slack, clock):
    app = signals_app(db_url, slack, clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def team(client):
    client.agent("alice", "billing", slack="U_ALICE")
    client.agent("bob", "billing", slack="U_BOB")
    client.agent("carol", "billing", slack="U_CAROL")
    assert client.api("PATCH", "/api/agents/alice", {"cover": ["bob", "carol"]}).status_code == 200
    return client


def send(client, event: dict, event_id: str, at: int = T):
    r = post_json(client.http, envelope(event, event_id, at))
    assert r.status_code == 200, r.get_data(as_text=True)
    return r


def absences(client, agent="alice"):
    return client.api("GET", f"/api/agents/{agent}/absences").get_json()


def availability(client, agent="alice"):
    return client.api("GET", f"/api/agents/{agent}").get_json()["availability"]


def events_noted(app):
    with orm(app.extensions["stickybot"].db) as session:
        return sorted(session.exec(select(SlackEvent.event_id)).all())


# --- a status that says the agent is away --------------------------------------------------------------------------

def test_a_holiday_emoji_starts_a_slack_status_absence_until_its_expiry_covered_by_the_default_cover(team):
    expires = T + 3 * 86400
    send(team, status_event("U_ALICE", ":palm_tree:", "Back on Thursday", expires), "Ev1", T - 60)
    (absence,) = absences(team)
    assert absence["source"] == "slack-status" and absence["cover"] == ["bob", "carol"]
    assert absence["start"] == "2026-12-07T09:59:00Z"  # the event's time
    assert absence["end"] == "2026-12-10T10:00:00Z" and absence["note"] == "Back on Thursday"
    now = availability(team)
    assert (now["state"], now["source"], now["until"]) == ("absent", "slack-status", "2026-12-10T10:00:00Z")


def test_words_in_the_status_text_start_one_and_a_status_without_expiry_has_no_end_until_it_is_cleared(team):
    send(team, status_event("U_ALICE", ":sunny:", "On VACATION"), "Ev1")
    (absence,) = absences(team)
    assert absence["end"] is None and absence["note"] == "On VACATION"
    send(team, status_event("U_ALICE"), "Ev2", T + 60)  # cleared
    assert absences(team) == [] and availability(team)["state"] == "available"


def test_a_status_that_does_not_say_away_starts_nothing_and_ends_a_slack_status_absence(team):
    send(team, status_event("U_ALICE", ":coffee:", "Leaving early"), "Ev1")
    assert absences(team) == []
    send(team, status_event("U_ALICE", ":face_with_thermometer:"), "Ev2", T + 60)
    assert len(absences(team)) == 1
    send(team, status_event("U_ALICE", ":coffee:", "In a meeting"), "Ev3", T + 120)
    assert absences(team) == []


def test_clearing_the_status_ends_only_an_absence_from_slack_status(team):
    made = team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-07T09:00:00Z", "end": "2026-12-09",
                                                           "note": "training"})
    assert made.status_code == 201
    send(team, status_event("U_ALICE", ":palm_tree:"), "Ev1")
    # the time the other absence covers is left to it: the status's absence (no expiry) starts when it ends
    assert [(a["source"], a["start"], a["end"]) for a in absences(team)] == [
        ("api", "2026-12-07T09:00:00Z", made.get_json()["end"]), ("slack-status", made.get_json()["end"], None)]
    send(team, status_event("U_ALICE"), "Ev2", T + 60)
    assert [(a["source"], a["note"]) for a in absences(team)] == [("api", "training")]


def test_the_absent_emoji_and_words_are_settings_that_replace_the_defaults(db_url, slack, clock):
    app = signals_app(db_url, slack, clock, slack_absent_emoji=(":mountain:",), slack_absent_words=("parental",))
    client = StickyClient(app.test_client())
    try:
        client.agent("alice", slack="U_ALICE")
        send(client, status_event("U_ALICE", ":palm_tree:", "holiday"), "Ev1")
        assert absences(client) == []
        send(client, status_event("U_ALICE", "mountain", ""), "Ev2", T + 1)
        assert len(absences(client)) == 1
        send(client, status_event("U_ALICE", "", "Parental leave"), "Ev3", T + 2)
        assert len(absences(client)) == 1
    finally:
        app.extensions["stickybot"].close()


def test_an_absent_agents_returning_customer_goes_to_its_default_cover_and_back_after_the_status_clears(team, clock):
    team.event(conversation="c0", at="2026-12-06T10:00:00Z", team="billing")  # Ada meets alice (lowest id)
    team.event(type="conversation.resolved", conversation="c0", at="2026-12-06T11:00:00Z")
    send(team, status_event("U_ALICE", ":airplane:", ""), "Ev1", T - 600)
    during = team.event(conversation="c1", at="2026-12-07T10:00:00Z", team="billing").get_json()
    assert (during["agent"], during["rule"]) == ("bob", "cover")
    team.event(type="conversation.resolved", conversation="c1", at="2026-12-07T10:30:00Z")
    clock.set(NOW + timedelta(hours=1))
    send(team, status_event("U_ALICE"), "Ev2", T + 3600)
    after = team.event(conversation="c2", at="2026-12-07T11:30:00Z", team="billing").get_json()
    assert (after["agent"], after["rule"]) == ("alice", "sticky")


# --- each event once, older ones ignored, non-agents ignored -------------------------------------------------------

def test_an_event_delivered_again_is_applied_once(team):
    send(team, status_event("U_ALICE", ":palm_tree:"), "Ev1")
    assert "absence now" not in slash(team.http, "U_ALICE", "back").get_json()["text"]  # ended by hand
    send(team, status_event("U_ALICE", ":palm_tree:"), "Ev1")  # Slack's retry of the same event
    assert absences(team) == []


def test_an_event_older_than_the_last_applied_for_that_user_and_signal_changes_nothing(team):
    send(team, status_event("U_ALICE", ":palm_tree:"), "Ev2", T)
    send(team, status_event("U_ALICE"), "Ev1", T - 30)  # cleared earlier, arrived later
    assert len(absences(team)) == 1
    send(team, dnd_event("U_ALICE", True, T - 3600, T + 3600), "Ev0", T - 60)  # another signal: not older
    assert availability(team)["state"] == "absent"
    send(team, status_event("U_ALICE"), "Ev3", T + 1)
    assert availability(team)["source"] == "slack-dnd"


def test_an_event_that_changed_nothing_still_counts_as_the_last_applied(team):
    send(team, status_event("U_ALICE", ":coffee:", "lunch"), "Ev2", T)
    send(team, status_event("U_ALICE", ":palm_tree:"), "Ev1", T - 30)
    assert absences(team) == [] and events_noted(team_app(team)) == ["Ev1", "Ev2"]


def test_events_about_slack_users_who_are_not_agents_are_ignored(team):
    send(team, status_event("U_STRANGER", ":palm_tree:"), "Ev1")
    send(team, dnd_event("U_STRANGER", True, T - 60, T + 60), "Ev2")
    assert events_noted(team_app(team)) == []
    assert all(absences(team, a) == [] for a in ("alice", "bob", "carol"))


def team_app(client):
    return client.http.application


# --- do not disturb --------------------------------------------------------------------------------------------------

def test_do_not_disturb_makes_the_agent_away_until_it_ends_waited_for_not_picked(team, clock):
    team.api("PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    team.event(conversation="c0", at="2026-12-07T08:00:00Z", team="billing")  # alice's customer
    team.event(type="conversation.resolved", conversation="c0", at="2026-12-07T08:30:00Z")
    send(team, dnd_event("U_ALICE", True, T - 60, T + 1800), "Ev1")
    now = availability(team)
    assert (now["state"], now["source"], now["until"]) == ("away", "slack-dnd", "2026-12-07T10:30:00Z")
    held = team.event(conversation="c1", at="2026-12-07T10:00:00Z", team="billing").get_json()
    assert (held["status"], held["agent"]) == ("held", "alice")
    new = team.event(conversation="c2", customer="someone_new", at="2026-12-07T10:01:00Z", team="billing")
    assert new.get_json()["agent"] == "bob"
    clock.set(NOW + timedelta(minutes=5))
    send(team, dnd_event("U_ALICE", False), "Ev2", T + 300)  # turned off: alice takes who waits for her
    assert team.api("GET", "/api/conversations/c1").get_json()["agent"] == "alice"
    assert availability(team)["state"] == "available"


def test_do_not_disturb_whose_window_is_not_now_changes_nothing(team):
    send(team, dnd_event("U_ALICE", True, T + 3600, T + 7200), "Ev1")  # tonight's, not now
    assert availability(team)["state"] == "available"


def test_with_sticky_slack_dnd_ignore_do_not_disturb_changes_nothing(db_url, slack, clock):
    app = signals_app(db_url, slack, clock, slack_dnd=False)
    client = StickyClient(app.test_client())
    try:
        client.agent("alice", slack="U_ALICE")
        send(client, dnd_event("U_ALICE", True, T - 60, T + 1800), "Ev1")
        assert availability(client)["state"] == "available" and events_noted(app) == []
    finally:
        app.extensions["stickybot"].close()


# --- time zones -------------------------------------------------------------------------------------------------------

def test_an_agent_without_a_zone_takes_slacks_when_slack_reports_a_change(team):
    team.api("PATCH", "/api/agents/bob", {"time_zone": "Asia/Tokyo"})
    send(team, {"type": "user_change", "user": {"id": "U_ALICE", "tz": "Europe/Berlin"}}, "Ev1")
    send(team, {"type": "user_change", "user": {"id": "U_BOB", "tz": "Europe/Berlin"}}, "Ev2")
    send(team, status_event("U_CAROL", ":coffee:", "", tz="America/New_York"), "Ev3")
    zones = {a["id"]: a["time_zone"] for a in team.api("GET", "/api/agents").get_json()}
    assert zones == {"alice": "Europe/Berlin", "bob": "Asia/Tokyo", "carol": "America/New_York"}
    entry = team.api("GET", "/api/audit").get_json()["items"][0]
    assert entry["actor"] == "slack:U_CAROL" and entry["after"] == {"time_zone": "America/New_York"}


def test_a_directory_load_asks_slack_the_zone_of_agents_without_one(app, slack, tmp_path):
    from bot.cli import main
    slack.users["U_ALICE"] = {"id": "U_ALICE", "tz": "Europe/Lisbon"}
    slack.users["U_BOB"] = {"id": "U_BOB", "tz": "Europe/Lisbon"}
    path = tmp_path / "directory.yaml"
    path.write_text("teams: [{id: billing}]\nagents:\n"
                    "  - {id: alice, slack_user_id: U_ALICE, teams: [billing]}\n"
                    "  - {id: bob, slack_user_id: U_BOB, time_zone: Asia/Tokyo, teams: [billing]}\n"
                    "  - {id: carol, teams: [billing]}\n")
    rt = app.extensions["stickybot"]
    result = app.test_cli_runner().invoke(main, ["directory", "load", str(path)], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    rt.outbox.deliver_due()
    assert [c["user"] for c in slack.of("users.info")] == ["U_ALICE"]
    zones = {a["id"]: a["time_zone"] for a in StickyClient(app.test_client()).api("GET", "/api/agents").get_json()}
    assert zones == {"alice": "Europe/Lisbon", "bob": "Asia/Tokyo", "carol": None}


def _script_info(app):
    from flask.cli import ScriptInfo
    return ScriptInfo(create_app=lambda: app)
