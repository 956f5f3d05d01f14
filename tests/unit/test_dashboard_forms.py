"""The agent page's forms as the use-cases take them (bot/web/dashboard/forms.py): what fits becomes the API's
shape, what does not is passed on for the use-case to name; and the week's strip is drawn in the agent's zone."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from werkzeug.datastructures import MultiDict

from bot.errors import Invalid
from bot.web.dashboard import forms
from bot.web.dashboard.strip import local, strip
from routing.availability import Interval, Planned
from routing.hours import wall_instant


def test_a_days_ranges_are_written_as_the_api_takes_them_and_a_part_that_is_not_a_range_stays_whole():
    assert forms.day_ranges("09:00-12:00, 13:00 – 17:30") == [["09:00", "12:00"], ["13:00", "17:30"]]
    assert forms.day_ranges("09:00-12:00; 9am") == [["09:00", "12:00"], ["9am"]]
    assert forms.day_ranges(" , ") == []


def test_the_hours_form_gives_zone_hours_and_default_cover_or_always_on_duty():
    form = MultiDict({"time_zone": " Europe/Berlin ", "schedule": "weekly", "mon": "09:00-17:30", "tue": "",
                      "sat": "10:00-12:00", "cover": "bob, carol dave"})
    assert forms.hours_from(form) == {"time_zone": "Europe/Berlin", "hours": {"mon": [["09:00", "17:30"]],
                                                                               "sat": [["10:00", "12:00"]]},
                                      "cover": ["bob", "carol", "dave"]}
    assert forms.hours_from(MultiDict({"time_zone": "", "schedule": "always", "mon": "09:00-10:00"})) == \
        {"time_zone": None, "hours": None}
    assert forms.hours_from(MultiDict({"schedule": "weekly"}))["hours"] == {}  # no working time on any day


def test_the_hours_form_shows_an_agent_as_stored():
    agent = {"time_zone": None, "hours": {"tue": [["09:00", "12:00"], ["13:00", "24:00"]]}, "cover": ["bob"]}
    values = forms.hours_values(agent)
    assert values["tue"] == "09:00-12:00, 13:00-24:00" and values["mon"] == "" and values["schedule"] == "weekly"
    assert forms.hours_values({**agent, "hours": None})["schedule"] == "always"


def test_an_absence_of_whole_days_is_sent_as_dates_and_one_with_times_with_the_zones_offset_then():
    form = MultiDict({"from_date": "2026-12-20", "to_date": "2026-12-31", "cover": "bob carol", "note": " "})
    assert forms.absence_from(form, "Europe/Berlin") == {"start": "2026-12-20", "end": "2026-12-31",
                                                         "cover": ["bob", "carol"]}
    timed = MultiDict({"from_date": "2026-03-29", "from_time": "09:00", "to_date": "2026-03-29",
                       "to_time": "12:30", "note": "dentist"})
    sent = forms.absence_from(timed, "Europe/Berlin")  # the morning summer time begins: +02:00 by then
    assert (sent["start"], sent["end"], sent["note"]) == ("2026-03-29T09:00:00+02:00", "2026-03-29T12:30:00+02:00",
                                                          "dentist")
    assert forms.moment("2026-01-05", "09:00", "Asia/Kolkata") == "2026-01-05T09:00:00+05:30"


def test_a_date_or_time_that_does_not_fit_is_passed_on_for_the_use_case_to_name():
    assert forms.moment("2026-12-20", "9am", "UTC") == "2026-12-20T9am"
    assert forms.moment("20.12.2026", "09:00", "UTC") == "20.12.2026T09:00"
    assert forms.moment("soon", "", "UTC") == "soon"


def test_the_fields_an_error_names_are_marked_on_the_form():
    error = Invalid("x", details=[{"field": "hours.tue[1]", "message": "m"}, {"field": "time_zone", "message": "m"},
                                  {"field": "cover[0]", "message": "m"}])
    assert forms.bad_fields(error) == {"tue", "time_zone", "cover"}
    assert forms.bad_fields(None) == set()


def test_the_strip_spans_the_week_from_local_midnight_with_each_part_where_its_time_is():
    zone = "America/St_Johns"  # -03:30: the days begin at 03:30 UTC
    days = [wall_instant(datetime(2026, 7, 6).date() + timedelta(days=n), 0, zone) for n in range(8)]
    assert days[0] == datetime(2026, 7, 6, 2, 30, tzinfo=timezone.utc)  # summer: -02:30
    on = Interval(Planned.ON_DUTY, days[0] + timedelta(hours=9), days[0] + timedelta(hours=17), "hours")
    plan = [Interval(Planned.OFF_DUTY, days[0], on.start, "hours"), on,
            Interval(Planned.ABSENT, on.end, days[-1], "absence")]
    drawn = strip(plan, days, days[0] + timedelta(hours=12), zone)
    assert [p.css for p in drawn.parts] == ["strip-off_duty", "strip-on_duty", "strip-absent"]
    width = drawn.width - 8
    assert abs(drawn.parts[1].x - (4 + width * 9 / 168)) < 0.1 and abs(drawn.parts[1].width - width * 8 / 168) < 0.2
    assert [label for _, _, label in drawn.days] == ["Mon 6", "Tue 7", "Wed 8", "Thu 9", "Fri 10", "Sat 11", "Sun 12"]
    assert drawn.parts[1].title == f"on duty: Mon 6 Jul 09:00 to Mon 6 Jul 17:00 {zone}"
    assert abs(drawn.now_x - (4 + width * 12 / 168)) < 0.1
    assert strip(plan, days, days[-1] + timedelta(hours=1), zone).now_x is None


def test_times_are_shown_on_the_agents_clock():
    assert local("2026-12-20T08:00:00Z", "Europe/Berlin") == "Sun 20 Dec 09:00"
    assert local(datetime(2026, 12, 20, 8, tzinfo=timezone.utc), "Asia/Kolkata", year=True) == "Sun 20 Dec 2026 13:30"
    assert local(None, "UTC") == "—"
