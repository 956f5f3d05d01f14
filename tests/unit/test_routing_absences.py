"""Rule 3 with working hours, absences and covers (CONTRACT.md 9.1-9.2, 9.3a), one row per branch."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from routing import Absence, Agent, Event, Hours, Link, MemoryDirectory, Miss, Rule, Settings, Status, decide, render

NOW = datetime(2026, 12, 21, 10, 0, tzinfo=timezone.utc)  # a Monday
DAY = {"mon": [["08:00", "17:00"]]}  # UTC
WAIT = Settings(sticky_wait_minutes=30)


def away(*cover, start=NOW - timedelta(days=1), end=NOW + timedelta(days=9), note="holiday"):
    return Absence(start, end, tuple(cover), note)


def agent(id, *teams, status="online", load=0, max_open=None, active=True, hours=None, absences=(), dnd=None):
    made = Agent(id=id, status=Status(status), active=active, max_open=max_open, open_load=load,
                 hours=Hours.parse(hours) if hours is not None else None, absences=tuple(absences), dnd=dnd)
    TEAMS[id] = teams
    return made


TEAMS: dict[str, tuple[str, ...]] = {}


def directory(*agents):
    base = {a.id: a for a in [agent("alice", "billing"), agent("bob", "billing", load=1), agent("carol", "billing", load=2),
                              agent("dan", "vip", load=0), agent("erin", "vip", load=3)]}
    base.update({a.id: a for a in agents})
    return MemoryDirectory.of(*base.values(), memberships={k: TEAMS[k] for k in base}, teams=("billing", "vip"))


def link(agent_id="alice", days_ago=3, covered_by=None):
    return Link(agent_id, NOW - timedelta(days=days_ago), covered_by)


def event(**kw):
    return Event(customer_id="cust_42", occurred_at=kw.pop("at", NOW), **kw)


CASES = [
    # name, event kwargs, settings, link, directory, blocked, (status, agent, team, rule, miss)
    ("an absent agent's returning customer goes to its first cover",
     dict(team="billing"), Settings(), link(), directory(agent("alice", "billing", absences=[away("carol", "bob")])), (),
     ("assigned", "carol", "billing", Rule.COVER, Miss.ABSENT)),
    ("the first available cover: an away cover is passed over",
     dict(team="billing"), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("carol", "bob")]), agent("carol", "billing", status="away")), (),
     ("assigned", "bob", "billing", Rule.COVER, Miss.ABSENT)),
    ("a cover is never waited for",
     dict(team="billing"), WAIT, link(),
     directory(agent("alice", "billing", absences=[away("carol")]), agent("carol", "billing", status="away")), (),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.ABSENT)),
    ("an absent cover is replaced by its own cover list",
     dict(), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("bob")]), agent("bob", "billing", absences=[away("dan")])), (),
     ("assigned", "dan", None, Rule.COVER, Miss.ABSENT)),
    ("replacement goes two levels below the first list (the third step is reached)",
     dict(), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("bob")]), agent("bob", "billing", absences=[away("carol")]),
               agent("carol", "billing", absences=[away("dan")])), (),
     ("assigned", "dan", None, Rule.COVER, Miss.ABSENT)),
    ("no further: a fourth step is never taken, rule 3's fallbacks instead",
     dict(), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("bob")]), agent("bob", "billing", absences=[away("carol")]),
               agent("carol", "billing", absences=[away("dan")]), agent("dan", "vip", absences=[away("erin")]),
               agent("x", "billing", load=5)), (),
     ("assigned", "x", None, Rule.STICKY_TEAMS, Miss.ABSENT)),
    ("a loop of covers ends without visiting anyone twice",
     dict(team="billing"), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("bob")]), agent("bob", "billing", absences=[away("alice")])), (),
     ("assigned", "carol", "billing", Rule.STICKY_TEAM, Miss.ABSENT)),
    ("a deactivated cover is dropped, not replaced",
     dict(team="vip"), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("bob", "erin")]),
               agent("bob", "billing", active=False, absences=[away("dan")])), (),
     ("assigned", "erin", "vip", Rule.COVER, Miss.ABSENT)),
    ("a blocked cover is never picked",
     dict(team="billing"), Settings(), link(), directory(agent("alice", "billing", absences=[away("carol", "bob")])),
     {"carol"}, ("assigned", "bob", "billing", Rule.COVER, Miss.ABSENT)),
    ("an absent cover is replaced even if the customer blocked it",
     dict(), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("bob")]), agent("bob", "billing", absences=[away("dan")])),
     {"bob"}, ("assigned", "dan", None, Rule.COVER, Miss.ABSENT)),
    ("no cover list: rule 3's fallbacks with the event's team",
     dict(team="billing"), Settings(), link(), directory(agent("alice", "billing", absences=[away()])), (),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.ABSENT)),
    ("no cover available, no team: the linked agent's teams",
     dict(), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("dan")]), agent("dan", "vip", status="offline")), (),
     ("assigned", "bob", None, Rule.STICKY_TEAMS, Miss.ABSENT)),
    ("nobody at all: Unassigned",
     dict(team="vip"), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("dan")]), agent("dan", "vip", status="offline"),
               agent("erin", "vip", status="away")), (),
     ("unassigned", None, "vip", Rule.UNASSIGNED, Miss.ABSENT)),
    ("with the availability check off an absence still sends the customer to the cover",
     dict(team="billing"), Settings(availability_check=False), link(),
     directory(agent("alice", "billing", absences=[away("carol")])), (),
     ("assigned", "carol", "billing", Rule.COVER, Miss.ABSENT)),
    ("a flow that names an absent agent still gets it",
     dict(assign_agent="alice"), Settings(), link(), directory(agent("alice", "billing", absences=[away("carol")])), (),
     ("assigned", "alice", None, Rule.EXPLICIT_AGENT, None)),
    ("an absent agent is never picked",
     dict(team="billing"), Settings(), None, directory(agent("alice", "billing", absences=[away()])), (),
     ("assigned", "bob", "billing", Rule.DEFAULT, None)),
    ("an absence that has not started yet changes nothing",
     dict(team="billing"), Settings(), link(),
     directory(agent("alice", "billing", absences=[away(start=NOW + timedelta(seconds=1))])), (),
     ("assigned", "alice", "billing", Rule.STICKY, None)),
    ("an absence is over at its end",
     dict(team="billing"), Settings(), link(),
     directory(agent("alice", "billing", absences=[away("carol", end=NOW)])), (),
     ("assigned", "alice", "billing", Rule.STICKY, None)),
    ("a link outside the window is not kept through an absence",
     dict(team="billing"), Settings(sticky_days=7), link(days_ago=8),
     directory(agent("alice", "billing", absences=[away("carol")])), (),
     ("assigned", "bob", "billing", Rule.DEFAULT, None)),
    # working hours
    ("off duty counts as offline: a teammate",
     dict(team="billing"), Settings(), link(), directory(agent("alice", "billing", hours={"mon": [["12:00", "17:00"]]})),
     (), ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.OFF_DUTY)),
    ("off duty, the shift starts within the wait: held",
     dict(team="billing"), WAIT, link(), directory(agent("alice", "billing", hours={"mon": [["10:20", "17:00"]]})), (),
     ("held", "alice", "billing", Rule.STICKY_HOLD, Miss.OFF_DUTY)),
    ("off duty, the shift starts exactly at the wait's end: not held",
     dict(team="billing"), WAIT, link(), directory(agent("alice", "billing", hours={"mon": [["10:30", "17:00"]]})), (),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.OFF_DUTY)),
    ("off duty and offline: never waited for",
     dict(team="billing"), WAIT, link(),
     directory(agent("alice", "billing", status="offline", hours={"mon": [["10:20", "17:00"]]})), (),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.OFF_DUTY)),
    ("off duty and away, the shift starts within the wait: held",
     dict(team="billing"), WAIT, link(),
     directory(agent("alice", "billing", status="away", hours={"mon": [["10:20", "17:00"]]})), (),
     ("held", "alice", "billing", Rule.STICKY_HOLD, Miss.OFF_DUTY)),
    ("a shift start inside an absence is not waited for",
     dict(team="billing"), WAIT, link(),
     directory(agent("alice", "billing", hours={"mon": [["10:20", "17:00"]]},
                     absences=[away("carol", start=NOW + timedelta(minutes=10))])), (),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.OFF_DUTY)),
    ("with the availability check off hours are ignored like any status",
     dict(team="billing"), Settings(availability_check=False), link(),
     directory(agent("alice", "billing", hours={"tue": [["09:00", "17:00"]]})), (),
     ("assigned", "alice", "billing", Rule.STICKY, None)),
    ("an off-duty agent is never picked",
     dict(team="billing"), Settings(), None, directory(agent("alice", "billing", hours={"tue": [["09:00", "17:00"]]})),
     (), ("assigned", "bob", "billing", Rule.DEFAULT, None)),
    ("on duty in the shift's last second",
     dict(team="billing", at=datetime(2026, 12, 21, 16, 59, 59, tzinfo=timezone.utc)), Settings(), link(),
     directory(agent("alice", "billing", hours=DAY)), (), ("assigned", "alice", "billing", Rule.STICKY, None)),
    ("off duty when the shift ends",
     dict(team="billing", at=datetime(2026, 12, 21, 17, 0, tzinfo=timezone.utc)), Settings(), link(),
     directory(agent("alice", "billing", hours=DAY), agent("bob", "billing", hours=None)), (),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.OFF_DUTY)),
    # do-not-disturb
    ("do-not-disturb is away: held when a wait is set",
     dict(team="billing"), WAIT, link(),
     directory(agent("alice", "billing", dnd=(NOW - timedelta(minutes=5), NOW + timedelta(hours=1)))), (),
     ("held", "alice", "billing", Rule.STICKY_HOLD, Miss.AWAY)),
    ("do-not-disturb without a wait: a teammate",
     dict(team="billing"), Settings(), link(),
     directory(agent("alice", "billing", dnd=(NOW - timedelta(minutes=5), NOW + timedelta(hours=1)))), (),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM, Miss.AWAY)),
    ("do-not-disturb over: sticky again",
     dict(team="billing"), Settings(), link(), directory(agent("alice", "billing", dnd=(NOW - timedelta(hours=1), NOW))),
     (), ("assigned", "alice", "billing", Rule.STICKY, None)),
]


@pytest.mark.parametrize("kw,settings,lnk,dirx,blocked,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_absences_hours_and_covers_decide_as_the_contract_says(kw, settings, lnk, dirx, blocked, expected):
    d = decide(event(**kw), settings, lnk, dirx, frozenset(blocked))
    assert (d.status, d.agent, d.team, d.rule, d.miss) == expected
    assert d.reason


def test_the_link_stays_with_the_absent_agent_for_every_assignment_stickybot_makes_on_its_own():
    absent = directory(agent("alice", "billing", absences=[away("carol")]))
    assert decide(event(team="billing"), Settings(), link(), absent).keeps_link
    assert decide(event(assign_team="vip"), Settings(), link(), absent).keeps_link
    assert not decide(event(assign_agent="bob"), Settings(), link(), absent).keeps_link
    assert not decide(event(team="billing"), Settings(), link(), directory()).keeps_link
    passed = decide(event(team="billing"), Settings(sticky_days=1), link(days_ago=2), absent)
    assert not passed.keeps_link and not passed.returning


def test_a_cover_decision_says_whose_customer_it_is_and_until_when():
    end = NOW + timedelta(days=9)
    d = decide(event(team="billing"), Settings(), link(), directory(agent("alice", "billing", absences=[away("carol")])))
    assert (d.covering, d.covering_until, d.linked_agent) == ("alice", end, "alice")
    assert render(d.reason, "cust_42").endswith("but alice is absent until 30 Dec 10:00 UTC (holiday); "
                                                "carol covers alice's customers")


def test_the_reason_names_the_state_of_the_agent_it_could_not_use():
    d = decide(event(team="billing"), Settings(), link(),
               directory(agent("alice", "billing", hours={"tue": [["09:00", "17:00"]]})))
    assert "but alice is off duty until Tue 09:00 UTC" in render(d.reason, "cust_42")
    held = decide(event(team="billing"), WAIT, link(),
                  directory(agent("alice", "billing", hours={"mon": [["10:20", "17:00"]]})))
    assert "alice is off duty and starts at 10:20 UTC: held for alice for up to 30 min" in render(held.reason, "x")
    assert held.held_until == NOW + timedelta(minutes=30)


def test_after_the_absence_the_customer_goes_back_and_the_reason_names_the_cover():
    d = decide(event(team="billing"), Settings(), link(covered_by="carol"), directory())
    assert (d.agent, d.rule) == ("alice", Rule.STICKY)
    assert "carol covered cust_42 while alice was away" in render(d.reason, "cust_42")


HOLDER = [
    # an open conversation of an absent agent, and the customer wrote: name, event kwargs, directory, expected
    ("to the holder's cover, whoever the link names",
     dict(team="billing"), directory(agent("bob", "billing", absences=[away("dan")])), ("dan", Rule.COVER)),
    ("no cover: the conversation's team",
     dict(team="billing"), directory(agent("bob", "billing", absences=[away()])), ("alice", Rule.STICKY_TEAM)),
    ("no cover, no team: the holder's teams",
     dict(), directory(agent("dan", "vip", absences=[away()])), ("erin", Rule.STICKY_TEAMS)),
]


@pytest.mark.parametrize("kw,dirx,expected", [c[1:] for c in HOLDER], ids=[c[0] for c in HOLDER])
def test_an_open_conversation_of_an_absent_agent_moves_when_the_customer_writes(kw, dirx, expected):
    holder = next(a for a in ("bob", "dan") if dirx.agent(a).absences)
    d = decide(event(absent_holder=holder, exclude=frozenset({holder}), **kw), Settings(), link(), dirx)
    assert (d.agent, d.rule) == expected
    assert render(d.reason, "cust_42").startswith(f"{holder} is absent until")
