"""CONTRACT.md section 2, one row per branch."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from routing import Agent, availability, Event, Link, MemoryDirectory, Rule, Settings, Status, decide, first_contact, pick, render

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)


def agent(id, *teams, status="online", load=0, max_open=None, active=True, seq=None, email=None):
    made = Agent(id=id, status=status, active=active, max_open=max_open, open_load=load,
                 last_assigned=seq, email=email)
    TEAMS_OF[made] = teams
    return made


TEAMS_OF: dict[Agent, tuple[str, ...]] = {}


def link(agent_id, days_ago=3.0):
    return Link(agent_id, NOW - timedelta(days=days_ago))


def event(**kw):
    return Event(customer_id="cust_42", occurred_at=kw.pop("at", NOW), **kw)


# Directory shared by most rows: alice and carol in billing, bob in billing and vip, dan in no team.
BASE = [
    agent("alice", "billing", load=1, email="alice@example.com"),
    agent("bob", "billing", "vip", load=2),
    agent("carol", "billing", load=3),
    agent("dan", load=0),
]


def directory(*overrides, extra=(), teams=("billing", "vip", "empty")):
    by_id = {a.id: a for a in BASE}
    for a in overrides:
        by_id[a.id] = a
    agents = [*by_id.values(), *extra]
    return MemoryDirectory.of(*agents, memberships={a.id: TEAMS_OF[a] for a in agents}, teams=teams)


CASES = [
    # name, event kwargs, settings, link, directory, expected (status, agent, team, rule)
    ("explicit agent by id, whatever its status and load",
     dict(assign_agent="carol"), Settings(), link("alice"),
     directory(agent("carol", "billing", status="offline", load=9, max_open=2)),
     ("assigned", "carol", None, Rule.EXPLICIT_AGENT)),
    ("explicit agent by e-mail",
     dict(assign_agent="ALICE@example.com", team="billing"), Settings(), None, directory(),
     ("assigned", "alice", "billing", Rule.EXPLICIT_AGENT)),
    ("explicit agent unknown goes to Unassigned",
     dict(assign_agent="zed"), Settings(), link("alice"), directory(),
     ("unassigned", None, None, Rule.EXPLICIT_UNKNOWN)),
    ("explicit agent deactivated goes to Unassigned",
     dict(assign_agent="carol"), Settings(), None, directory(agent("carol", "billing", active=False)),
     ("unassigned", None, None, Rule.EXPLICIT_UNKNOWN)),
    ("explicit agent wins over explicit team",
     dict(assign_agent="dan", assign_team="vip"), Settings(), None, directory(),
     ("assigned", "dan", None, Rule.EXPLICIT_AGENT)),
    ("explicit team with someone available picks by load",
     dict(assign_team="billing"), Settings(), link("bob"), directory(),
     ("assigned", "alice", "billing", Rule.EXPLICIT_TEAM)),
    ("explicit team with nobody available",
     dict(assign_team="vip", team="billing"), Settings(), None, directory(agent("bob", "billing", "vip", status="away")),
     ("unassigned", None, "vip", Rule.UNASSIGNED)),
    ("explicit team that exists but has no members",
     dict(assign_team="empty"), Settings(), None, directory(),
     ("unassigned", None, "empty", Rule.UNASSIGNED)),
    ("explicit team unknown",
     dict(assign_team="nope", team="billing"), Settings(), link("alice"), directory(),
     ("unassigned", None, "billing", Rule.EXPLICIT_UNKNOWN)),
    ("sticky, check off, linked agent away still gets it",
     dict(team="billing"), Settings(availability_check=False), link("carol"),
     directory(agent("carol", "billing", status="away", load=3)),
     ("assigned", "carol", "billing", Rule.STICKY)),
    ("sticky, check off, linked agent full still gets it",
     dict(), Settings(availability_check=False), link("carol"),
     directory(agent("carol", "billing", load=2, max_open=2)),
     ("assigned", "carol", None, Rule.STICKY)),
    ("sticky, check on, linked agent available",
     dict(team="billing"), Settings(), link("carol"), directory(),
     ("assigned", "carol", "billing", Rule.STICKY)),
    ("sticky_team: linked agent away, event gives a team",
     dict(team="billing"), Settings(), link("alice"), directory(agent("alice", "billing", status="away")),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("sticky_team never picks the linked agent even if it has the lowest load",
     dict(team="billing"), Settings(), link("alice"), directory(agent("alice", "billing", load=5, max_open=5)),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("sticky_team with nobody else in the team",
     dict(team="vip"), Settings(), link("bob"), directory(agent("bob", "billing", "vip", status="offline")),
     ("unassigned", None, "vip", Rule.UNASSIGNED)),
    ("sticky_teams: no team in the event, pick from the linked agent's teams",
     dict(), Settings(), link("bob"), directory(agent("bob", "billing", "vip", status="away")),
     ("assigned", "alice", None, Rule.STICKY_TEAMS)),
    ("sticky_teams never reaches agents outside the linked agent's teams",
     dict(), Settings(), link("bob"),
     directory(agent("bob", "billing", "vip", status="away"), agent("alice", "billing", status="offline"),
               agent("carol", "billing", status="away")),
     ("unassigned", None, None, Rule.UNASSIGNED)),
    ("linked agent in no team and unavailable: Unassigned",
     dict(), Settings(), link("dan"), directory(agent("dan", status="offline")),
     ("unassigned", None, None, Rule.UNASSIGNED)),
    ("default with a team: new customer",
     dict(team="billing"), Settings(), None, directory(),
     ("assigned", "alice", "billing", Rule.DEFAULT)),
    ("default without a team picks from all agents",
     dict(), Settings(), None, directory(),
     ("assigned", "dan", None, Rule.DEFAULT)),
    ("default with nobody available",
     dict(team="vip"), Settings(), None, directory(agent("bob", "billing", "vip", status="away")),
     ("unassigned", None, "vip", Rule.UNASSIGNED)),
    ("default with an unknown event team",
     dict(team="ghosts"), Settings(), None, directory(),
     ("unassigned", None, "ghosts", Rule.UNASSIGNED)),
    ("window at exactly N days still holds",
     dict(team="billing"), Settings(sticky_days=7), link("carol", days_ago=7), directory(),
     ("assigned", "carol", "billing", Rule.STICKY)),
    ("window at N days + 1 s has passed",
     dict(team="billing"), Settings(sticky_days=7),
     Link("carol", NOW - timedelta(days=7, seconds=1)), directory(),
     ("assigned", "alice", "billing", Rule.DEFAULT)),
    ("sticky_days = 0 turns stickiness off",
     dict(team="billing"), Settings(sticky_days=0), link("carol", days_ago=0), directory(),
     ("assigned", "alice", "billing", Rule.DEFAULT)),
    ("deleted linked agent: normal assignment",
     dict(team="billing"), Settings(availability_check=False), link("carol"),
     directory(agent("carol", "billing", active=False)),
     ("assigned", "alice", "billing", Rule.DEFAULT)),
    ("linked agent gone from the directory: normal assignment",
     dict(), Settings(), link("ghost"), directory(),
     ("assigned", "dan", None, Rule.DEFAULT)),
    ("a full agent (load = max_open) counts as unavailable",
     dict(team="billing"), Settings(), link("alice"), directory(agent("alice", "billing", load=3, max_open=3)),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("event override turns the check off",
     dict(team="billing", availability_check=False), Settings(availability_check=True), link("alice"),
     directory(agent("alice", "billing", status="offline")),
     ("assigned", "alice", "billing", Rule.STICKY)),
    ("event override turns the check on",
     dict(team="billing", availability_check=True), Settings(availability_check=False), link("alice"),
     directory(agent("alice", "billing", status="offline")),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("an excluded linked agent is not sticky",
     dict(team="billing", exclude=frozenset({"alice"})), Settings(availability_check=False), link("alice"),
     directory(), ("assigned", "bob", "billing", Rule.DEFAULT)),
    ("an excluded agent is never picked",
     dict(exclude=frozenset({"dan"})), Settings(), None, directory(),
     ("assigned", "alice", None, Rule.DEFAULT)),
    ("an event older than the link is inside the window",
     dict(team="billing", at=NOW - timedelta(days=5)), Settings(), link("carol", days_ago=3), directory(),
     ("assigned", "carol", "billing", Rule.STICKY)),
]


WAIT = Settings(sticky_wait_minutes=30)
HOLD_CASES = [
    # CONTRACT.md 8.1: the hold; name, event kwargs, settings, link, directory, expected
    ("hold: linked agent away, wait on: held for it",
     dict(team="billing"), WAIT, link("alice"), directory(agent("alice", "billing", status="away")),
     ("held", "alice", "billing", Rule.STICKY_HOLD)),
    ("hold: linked agent full, wait on: held for it",
     dict(), WAIT, link("alice"), directory(agent("alice", "billing", load=2, max_open=2)),
     ("held", "alice", None, Rule.STICKY_HOLD)),
    ("hold: an offline linked agent is never waited for",
     dict(team="billing"), WAIT, link("alice"), directory(agent("alice", "billing", status="offline")),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("hold: wait 0 falls back at once",
     dict(team="billing"), Settings(sticky_wait_minutes=0), link("alice"),
     directory(agent("alice", "billing", status="away")), ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("hold: check off assigns the linked agent, no wait",
     dict(team="billing"), Settings(availability_check=False, sticky_wait_minutes=30), link("alice"),
     directory(agent("alice", "billing", status="away")), ("assigned", "alice", "billing", Rule.STICKY)),
    ("hold: the event's check override off assigns the linked agent, no wait",
     dict(team="billing", availability_check=False), WAIT, link("alice"),
     directory(agent("alice", "billing", status="away")), ("assigned", "alice", "billing", Rule.STICKY)),
    ("hold: the event's check override on holds although the setting is off",
     dict(team="billing", availability_check=True), Settings(availability_check=False, sticky_wait_minutes=30),
     link("alice"), directory(agent("alice", "billing", status="away")),
     ("held", "alice", "billing", Rule.STICKY_HOLD)),
    ("hold: an available linked agent gets it at once",
     dict(team="billing"), WAIT, link("alice"), directory(), ("assigned", "alice", "billing", Rule.STICKY)),
    ("hold over: rule 3's fallbacks with the event's team, without the linked agent",
     dict(team="billing", waited_for="alice"), WAIT, link("alice"), directory(agent("alice", "billing", status="away")),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("hold over: from the linked agent's teams when the event has none",
     dict(waited_for="bob"), WAIT, link("bob"), directory(agent("bob", "billing", "vip", status="away")),
     ("assigned", "alice", None, Rule.STICKY_TEAMS)),
    ("hold over: the linked agent is left out even if it is back",
     dict(team="billing", waited_for="alice"), WAIT, link("alice"), directory(),
     ("assigned", "bob", "billing", Rule.STICKY_TEAM)),
    ("hold over: nobody else: Unassigned",
     dict(team="vip", waited_for="bob"), WAIT, link("bob"), directory(agent("bob", "billing", "vip", status="away")),
     ("unassigned", None, "vip", Rule.UNASSIGNED)),
]
BLOCK_CASES = [
    # CONTRACT.md 8.3: blocks; name, event kwargs, blocked, link, directory, expected
    ("a blocked linked agent is skipped: routed as if unlinked",
     dict(team="billing"), {"carol"}, link("carol"), directory(), ("assigned", "alice", "billing", Rule.DEFAULT)),
    ("a blocked linked agent is never held for",
     dict(team="billing"), {"alice"}, link("alice"), directory(agent("alice", "billing", status="away")),
     ("assigned", "bob", "billing", Rule.DEFAULT)),
    ("a flow naming a blocked agent: Unassigned with the event's team",
     dict(assign_agent="alice", team="vip"), {"alice"}, None, directory(),
     ("unassigned", None, "vip", Rule.BLOCKED)),
    ("a flow naming a blocked agent by e-mail: Unassigned",
     dict(assign_agent="alice@example.com"), {"alice"}, None, directory(),
     ("unassigned", None, None, Rule.BLOCKED)),
    ("a flow's team never picks a blocked member",
     dict(assign_team="billing"), {"alice"}, None, directory(), ("assigned", "bob", "billing", Rule.EXPLICIT_TEAM)),
    ("the default pick never picks a blocked agent",
     dict(), {"dan"}, None, directory(), ("assigned", "alice", None, Rule.DEFAULT)),
    ("sticky_team never picks a blocked teammate",
     dict(team="billing"), {"bob"}, link("alice"), directory(agent("alice", "billing", status="offline")),
     ("assigned", "carol", "billing", Rule.STICKY_TEAM)),
    ("sticky_teams never picks a blocked teammate",
     dict(), {"alice"}, link("bob"), directory(agent("bob", "billing", "vip", status="offline")),
     ("assigned", "carol", None, Rule.STICKY_TEAMS)),
    ("everyone available is blocked: Unassigned",
     dict(team="vip"), {"bob"}, None, directory(), ("unassigned", None, "vip", Rule.UNASSIGNED)),
]


@pytest.mark.parametrize("kw,settings,lnk,dirx,expected", [c[1:] for c in CASES + HOLD_CASES],
                         ids=[c[0] for c in CASES + HOLD_CASES])
def test_decision_follows_the_contract(kw, settings, lnk, dirx, expected):
    d = decide(event(**kw), settings, lnk, dirx)
    assert (d.status, d.agent, d.team, d.rule) == expected
    assert d.reason


@pytest.mark.parametrize("kw,blocked,lnk,dirx,expected", [c[1:] for c in BLOCK_CASES],
                         ids=[c[0] for c in BLOCK_CASES])
def test_a_blocked_agent_is_left_out_of_every_choice(kw, blocked, lnk, dirx, expected):
    d = decide(event(**kw), WAIT, lnk, dirx, frozenset(blocked))
    assert (d.status, d.agent, d.team, d.rule) == expected


def test_a_hold_lasts_the_wait_from_the_events_time_and_says_so():
    d = decide(event(team="billing"), WAIT, link("alice"), directory(agent("alice", "billing", status="away")))
    assert d.held_until == NOW + timedelta(minutes=30) and not d.needs_room
    assert "held for alice for up to 30 min, until 2026-11-24 10:30 UTC" in render(d.reason, "cust_42")


def test_after_a_hold_the_reason_says_the_customer_waited():
    d = decide(event(team="billing", waited_for="alice"), WAIT, link("alice"), directory())
    assert "waited for alice, who did not come back in time" in render(d.reason, "cust_42")


STICKINESS = [
    # name, event kwargs, settings, blocked, link, directory, (returning, window_passed, miss)
    ("new customer", dict(), Settings(), (), None, directory(), (False, False, None)),
    ("window passed", dict(), Settings(sticky_days=1), (), link("alice", 2), directory(), (False, True, None)),
    ("to their agent", dict(), Settings(), (), link("alice"), directory(), (True, False, None)),
    ("linked agent away", dict(), Settings(), (), link("alice"), directory(agent("alice", "billing", status="away")),
     (True, False, "away")),
    ("linked agent offline", dict(), Settings(), (), link("alice"),
     directory(agent("alice", "billing", status="offline")), (True, False, "offline")),
    ("linked agent full", dict(), Settings(), (), link("alice"),
     directory(agent("alice", "billing", load=1, max_open=1)), (True, False, "full")),
    ("held for an away agent", dict(), WAIT, (), link("alice"),
     directory(agent("alice", "billing", status="away")), (True, False, "away")),
    ("linked agent deactivated", dict(), Settings(), (), link("alice"),
     directory(agent("alice", "billing", active=False)), (True, False, "deactivated")),
    ("linked agent blocked", dict(), Settings(), {"alice"}, link("alice"), directory(), (True, False, "blocked")),
    ("the flow chose someone else", dict(assign_agent="bob"), Settings(), (), link("alice"), directory(),
     (True, False, "flow_override")),
    ("the flow's team gave the linked agent", dict(assign_team="billing"), Settings(), (), link("alice"),
     directory(), (True, False, None)),
    ("the flow named the linked agent", dict(assign_agent="alice"), Settings(), (), link("alice"), directory(),
     (True, False, None)),
]


@pytest.mark.parametrize("kw,settings,blocked,lnk,dirx,expected", [c[1:] for c in STICKINESS],
                         ids=[c[0] for c in STICKINESS])
def test_a_decision_records_whether_the_customer_returned_and_why_they_missed_their_agent(
        kw, settings, blocked, lnk, dirx, expected):
    d = decide(event(**kw), settings, lnk, dirx, frozenset(blocked))
    assert (d.returning, d.window_passed, d.miss) == expected
    assert d.linked_agent == (lnk.agent_id if d.returning else None)


def test_reason_of_a_returning_customer_names_agent_age_and_window():
    d = decide(event(team="billing"), Settings(sticky_days=7), link("carol", days_ago=2), directory())
    assert render(d.reason, "cust_42") == "returning customer: carol handled cust_42 2 days ago (window 7 days)"


@pytest.mark.parametrize("settings,blocked,broken,lnk,expected", [
    (Settings(), set(), None, None, "no earlier agent on record for ada; from team billing"),
    (Settings(), set(), link("carol", days_ago=2), None, "an admin broke ada's link to carol 2 days ago; from"),
    (Settings(), {"carol"}, link("carol", days_ago=0.5), None,
     "ada's link to carol was removed less than a day ago, when carol was blocked for ada; from"),
    # a break older than the window says nothing: a link made after it and run out since would be newer
    (Settings(sticky_days=7), set(), link("carol", days_ago=8), None, "no earlier agent on record for ada"),
    (Settings(sticky_days=0), set(), link("carol", days_ago=1), None, "sticky sessions are off"),
    # a link made after the break decides; the break is not mentioned
    (Settings(), set(), link("carol", days_ago=2), link("alice", days_ago=1), "returning customer: alice"),
], ids=["no link", "broken", "removed by a block", "broken before the window", "sticky off", "linked again"])
def test_a_broken_link_is_what_the_reason_starts_with_inside_the_window(settings, blocked, broken, lnk, expected):
    d = decide(event(team="billing"), settings, lnk, directory(), frozenset(blocked), broken)
    assert render(d.reason, "ada").startswith(expected)
    assert (d.returning, d.window_passed) == (lnk is not None, False)  # a break is not a returning customer
    assert first_contact(d.reason) == expected.startswith("no earlier agent")


def test_reason_of_an_unknown_explicit_agent_names_it():
    d = decide(event(assign_agent="zed"), Settings(), None, directory())
    assert "'zed'" in d.reason


def test_reason_of_an_unknown_explicit_team_names_it():
    d = decide(event(assign_team="nope"), Settings(), None, directory())
    assert "'nope'" in d.reason


@pytest.mark.parametrize("agents,expected", [
    ([agent("a", load=2), agent("b", load=1), agent("c", load=3)], "b"),
    ([agent("a", load=1, seq=9), agent("b", load=1, seq=4), agent("c", load=1, seq=7)], "b"),
    ([agent("a", load=1, seq=2), agent("b", load=1, seq=None), agent("c", load=1, seq=1)], "b"),
    ([agent("b", load=1), agent("a", load=1), agent("c", load=1)], "a"),
    ([agent("b", load=0, seq=3), agent("a", load=0, seq=3)], "a"),
    ([agent("a", load=0, status="away"), agent("b", load=4)], "b"),
    ([agent("a", load=0, active=False), agent("b", load=4)], "b"),
    ([agent("a", load=2, max_open=2), agent("b", load=4, max_open=5)], "b"),
])
def test_pick_breaks_ties_by_load_then_rotation_then_id(agents, expected):
    assert pick(agents, NOW).id == expected


def test_pick_from_nobody_available_returns_none():
    assert pick([agent("a", status="offline"), agent("b", max_open=1, load=1)], NOW) is None


def test_no_capacity_means_unlimited():
    assert availability.available(agent("a", load=10_000, max_open=None), NOW)


def test_decisions_about_a_returning_customer_say_who_helped_and_when():
    d = decide(event(team="billing"), Settings(), link("alice", days_ago=2),
               directory(agent("alice", "billing", status="away")))
    assert (d.rule, d.linked_agent, d.since) == (Rule.STICKY_TEAM, "alice", timedelta(days=2))
    fresh = decide(event(team="billing"), Settings(), None, directory())
    assert (fresh.linked_agent, fresh.since) == (None, None)


def test_a_reason_names_the_customer_only_as_a_placeholder_so_it_can_be_replaced_exactly():
    d = decide(Event(customer_id="o", occurred_at=NOW, team="billing"), Settings(), None, directory())
    assert render(d.reason, "o").startswith("no earlier agent on record for o;")
    assert render(d.reason, "forgotten-1").startswith("no earlier agent on record for forgotten-1;")


def test_braces_in_ids_survive_a_reason_template():
    odd = Agent("a{0}", status=Status.ONLINE)
    d = decide(Event(customer_id="c{x}", occurred_at=NOW, assign_agent="a{0}"), Settings(), None,
               MemoryDirectory.of(odd))
    assert render(d.reason, "c{x}") == "the chatbot flow assigned a{0}"
