"""The App Home, CONTRACT.md 9.4: published when opened and again (through the outbox, at most once per agent per
few seconds) when what it shows changes; its absence buttons and modal. Against the fake Slack Web API."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.integration.test_slack_signals import NOW, T, clock, send, signals_app  # noqa: F401 (fixture)
from tests.slackkit import envelope, home_click, post_json, post_signed, view_submission


@pytest.fixture
def app(db_url, slack, clock):  # noqa: F811
    app = signals_app(db_url, slack, clock, slack_queue_channel="C_QUEUE")
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def rt(app):
    return app.extensions["stickybot"]


@pytest.fixture
def team(client):
    client.agent("alice", "billing", slack="U_ALICE")
    client.agent("bob", "billing", slack="U_BOB")
    client.api("PATCH", "/api/agents/alice", {"time_zone": "Europe/Berlin", "cover": ["bob"],
                                              "hours": {d: [["09:00", "17:30"]] for d in
                                                        ("mon", "tue", "wed", "thu", "fri")}})
    return client


def opened(client, user, event_id="EvH", tab="home"):
    event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": tab, "event_ts": "1.0"}
    assert post_json(client.http, envelope(event, event_id, T)).status_code == 200


def published(slack, user=None):
    return [c for c in slack.of("views.publish") if user is None or c["user_id"] == user]


def text_of(view) -> str:
    return json.dumps(view if isinstance(view, dict) else json.loads(view), ensure_ascii=False)


def view_of(call) -> dict:
    return call["view"] if isinstance(call["view"], dict) else json.loads(call["view"])


def test_opening_the_home_publishes_availability_week_absences_conversations_and_covered_customers(team, rt, slack):
    team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-10", "end": "2026-12-11", "note": "ski"})
    team.event(conversation="c1", customer="ada", at="2026-12-07T09:00:00Z", team="billing")
    opened(team, "U_ALICE")
    assert published(slack) == []  # through the outbox, never inside Slack's request
    rt.outbox.deliver_due()
    (call,) = published(slack, "U_ALICE")
    view = view_of(call)
    assert view["type"] == "home"
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Your availability", "The week ahead", "Your absences", "Your conversations",
                       "Your customers someone covers"]
    text = text_of(view)
    assert "*available*: online; off duty from 17:30 Europe/Berlin" in text
    assert "*Mon 7 Dec*: on duty 09:00–17:30" in text and "*Thu 10 Dec*: absent all day" in text
    assert "*Sat 12 Dec*: off duty" in text
    assert "*Thu 10 Dec – Fri 11 Dec (Europe/Berlin)* (ski); nobody covers · set by api" in text
    buttons = [e for b in view["blocks"] for e in ([b.get("accessory")] + b.get("elements", [])) if
               isinstance(e, dict) and e.get("type") == "button"]
    assert [(b["action_id"], b["text"]["text"]) for b in buttons] == [
        ("sticky_home_end_absence", "Remove"), ("sticky_home_add_absence", "Add an absence")]
    assert "<https://help.example.com/c/c1|conversation c1>" in text and "Ada Lovelace" in text
    assert "Everyone today" not in text


def test_the_home_shows_held_conversations_and_returning_customers_a_cover_has(team, rt, slack, clock):
    team.api("PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    team.event(conversation="c0", customer="ada", at="2026-12-07T08:00:00Z", team="billing")
    team.event(type="conversation.resolved", conversation="c0", at="2026-12-07T08:10:00Z")
    team.event(conversation="c9", customer="cleo", at="2026-12-07T08:20:00Z", assign={"agent": "alice"})
    team.event(type="conversation.resolved", conversation="c9", at="2026-12-07T08:25:00Z")
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    team.event(conversation="c1", customer="cleo", at="2026-12-07T09:50:00Z", team="billing")  # held for alice
    team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-07T09:55:00Z", "end": "2026-12-08"})
    team.event(conversation="c2", customer="ada", at="2026-12-07T10:00:00Z", team="billing")  # to bob, covering
    opened(team, "U_ALICE")
    rt.outbox.deliver_due()
    text = text_of(view_of(published(slack, "U_ALICE")[-1]))
    assert ":palm_tree: *absent*: absent " in text
    assert "(`cleo`): <https://help.example.com/c/c1|conversation c1>, waiting for you until <!date^" in text
    assert "Ada Lovelace (`ada`): bob covered, last" in text and "now with bob" in text and "c/c2|" in text


def test_the_messages_tab_publishes_nothing(team, rt, slack):
    opened(team, "U_ALICE", tab="messages")
    rt.outbox.deliver_due()
    assert published(slack) == []


def test_an_admin_sees_everyones_state_today_and_one_who_is_no_agent_sees_only_that(team, rt, slack):
    team.api("POST", "/api/agents/bob/absences", {"start": "2026-12-07", "end": "2026-12-08", "cover": ["alice"]})
    opened(team, "U_ADMIN")
    rt.outbox.deliver_due()
    view = view_of(published(slack, "U_ADMIN")[0])
    assert [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"] == ["Everyone today"]
    text = text_of(view)
    assert "*alice* :large_green_circle: *available*" in text and "*bob* :palm_tree: *absent*" in text
    slack.users["U_ALICE"] = {"id": "U_ALICE", "is_admin": True}  # a workspace admin who is an agent
    opened(team, "U_ALICE", "EvH2")
    rt.outbox.deliver_due()
    headers = [b["text"]["text"] for b in view_of(published(slack, "U_ALICE")[0])["blocks"] if b["type"] == "header"]
    assert headers[0] == "Your availability" and headers[-1] == "Everyone today"


def test_someone_who_is_neither_agent_nor_admin_is_told_how_to_be_linked(team, rt, slack):
    opened(team, "U_STRANGER")
    rt.outbox.deliver_due()
    assert "not linked to a stickybot agent" in text_of(view_of(published(slack, "U_STRANGER")[0]))


def test_the_home_is_published_again_when_an_absence_or_a_handoff_changes_it_at_most_every_few_seconds(
        team, rt, slack, clock):
    team.api("POST", "/api/agents/bob/absences", {"start": "2026-12-20", "end": "2026-12-21"})
    rt.outbox.deliver_due()
    assert published(slack) == []  # nobody opened a Home yet: nothing to publish again
    opened(team, "U_ALICE")
    rt.outbox.deliver_due()
    assert len(published(slack, "U_ALICE")) == 1
    clock.advance(seconds=10)
    team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-20", "end": "2026-12-21"})
    rt.outbox.deliver_due()
    assert len(published(slack, "U_ALICE")) == 2 and "Sun 20 Dec" in text_of(view_of(published(slack)[-1]))
    clock.advance(seconds=1)
    team.event(conversation="c1", customer="zed", at="2026-12-07T10:00:10Z", team="billing")  # a handoff to alice
    rt.outbox.deliver_due()
    assert len(slack.posts("U_ALICE")) == 1 and len(published(slack, "U_ALICE")) == 2  # not within 5 s
    clock.advance(seconds=4)
    rt.outbox.deliver_due()
    assert len(published(slack, "U_ALICE")) == 3 and "c/c1|" in text_of(view_of(published(slack)[-1]))
    assert published(slack, "U_BOB") == []


def test_a_status_change_from_slack_publishes_the_home_again(team, rt, slack, clock):
    opened(team, "U_ALICE")
    rt.outbox.deliver_due()
    clock.advance(seconds=30)
    send(team, {"type": "dnd_updated_user", "user": "U_ALICE", "dnd_status": {
        "dnd_enabled": True, "next_dnd_start_ts": T, "next_dnd_end_ts": T + 3600}}, "EvD", T + 30)
    rt.outbox.deliver_due()
    assert "in Slack's do not disturb" in text_of(view_of(published(slack, "U_ALICE")[-1]))


def test_add_an_absence_opens_the_modal_and_its_form_sets_the_absence(team, rt, slack):
    assert home_click(team.http, "U_ALICE", "sticky_home_add_absence").status_code == 200
    (call,) = slack.of("views.open")
    modal = view_of(call)
    assert call["trigger_id"] == "1.2.3" and modal["callback_id"] == "sticky_absence_modal"
    assert [b.get("block_id") for b in modal["blocks"]][:4] == ["start", "end", "cover", "note"]
    assert modal["blocks"][0]["element"]["initial_date"] == "2026-12-07"
    assert modal["blocks"][2]["element"]["initial_users"] == ["U_BOB"]  # the default cover
    values = {"start": {"date": {"type": "datepicker", "selected_date": "2026-12-20"}},
              "end": {"date": {"type": "datepicker", "selected_date": "2026-12-24"}},
              "cover": {"users": {"type": "multi_users_select", "selected_users": ["U_BOB"]}},
              "note": {"text": {"type": "plain_text_input", "value": " holiday "}}}
    r = post_signed(team.http, view_submission("U_ALICE", "sticky_absence_modal", values))
    assert r.status_code == 200 and not r.get_data(as_text=True)  # closes the modal
    (a,) = team.api("GET", "/api/agents/alice/absences").get_json()
    assert (a["start"], a["end"], a["cover"], a["note"], a["source"]) == (
        "2026-12-19T23:00:00Z", "2026-12-24T23:00:00Z", ["bob"], "holiday", "slack")


def test_a_bad_modal_form_shows_the_error_under_its_field_and_changes_nothing(team):
    values = {"start": {"date": {"selected_date": "2026-12-24"}}, "end": {"date": {"selected_date": "2026-12-20"}},
              "cover": {"users": {"selected_users": []}}, "note": {"text": {"value": None}}}
    r = post_signed(team.http, view_submission("U_ALICE", "sticky_absence_modal", values))
    assert r.get_json() == {"response_action": "errors", "errors": {"end": "end must come after start"}}
    values["end"]["date"]["selected_date"] = "2026-12-26"
    values["cover"]["users"]["selected_users"] = ["U_NOBODY"]
    r = post_signed(team.http, view_submission("U_ALICE", "sticky_absence_modal", values))
    assert list(r.get_json()["errors"]) == ["cover"]
    assert team.api("GET", "/api/agents/alice/absences").get_json() == []


def test_the_end_button_ends_a_current_absence_and_removes_one_ahead(team, clock):
    now = team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-07", "end": "2026-12-08"}).get_json()
    ahead = team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-20", "end": "2026-12-21"}).get_json()
    clock.advance(hours=1)
    home_click(team.http, "U_BOB", "sticky_home_end_absence", str(now["id"]))  # not bob's: nothing
    assert len(team.api("GET", "/api/agents/alice/absences").get_json()) == 2
    home_click(team.http, "U_ALICE", "sticky_home_end_absence", str(now["id"]))
    home_click(team.http, "U_ALICE", "sticky_home_end_absence", str(ahead["id"]))
    (ended,) = team.api("GET", "/api/agents/alice/absences?past=true").get_json()
    assert ended["end"] == "2026-12-07T11:00:00Z"


def test_outside_strings_in_the_home_are_escaped(team, rt, slack):
    from tests.conftest import event_body
    body = event_body(conversation="c1", customer="<!channel>", at="2026-12-07T09:00:00Z", team="billing")
    body["customer"]["name"] = "<!here> & co"
    team.signed(json.dumps(body).encode())
    team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-20", "end": "2026-12-21", "note": "<@U1>"})
    opened(team, "U_ALICE")
    rt.outbox.deliver_due()
    text = text_of(view_of(published(slack, "U_ALICE")[0]))
    assert "<!channel>" not in text and "<!here>" not in text and "<@U1>" not in text
    assert "&lt;!here&gt; &amp; co (`&lt;!channel&gt;`)" in text and "(&lt;@U1&gt;)" in text


def test_without_time_moving_a_second_open_is_one_publish(team, rt, slack):
    opened(team, "U_ALICE")
    opened(team, "U_ALICE", "EvH2")
    rt.outbox.deliver_due()
    assert len(published(slack, "U_ALICE")) == 1
    assert NOW.isoformat() and timedelta  # the clock stood still


def test_a_change_to_an_agent_that_changes_nothing_publishes_no_home(team, rt, slack, clock):
    opened(team, "U_ALICE")
    rt.outbox.deliver_due()
    clock.advance(seconds=30)
    team.api("PATCH", "/api/agents/alice", {"status": "online", "time_zone": "Europe/Berlin"})  # as it was
    rt.outbox.deliver_due()
    assert len(published(slack, "U_ALICE")) == 1
    team.api("PATCH", "/api/agents/alice", {"status": "away"})
    rt.outbox.deliver_due()
    assert len(published(slack, "U_ALICE")) == 2
