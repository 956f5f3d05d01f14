"""Working hours and availability at an instant (CONTRACT.md 9.1-9.3), pure: table rows around every boundary,
daylight-saving days and zones with half-hour offsets."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from routing import Absence, Agent, Hours, HoursError, Status, availability
from routing.availability import Interval, Planned, Source, State

UTC = timezone.utc
WEEKDAYS = {"mon": [["09:00", "17:30"]], "tue": [["09:00", "12:00"], ["13:00", "17:30"]], "wed": [["09:00", "17:30"]],
            "thu": [["09:00", "17:30"]], "fri": [["09:00", "17:30"]]}


def z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def agent(zone="Europe/Berlin", hours=WEEKDAYS, absences=(), status="online", load=0, max_open=None, dnd=None,
          active=True) -> Agent:
    return Agent("alice", status=Status(status), active=active, max_open=max_open, open_load=load, time_zone=zone,
                 hours=Hours.parse(hours) if hours is not None else None, absences=tuple(absences), dnd=dnd)


# --- the schedule's shape ------------------------------------------------------------------------------------

def test_a_schedule_keeps_its_ranges_in_order_and_comes_back_as_given():
    hours = Hours.parse({"tue": [["13:00", "17:30"], ["09:00", "12:00"]], "sun": [["22:00", "24:00"]]})
    assert hours.to_json() == {"tue": [["09:00", "12:00"], ["13:00", "17:30"]], "sun": [["22:00", "24:00"]]}


def test_touching_ranges_are_not_an_overlap_and_an_empty_schedule_is_never_on_duty():
    Hours.parse({"mon": [["09:00", "12:00"], ["12:00", "13:00"]]})
    never = agent(hours={})
    assert not availability.on_duty(never, z("2026-12-07T10:00:00Z"))


@pytest.mark.parametrize("hours,field,words", [
    ({"mon": [["09:00", "08:00"]]}, "mon[0]", "not after it starts"),
    ({"mon": [["09:00", "09:00"]]}, "mon[0]", "not after it starts"),
    ({"mon": [["09:00", "12:00"], ["11:59", "13:00"]]}, "mon", "overlap"),
    ({"mon": [["24:00", "24:00"]]}, "mon[0]", "can only end"),
    ({"mon": [["9:00", "12:00"]]}, "mon[0]", "HH:MM"),
    ({"mon": [["09:60", "12:00"]]}, "mon[0]", "not a time of day"),
    ({"mon": [["25:00", "26:00"]]}, "mon[0]", "not a time of day"),
    ({"mon": [["٠٩:00", "12:00"]]}, "mon[0]", "HH:MM"),
    ({"mon": [["09:00"]]}, "mon[0]", "pair"),
    ({"mon": "09:00-17:00"}, "mon", "list"),
    ({"monday": [["09:00", "17:00"]]}, "monday", "not a day"),
    ([["09:00", "17:00"]], "(hours)", "object"),
])
def test_a_bad_schedule_names_the_field_and_what_to_fix(hours, field, words):
    with pytest.raises(HoursError) as caught:
        Hours.parse(hours)
    assert caught.value.field == field and words in caught.value.message


# --- on duty at an instant ---------------------------------------------------------------------------------------

ON_DUTY = [
    # name, zone, hours, instant (UTC), on duty?
    ("Berlin winter, a second before the shift", "Europe/Berlin", WEEKDAYS, "2026-12-07T07:59:59Z", False),
    ("Berlin winter, the shift's first second", "Europe/Berlin", WEEKDAYS, "2026-12-07T08:00:00Z", True),
    ("Berlin winter, a second before the shift ends", "Europe/Berlin", WEEKDAYS, "2026-12-07T16:29:59Z", True),
    ("Berlin winter, the end is exclusive", "Europe/Berlin", WEEKDAYS, "2026-12-07T16:30:00Z", False),
    ("Berlin summer: 09:00 is still 09:00 local (07:00 UTC)", "Europe/Berlin", WEEKDAYS, "2026-07-06T07:00:00Z", True),
    ("Berlin summer, a second before", "Europe/Berlin", WEEKDAYS, "2026-07-06T06:59:59Z", False),
    ("a lunch break between two ranges", "Europe/Berlin", WEEKDAYS, "2026-12-08T11:30:00Z", False),
    ("a weekend day is a day off", "Europe/Berlin", WEEKDAYS, "2026-12-05T10:00:00Z", False),
    ("India, +05:30: 09:00 local is 03:30 UTC", "Asia/Kolkata", WEEKDAYS, "2026-12-07T03:30:00Z", True),
    ("India, a second before", "Asia/Kolkata", WEEKDAYS, "2026-12-07T03:29:59Z", False),
    ("Nepal, +05:45", "Asia/Kathmandu", WEEKDAYS, "2026-12-07T03:15:00Z", True),
    ("Adelaide in summer time, +10:30: Monday 09:00 is Sunday 22:30 UTC", "Australia/Adelaide", WEEKDAYS,
     "2026-12-06T22:30:00Z", True),
    ("the local day decides the weekday (Monday morning in Tokyo is Sunday in UTC)", "Asia/Tokyo",
     {"mon": [["08:00", "10:00"]]}, "2026-12-06T23:30:00Z", True),
    ("a DST morning in Berlin: the shift starts at 09:00 local, 07:00 UTC", "Europe/Berlin",
     {"sun": [["09:00", "17:00"]]}, "2026-03-29T07:00:00Z", True),
    ("a DST morning in Berlin, a second before", "Europe/Berlin", {"sun": [["09:00", "17:00"]]},
     "2026-03-29T06:59:59Z", False),
    ("the day before the change, the same shift starts an hour later in UTC", "Europe/Berlin",
     {"sat": [["09:00", "17:00"]]}, "2026-03-28T07:30:00Z", False),
    ("New York's DST morning", "America/New_York", {"sun": [["09:00", "17:00"]]}, "2026-03-08T13:00:00Z", True),
    ("New York's DST morning, a second before", "America/New_York", {"sun": [["09:00", "17:00"]]},
     "2026-03-08T12:59:59Z", False),
    ("24:00 ends the day", "UTC", {"mon": [["22:00", "24:00"]]}, "2026-12-07T23:59:59Z", True),
    ("no hours: always on duty", "UTC", None, "2026-12-05T03:00:00Z", True),
]


@pytest.mark.parametrize("zone,hours,at,expected", [c[1:] for c in ON_DUTY], ids=[c[0] for c in ON_DUTY])
def test_on_duty_follows_local_wall_clock_time(zone, hours, at, expected):
    assert availability.on_duty(agent(zone=zone, hours=hours), z(at)) is expected


def test_a_range_starting_in_the_skipped_hour_starts_when_the_clocks_jump():
    early = agent(hours={"sun": [["02:30", "06:00"]]})  # 02:00-03:00 does not exist on 29 Mar 2026 in Berlin
    plan = availability.plan(early, z("2026-03-28T23:00:00Z"), z("2026-03-29T06:00:00Z"))
    on = [i for i in plan if i.state == Planned.ON_DUTY]
    assert [(i.start, i.end) for i in on] == [(z("2026-03-29T01:00:00Z"), z("2026-03-29T04:00:00Z"))]


def test_a_range_in_the_repeated_hour_holds_both_times():
    twice = agent(hours={"sun": [["02:00", "02:30"]]})  # 02:00-03:00 happens twice on 25 Oct 2026 in Berlin
    plan = availability.plan(twice, z("2026-10-24T22:00:00Z"), z("2026-10-25T03:00:00Z"))
    on = [(i.start, i.end) for i in plan if i.state == Planned.ON_DUTY]
    assert on == [(z("2026-10-25T00:00:00Z"), z("2026-10-25T00:30:00Z")),
                  (z("2026-10-25T01:00:00Z"), z("2026-10-25T01:30:00Z"))]


# --- the shift's next start, for a hold -------------------------------------------------------------------------

def test_the_next_start_counts_only_strictly_before_the_limit():
    a = agent(zone="UTC")
    assert availability.next_start(a, z("2026-12-07T08:50:00Z"), z("2026-12-07T09:20:00Z")) == z("2026-12-07T09:00:00Z")
    assert availability.next_start(a, z("2026-12-07T08:30:00Z"), z("2026-12-07T09:00:00Z")) is None
    assert availability.next_start(a, z("2026-12-07T08:30:00Z"), z("2026-12-07T09:00:01Z")) == z("2026-12-07T09:00:00Z")


def test_a_start_inside_an_absence_does_not_count():
    away = Absence(z("2026-12-07T00:00:00Z"), z("2026-12-08T00:00:00Z"))
    a = agent(zone="UTC", absences=[away])
    assert availability.next_start(a, z("2026-12-06T23:00:00Z"), z("2026-12-07T10:00:00Z")) is None


def test_the_lunch_break_ends_with_a_start():
    a = agent(zone="UTC")
    assert availability.next_start(a, z("2026-12-08T12:30:00Z"), z("2026-12-08T13:30:00Z")) == z("2026-12-08T13:00:00Z")


# --- the state, its source, until when, and why -----------------------------------------------------------------

HOLIDAY = Absence(z("2026-12-19T23:00:00Z"), z("2026-12-30T23:00:00Z"), ("bob", "carol"), "holiday")
STATES = [
    # name, agent, at, (state, source, until)
    ("available, until the shift ends", agent(), "2026-12-07T10:00:00Z",
     (State.AVAILABLE, Source.STATUS, "2026-12-07T16:30:00Z")),
    ("off duty, until the next start", agent(), "2026-12-07T17:00:00Z",
     (State.OFF_DUTY, Source.HOURS, "2026-12-08T08:00:00Z")),
    ("off duty on Friday evening, until Monday", agent(), "2026-12-11T17:00:00Z",
     (State.OFF_DUTY, Source.HOURS, "2026-12-14T08:00:00Z")),
    ("absent outranks working hours", agent(absences=[HOLIDAY]), "2026-12-21T10:00:00Z",
     (State.ABSENT, Source.ABSENCE, "2026-12-30T23:00:00Z")),
    ("the last second of an absence in the agent's zone", agent(absences=[HOLIDAY]), "2026-12-30T22:59:59Z",
     (State.ABSENT, Source.ABSENCE, "2026-12-30T23:00:00Z")),
    ("the absence is over at midnight local", agent(hours=None, absences=[HOLIDAY]), "2026-12-30T23:00:00Z",
     (State.AVAILABLE, Source.STATUS, None)),
    ("an absence from a Slack status", agent(absences=[Absence(z("2026-12-07T00:00:00Z"), None, source="slack-status")]),
     "2026-12-07T10:00:00Z", (State.ABSENT, Source.SLACK_STATUS, None)),
    ("off duty outranks do-not-disturb", agent(dnd=(z("2026-12-07T16:00:00Z"), z("2026-12-07T18:00:00Z"))),
     "2026-12-07T17:00:00Z", (State.OFF_DUTY, Source.HOURS, "2026-12-08T08:00:00Z")),
    ("do-not-disturb counts as away until it ends", agent(dnd=(z("2026-12-07T09:00:00Z"), z("2026-12-07T11:00:00Z"))),
     "2026-12-07T10:00:00Z", (State.AWAY, Source.SLACK_DND, "2026-12-07T11:00:00Z")),
    ("do-not-disturb outranks the status", agent(status="offline", dnd=(z("2026-12-07T09:00:00Z"), z("2026-12-07T11:00:00Z"))),
     "2026-12-07T10:00:00Z", (State.AWAY, Source.SLACK_DND, "2026-12-07T11:00:00Z")),
    ("a status set by hand", agent(status="away", hours=None), "2026-12-07T10:00:00Z", (State.AWAY, Source.STATUS, None)),
    ("offline by hand", agent(status="offline", hours=None), "2026-12-07T10:00:00Z",
     (State.OFFLINE, Source.STATUS, None)),
    ("full", agent(hours=None, load=2, max_open=2), "2026-12-07T10:00:00Z", (State.FULL, Source.CAPACITY, None)),
    ("the status outranks capacity", agent(hours=None, status="away", load=2, max_open=2), "2026-12-07T10:00:00Z",
     (State.AWAY, Source.STATUS, None)),
    ("inactive outranks everything", agent(active=False, absences=[HOLIDAY]), "2026-12-21T10:00:00Z",
     (State.INACTIVE, Source.DIRECTORY, None)),
]


@pytest.mark.parametrize("a,at,expected", [c[1:] for c in STATES], ids=[c[0] for c in STATES])
def test_availability_follows_the_precedence(a, at, expected):
    found = availability.explain(a, z(at))
    state, source, until = expected
    assert (found.state, found.source, found.until) == (state, source, z(until) if until else None)
    assert found.available == (state == State.AVAILABLE) == availability.available(a, z(at))
    assert found.why


def test_why_says_it_in_words_in_the_agents_zone():
    assert availability.explain(agent(), z("2026-12-11T17:00:00Z")).why == "off duty until Mon 09:00 Europe/Berlin"
    assert availability.explain(agent(absences=[HOLIDAY]), z("2026-12-21T10:00:00Z")).why == \
        "absent through 30 Dec (holiday); bob and carol cover"
    assert availability.explain(agent(), z("2026-12-07T10:00:00Z")).why == "online; off duty from 17:30 Europe/Berlin"


# --- the plan: one timeline of hours and absences ----------------------------------------------------------------

def test_the_plan_is_one_timeline_clipped_to_the_period_with_equal_neighbours_merged():
    lunch_off = agent(zone="UTC", hours={"mon": [["09:00", "12:00"], ["12:00", "17:00"]]},
                      absences=[Absence(z("2026-12-07T13:00:00Z"), z("2026-12-07T14:00:00Z"))])
    plan = availability.plan(lunch_off, z("2026-12-07T08:00:00Z"), z("2026-12-07T18:00:00Z"))
    assert plan == [
        Interval(Planned.OFF_DUTY, z("2026-12-07T08:00:00Z"), z("2026-12-07T09:00:00Z"), "hours"),
        Interval(Planned.ON_DUTY, z("2026-12-07T09:00:00Z"), z("2026-12-07T13:00:00Z"), "hours"),
        Interval(Planned.ABSENT, z("2026-12-07T13:00:00Z"), z("2026-12-07T14:00:00Z"), "absence"),
        Interval(Planned.ON_DUTY, z("2026-12-07T14:00:00Z"), z("2026-12-07T17:00:00Z"), "hours"),
        Interval(Planned.OFF_DUTY, z("2026-12-07T17:00:00Z"), z("2026-12-07T18:00:00Z"), "hours"),
    ]


def test_a_shift_over_midnight_is_one_interval():
    night = agent(zone="UTC", hours={"mon": [["22:00", "24:00"]], "tue": [["00:00", "06:00"]]})
    plan = availability.plan(night, z("2026-12-07T20:00:00Z"), z("2026-12-08T08:00:00Z"))
    assert [(i.state, i.start, i.end) for i in plan if i.state == Planned.ON_DUTY] == \
        [(Planned.ON_DUTY, z("2026-12-07T22:00:00Z"), z("2026-12-08T06:00:00Z"))]


def test_a_plan_without_hours_is_on_duty_but_for_absences():
    a = agent(hours=None, absences=[Absence(z("2026-12-08T00:00:00Z"), None, source="slack-status")])
    plan = availability.plan(a, z("2026-12-07T00:00:00Z"), z("2026-12-09T00:00:00Z"))
    assert [(i.state, i.source) for i in plan] == [(Planned.ON_DUTY, "hours"), (Planned.ABSENT, "slack-status")]
    assert plan[0].end == plan[1].start == z("2026-12-08T00:00:00Z")
