"""The dashboard's agent page (CONTRACT.md 9.3): availability now and why, the week ahead on one strip, absences
added and ended, working hours and time zone; every change through the API's use-cases, audited as
`dashboard`, and a use-case's error next to its form with nothing stored."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from tests.conftest import snapshot
from tests.e2e.test_dashboard import Dashboard, text_of

NOW = datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc)  # a Monday: 08:00 in Berlin
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def clock(clock):
    clock.set(NOW)
    return clock


@pytest.fixture
def dash(app) -> Dashboard:
    dash = Dashboard(app.test_client())
    assert dash.sign_in().status_code == 303
    return dash


@pytest.fixture
def erin(client):
    """Erin works weekdays 09:00-17:00 in Berlin and is away Wednesday and Thursday; bob covers."""
    client.agent("bob", "billing")
    client.agent("erin", "billing")
    assert client.api("PATCH", "/api/agents/erin", {"time_zone": "Europe/Berlin", "hours": WEEKDAYS}).status_code == 200
    r = client.api("POST", "/api/agents/erin/absences", {"start": "2026-12-09", "end": "2026-12-10", "cover": ["bob"],
                                                          "note": "dentist <b>&"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def absences(client, agent="erin", past=False) -> list[dict]:
    return client.api("GET", f"/api/agents/{agent}/absences" + ("?past=true" if past else "")).get_json()


def last_audit(client) -> dict:
    return client.api("GET", "/api/audit").get_json()["items"][0]


def test_the_page_says_the_state_now_why_and_until_when_on_the_agents_clock(dash, erin):
    page = text_of(dash.get("/agents/erin"))
    assert "Right now off duty off duty until 09:00 Europe/Berlin" in page
    assert "Until Mon 7 Dec 09:00 Europe/Berlin ( 2026-12-07 08:00 UTC)" in page
    assert "Decided by hours" in page and "Time zone Europe/Berlin" in page and "Teams billing" in page
    assert "Agents" in page and dash.get("/agents/nobody").status_code == 404


def test_the_week_ahead_is_one_strip_from_local_midnight_with_hours_and_absences_and_the_same_as_a_list(dash, erin):
    html = dash.get("/agents/erin").text
    parts = re.findall(r'<rect class="(strip-[a-z_]+)" x="[^"]+" y="\d+" width="[^"]+" height="\d+"><title>([^<]+)',
                       html)
    assert [css for css, _ in parts] == ["strip-off_duty", "strip-on_duty", "strip-off_duty", "strip-on_duty",
                                         "strip-off_duty", "strip-absent", "strip-off_duty", "strip-on_duty",
                                         "strip-off_duty"]
    assert parts[0][1] == "off duty: Mon 7 Dec 00:00 to Mon 7 Dec 09:00 Europe/Berlin"
    assert parts[5][1] == "absent: Wed 9 Dec 00:00 to Fri 11 Dec 00:00 Europe/Berlin"
    assert parts[-1][1].endswith("to Mon 14 Dec 00:00 Europe/Berlin")
    assert re.findall(r'text-anchor="middle">(\w+ \d+)</text>', html) == [
        "Mon 7", "Tue 8", "Wed 9", "Thu 10", "Fri 11", "Sat 12", "Sun 13"]
    assert 'class="now"' in html
    listed = text_of(dash.get("/agents/erin"))
    assert "on duty Mon 7 Dec 09:00 Mon 7 Dec 17:00" in listed and "absent Wed 9 Dec 00:00 Fri 11 Dec 00:00" in listed


def test_absences_are_listed_with_cover_note_and_who_set_them_escaped(dash, erin):
    page = dash.get("/agents/erin")
    assert "dentist &lt;b&gt;&amp;" in page.text and "<b>&" not in page.text
    assert "Wed 9 Dec 2026 00:00 Fri 11 Dec 2026 00:00 bob dentist <b>& api Remove" in text_of(page)


def test_adding_an_absence_of_whole_days_in_the_agents_zone_goes_through_the_use_case(dash, client, erin):
    r = dash.submit("/agents/erin/absences", from_date="2026-12-21", to_date="2026-12-23", cover="bob",
                    note="holiday")
    assert (r.status_code, r.headers["Location"]) == (303, "/agents/erin?done=absence_added")
    added = absences(client)[-1]
    assert (added["start"], added["end"], added["cover"], added["note"], added["source"]) == (
        "2026-12-20T23:00:00Z", "2026-12-23T23:00:00Z", ["bob"], "holiday", "dashboard")
    entry = last_audit(client)
    assert (entry["actor"], entry["action"], entry["after"]["id"]) == ("dashboard", "absence.create", added["id"])
    assert "Absence added" in text_of(dash.get(r.headers["Location"]))


def test_an_absence_with_times_is_read_on_the_agents_clock(dash, client, erin):
    r = dash.submit("/agents/erin/absences", from_date="2026-12-14", from_time="14:00", to_date="2026-12-14",
                    to_time="16:30", cover="")
    assert r.status_code == 303
    added = absences(client)[-1]
    assert (added["start"], added["end"], added["cover"], added["note"]) == (
        "2026-12-14T13:00:00Z", "2026-12-14T15:30:00Z", [], None)


@pytest.mark.parametrize("fields,status,says", [
    ({"from_date": "2026-12-22", "to_date": "2026-12-21"}, 422, "end must come after start"),
    ({"from_date": "2026-12-01", "to_date": "2026-12-02"}, 422, "is already past"),
    ({"from_date": "2026-12-21", "to_date": "2026-12-22", "cover": "bob nobody"}, 422, "'nobody' is not an agent"),
    ({"from_date": "2026-12-21", "to_date": "2026-12-22", "cover": "erin"}, 422, "'erin' is the agent itself"),
    ({"from_date": "2026-12-21", "from_time": "9am", "to_date": "2026-12-22"}, 422, "is neither a date"),
    ({"from_date": "", "to_date": "2026-12-22"}, 422, "start"),
    ({"from_date": "2026-12-10", "to_date": "2026-12-12"}, 409, "already absent"),
    ({"from_date": "2026-12-21", "to_date": "2026-12-22", "note": "x" * 501}, 422, "note"),
    ({"from_date": "2026-12-21", "to_date": "2026-12-22", "note": "a\x00b"}, 422, "NUL"),
])
def test_a_bad_absence_is_shown_next_to_the_form_as_the_api_says_it_and_nothing_is_stored(app, dash, erin, fields,
                                                                                           status, says):
    before = snapshot(app)
    r = dash.submit("/agents/erin/absences", **fields)
    assert r.status_code == status and 'id="absence-error"' in r.text and says in text_of(r)
    assert snapshot(app) == before
    assert f'value="{fields["to_date"]}"' in r.text  # the form as it was sent


def test_ending_a_current_absence_ends_it_now_and_what_waited_for_the_agent_comes_to_it(dash, client, clock, erin):
    clock.set(datetime(2026, 12, 9, 9, 0, tzinfo=timezone.utc))  # Wednesday, 10:00 in Berlin: absent
    assert dash.sign_in().status_code == 303  # two days on: the session of Monday has ended
    client.api("PATCH", "/api/agents/bob", {"status": "offline"})
    client.event(conversation="c1", customer="ada", team="billing", at="2026-12-09T09:00:00Z")
    assert client.api("GET", "/api/conversations/c1").get_json()["status"] == "unassigned"
    page = text_of(dash.get("/agents/erin"))
    assert "Right now absent absent through 10 Dec (dentist <b>&); bob covers" in page and "End now" in page
    r = dash.submit(f"/agents/erin/absences/{erin['id']}/end")
    assert (r.status_code, r.headers["Location"]) == (303, "/agents/erin?done=absence_ended")
    assert absences(client) == [] and absences(client, past=True)[0]["end"] == "2026-12-09T09:00:00Z"
    conv = client.api("GET", "/api/conversations/c1").get_json()
    assert (conv["agent"], conv["decisions"][-1]["rule"]) == ("erin", "queue")
    assert (last_audit(client)["actor"], last_audit(client)["action"]) == ("dashboard", "absence.end")


def test_removing_a_future_absence_and_ending_one_that_is_over_or_unknown(app, dash, client, erin):
    assert dash.submit(f"/agents/erin/absences/{erin['id']}/end").status_code == 303
    assert absences(client, past=True) == [] and last_audit(client)["action"] == "absence.remove"
    before = snapshot(app)
    for path, status, says in ((f"/agents/erin/absences/{erin['id']}/end", 404, f"no absence {erin['id']}"),
                               ("/agents/bob/absences/999/end", 404, "no absence 999 of agent 'bob'")):
        r = dash.submit(path)
        assert (r.status_code, 'id="absences-error"' in r.text, says in text_of(r)) == (status, True, True)
    assert snapshot(app) == before


def test_hours_time_zone_and_default_cover_are_saved_through_the_use_case(dash, client, erin):
    r = dash.submit("/agents/erin/hours", time_zone="Asia/Kolkata", schedule="weekly", mon="09:00-12:00, 13:00-17:30",
                    sat="10:00-14:00", cover="bob")
    assert (r.status_code, r.headers["Location"]) == (303, "/agents/erin?done=hours")
    agent = client.api("GET", "/api/agents/erin").get_json()
    assert (agent["time_zone"], agent["hours"], agent["cover"]) == (
        "Asia/Kolkata", {"mon": [["09:00", "12:00"], ["13:00", "17:30"]], "sat": [["10:00", "14:00"]]}, ["bob"])
    entry = last_audit(client)
    assert (entry["actor"], entry["action"], entry["after"]["time_zone"]) == ("dashboard", "agent.update",
                                                                              "Asia/Kolkata")
    page = dash.get(r.headers["Location"])
    assert 'value="09:00-12:00, 13:00-17:30"' in page.text and "Working hours and time zone saved." in page.text
    assert dash.submit("/agents/erin/hours", time_zone="", schedule="always", mon="09:00-10:00").status_code == 303
    agent = client.api("GET", "/api/agents/erin").get_json()
    assert (agent["time_zone"], agent["hours"], agent["availability"]["state"]) == (None, None, "available")


@pytest.mark.parametrize("fields,says,marked", [
    ({"time_zone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'", "time_zone"),
    ({"tue": "17:00-09:00"}, "hours.tue[0]: ends at 09:00, not after it starts (17:00)", "hours-tue"),
    ({"wed": "09:00-12:00, 11:00-13:00"}, "hours.wed: ranges overlap", "hours-wed"),
    ({"thu": "9-17"}, "hours.thu[0]: '9' is not a time; write HH:MM", "hours-thu"),
    ({"fri": "09:00"}, 'hours.fri[0]: must be a pair', "hours-fri"),
    ({"cover": "ghost"}, "cover names agents who cannot cover: 'ghost' is not an agent", "default_cover"),
])
def test_bad_hours_are_shown_next_to_the_form_on_their_field_and_nothing_is_stored(app, dash, erin, fields, says,
                                                                                    marked):
    before = snapshot(app)
    form = {"time_zone": "Europe/Berlin", "schedule": "weekly", "mon": "09:00-17:00", "cover": "bob", **fields}
    r = dash.submit("/agents/erin/hours", **form)
    assert r.status_code == 422 and 'id="hours-error"' in r.text and says in text_of(r)
    assert re.search(rf'id="{marked}"[^>]*aria-invalid="true"', r.text)
    assert snapshot(app) == before
    value = next(iter(fields.values()))
    assert f'value="{value}"' in r.text  # the form as it was sent


def test_the_status_is_set_from_the_agents_page_and_back_to_it(dash, client, erin):
    r = dash.submit("/agents/erin/status", status="away", back="agent")
    assert (r.status_code, r.headers["Location"]) == (303, "/agents/erin?done=status")
    assert client.api("GET", "/api/agents/erin").get_json()["status"] == "away"
    bad = dash.submit("/agents/erin/status", status="asleep", back="agent")
    assert bad.status_code == 422 and 'id="status-error"' in bad.text and "<h1>Erin" in bad.text


def test_stored_strings_are_escaped_on_the_agent_page(dash, client):
    hostile = '<script>alert(1)</script>"\'&'
    client.agent(hostile, status="online")
    assert client.api("PATCH", f"/api/agents/{hostile.replace('/', '%2F')}",
                      {"name": "<img src=x onerror=alert(1)>"}).status_code == 200
    for path in ("/agents/%3Cscript%3Ealert(1)%3C%2Fscript%3E%22'%26", "/agents", "/"):
        r = dash.get(path)
        assert r.status_code == 200, path
        assert "<script>" not in r.text and "<img" not in r.text and "&lt;img src=x" in r.text


@pytest.mark.parametrize("bad", ["a%00b", "x" * 201])
def test_every_dashboard_address_with_an_id_refuses_a_nul_or_overlong_id_with_a_page_never_a_500(app, dash, bad):
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = [name for name, kind in rule._converters.items() if type(kind).__name__ == "IdConverter"]
        if not rule.endpoint.startswith("dashboard.") or not ids:
            continue
        path = re.sub(r"<id:[a-z_]+>", bad, re.sub(r"<int:[a-z_]+>", "1", rule.rule))
        r = dash.submit(path) if "POST" in rule.methods else dash.get(path)
        assert r.status_code == 422 and "text/html" in r.content_type, (rule.rule, r.status_code)
        checked += 1
    assert checked >= 10
