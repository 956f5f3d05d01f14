"""The same checks on the SQL store (SQLite or PostgreSQL) and on the unit tests' dict store: the fake keeps
the real store's rules, so use-case tests through it say something about the product."""
from __future__ import annotations

import dataclasses
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.db import Database
from bot.store import (AbsenceRecord, AgentRecord, Conversation, ConversationStatus, OutboxKind, OutboxState,
                       TeamRecord, WrongTokens)
from routing import Decision, Link, Outcome, Rule, Status
from tests.fakes.store import FakeStore

T0 = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)


class FakeRunner:
    """Runs work on one FakeStore, as Database.transact runs it on a SqlStore."""

    def __init__(self):
        self.store = FakeStore()

    def transact(self, work):
        return work(self.store)


@pytest.fixture(params=["sql", "fake"])
def db(request, db_url):
    if request.param == "fake":
        yield FakeRunner()
        return
    database = Database(db_url)
    yield database
    database.dispose()


def seed(db, *agents: AgentRecord):
    def work(store):
        store.save_team(TeamRecord("billing", "Billing"))
        for agent in agents:
            store.save_agent(agent)
            store.set_memberships(agent.id, ["billing"])
    db.transact(work)


def assign(agent: str, rule=Rule.DEFAULT, needs_room=True) -> Decision:
    return Decision(Outcome.ASSIGNED, agent, "billing", rule, "because", needs_room=needs_room)


def test_a_seat_is_taken_only_while_the_agent_has_room(db):
    seed(db, AgentRecord("alice", "Alice", status=Status.ONLINE, max_open=1))
    first = db.transact(lambda s: s.record_decision("c1", assign("alice"), T0, None, rotation=True, trigger="event"))
    second = db.transact(lambda s: s.record_decision("c2", assign("alice"), T0, None, rotation=True, trigger="event"))
    forced = db.transact(lambda s: s.record_decision("c3", assign("alice", Rule.EXPLICIT_AGENT, False), T0, None,
                                                     rotation=True, trigger="event"))
    assert first is not None and second is None and forced is not None
    alice = db.transact(lambda s: s.agent("alice"))
    assert (alice.open_load, alice.last_assigned) == (2, forced)
    assert db.transact(lambda s: [d.conversation_id for d in s.decisions("c2")]) == []


def test_rotation_is_the_decision_order_and_a_manual_move_does_not_count(db):
    seed(db, AgentRecord("alice", "Alice", status=Status.ONLINE), AgentRecord("bob", "Bob", status=Status.ONLINE))
    one = db.transact(lambda s: s.record_decision("c1", assign("alice"), T0, None, rotation=True, trigger="event"))
    two = db.transact(lambda s: s.record_decision("c2", assign("bob"), T0, None, rotation=True, trigger="event"))
    db.transact(lambda s: s.record_decision("c3", assign("alice", Rule.MANUAL, False), T0, None, rotation=False,
                                            trigger="manual"))
    agents = {a.id: a.last_assigned for a in db.transact(lambda s: s.agents())}
    assert one < two and agents == {"alice": one, "bob": two}


def test_a_link_never_moves_backwards(db):
    db.transact(lambda s: s.set_link("cust", "alice", T0 + timedelta(hours=2)))
    db.transact(lambda s: s.set_link("cust", "bob", T0))
    db.transact(lambda s: s.touch_link("cust", "alice", T0 + timedelta(hours=1)))
    assert db.transact(lambda s: s.link("cust")) == db.transact(lambda s: s.link("cust")).__class__(
        "alice", T0 + timedelta(hours=2))
    db.transact(lambda s: s.touch_link("cust", "bob", T0 + timedelta(hours=3)))  # not bob's link
    assert db.transact(lambda s: s.link("cust")).last_interaction_at == T0 + timedelta(hours=2)


def test_the_queue_orders_own_recent_customers_first_then_oldest(db):
    def work(store):
        for n, (customer, hours) in enumerate([("a", 3), ("mine", 5), ("b", 1), ("old", 2)]):
            store.save_conversation(Conversation(f"q{n}", customer, ConversationStatus.UNASSIGNED, team="billing",
                                                 created_at=T0, queued_at=T0 + timedelta(hours=hours),
                                                 queue_seq=n + 1, stored=False))
        store.set_link("mine", "alice", T0 + timedelta(days=1))
        store.set_link("old", "alice", T0 - timedelta(days=30))
    db.transact(work)
    since = T0
    order = db.transact(lambda s: [c.id for c in s.queue_for("alice", ["billing"], None, since)])
    assert order == ["q1", "q2", "q3", "q0"]
    assert db.transact(lambda s: [c.id for c in s.queue_for("alice", [], None, since)]) == []
    assert db.transact(lambda s: [c.id for c in s.queue_for("alice", ["billing"], 2, None)]) == ["q2", "q3"]


def test_an_outbox_row_is_leased_to_one_claimer_and_recorded_by_it_alone(db):
    db.transact(lambda s: s.enqueue(OutboxKind.SLACK_HANDOFF, {"decision": 1}))
    kinds = frozenset({OutboxKind.SLACK_HANDOFF})
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    item = db.transact(lambda s: s.claim_next(kinds, now, timedelta(seconds=60)))
    assert item.payload == {"decision": 1} and item.attempts == 1
    assert db.transact(lambda s: s.claim_next(kinds, now, timedelta(seconds=60))) is None
    later = now + timedelta(seconds=61)
    again = db.transact(lambda s: s.claim_next(kinds, later, timedelta(seconds=60)))  # the lease ran out
    assert again.attempts == 2
    assert db.transact(lambda s: s.finish(item, OutboxState.DELIVERED)) is False  # not the holder any more
    assert db.transact(lambda s: s.finish(again, OutboxState.DELIVERED)) is True
    assert db.transact(lambda s: s.counts().outbox) == {"delivered": 1}


def test_forgetting_moves_conversations_to_the_alias_and_erases_the_rest(db):
    def work(store):
        store.remember_customer("cust", "Ada", "ada@example.com")
        store.set_link("cust", "alice", T0)
        store.save_conversation(Conversation("c1", "cust", ConversationStatus.RESOLVED, created_at=T0, stored=False))
    db.transact(work)
    assert db.transact(lambda s: s.forget_customer("cust", "forgotten-1")) == 1
    assert db.transact(lambda s: (s.customer("cust"), s.link("cust"), s.conversation("c1").customer_id)) == \
        (None, None, "forgotten-1")
    assert db.transact(lambda s: s.forget_customer("cust", "forgotten-2")) is None


# --- Slack's signals and App Homes (CONTRACT.md 9.4) ---------------------------------------------------------------

def test_a_slack_event_is_applied_once_and_an_older_one_of_the_same_user_and_signal_is_stale(db):
    note = lambda *a: db.transact(lambda s: s.note_slack_event(*a, T0))  # noqa: E731
    assert note("Ev1", "U1", "status", T0) == "new"
    assert note("Ev1", "U1", "status", T0) == "duplicate"
    assert note("Ev2", "U1", "status", T0 - timedelta(seconds=1)) == "stale"
    assert note("Ev3", "U1", "dnd", T0 - timedelta(seconds=1)) == "new"      # another signal
    assert note("Ev4", "U2", "status", T0 - timedelta(seconds=1)) == "new"   # another user
    assert note("Ev5", "U1", "status", T0) == "new"                          # the same second: not older
    assert note("Ev2", "U1", "status", T0 + timedelta(hours=1)) == "duplicate"  # applied, even though stale


def test_pruning_slack_events_keeps_the_newest_of_each_user_and_signal(db):
    for n, minutes in enumerate([0, 1, 2]):
        db.transact(lambda s, n=n, m=minutes: s.note_slack_event(f"E{n}", "U1", "status", T0 + timedelta(minutes=m),
                                                                 T0))
    db.transact(lambda s: s.note_slack_event("D1", "U1", "dnd", T0, T0))
    assert db.transact(lambda s: s.prune_slack_events(T0 + timedelta(days=1), 1)) == 1
    assert db.transact(lambda s: s.prune_slack_events(T0 + timedelta(days=1), 10)) == 1
    assert db.transact(lambda s: s.prune_slack_events(T0 + timedelta(days=1), 10)) == 0
    # what is left still tells an older event from a newer one
    assert db.transact(lambda s: s.note_slack_event("E9", "U1", "status", T0 + timedelta(minutes=1), T0)) == "stale"
    assert db.transact(lambda s: s.note_slack_event("D0", "U1", "dnd", T0 - timedelta(minutes=1), T0)) == "stale"


def _home_rows(db):
    now = T0 + timedelta(days=365)
    rows = []
    while (item := db.transact(lambda s: s.claim_next(frozenset({OutboxKind.SLACK_HOME}), now,
                                                      timedelta(seconds=60)))) is not None:
        rows.append(item.payload)
        db.transact(lambda s, i=item: s.finish(i, OutboxState.DELIVERED))
    return rows


def test_a_home_is_published_at_most_once_per_interval_and_the_last_change_is_never_lost(db):
    want = lambda at, opened=False: db.transact(lambda s: s.want_home("U1", at, 5, opened))  # noqa: E731
    assert want(T0) is False                               # never opened: nothing to publish again
    assert want(T0, opened=True) is True                   # opened: due now
    assert want(T0 + timedelta(seconds=1)) is True         # a change 1 s later: due 5 s after the first
    assert want(T0 + timedelta(seconds=2)) is False        # that one is still to come, and will show this too
    assert want(T0 + timedelta(seconds=2), opened=True) is False
    assert want(T0 + timedelta(seconds=30)) is True        # long after: due at once
    due = db.transact(lambda s: s.any_due(frozenset({OutboxKind.SLACK_HOME}), T0 + timedelta(seconds=4)))
    assert due is True and _home_rows(db) == [{"user": "U1"}] * 3


def test_covered_customers_are_the_links_a_cover_keeps_with_their_open_conversations(db):
    def work(store):
        store.remember_customer("ada", "Ada", None)
        store.set_link("ada", "alice", T0)
        store.cover_link("ada", "bob", T0 + timedelta(hours=1))
        store.save_conversation(Conversation("c1", "ada", ConversationStatus.ASSIGNED, "bob", url="https://x/1",
                                             created_at=T0, stored=False))
        store.set_link("cleo", "alice", T0)
        store.cover_link("cleo", "carol", T0 + timedelta(hours=2))
        store.set_link("dan", "alice", T0 + timedelta(hours=3))  # never covered
        store.set_link("eve", "bob", T0)
        store.cover_link("eve", "alice", T0 + timedelta(hours=4))  # alice covered bob's customer: bob's
    db.transact(work)
    found = db.transact(lambda s: s.covered_customers("alice", 10))
    assert [(c.customer_id, c.customer_name, c.covered_by, c.conversation_id, c.conversation_agent, c.url)
            for c in found] == [("cleo", None, "carol", None, None, None),
                                ("ada", "Ada", "bob", "c1", "bob", "https://x/1")]
    assert found[1].at == T0 + timedelta(hours=1)
    db.transact(lambda s: s.set_link("ada", "alice", T0 + timedelta(days=1)))  # back with alice: no longer covered
    assert [c.customer_id for c in db.transact(lambda s: s.covered_customers("alice", 10))] == ["cleo"]


# --- availability (CONTRACT.md 9.1-9.2) ----------------------------------------------------------------------

def _away(agent="alice", start=T0, end=T0 + timedelta(days=2), source="api", cover=("bob",)):
    from bot.store import AbsenceRecord
    return AbsenceRecord(None, agent, start, end, cover, "holiday", source)


def test_hours_zone_cover_and_do_not_disturb_are_kept_with_the_agent(db):
    from routing import Hours
    dnd = (T0, T0 + timedelta(hours=1))
    seed(db, AgentRecord("alice", "Alice", status=Status.ONLINE, time_zone="Europe/Berlin",
                         hours=Hours.parse({"mon": [["09:00", "17:00"]]}), cover=("bob", "carol"), dnd=dnd))
    alice = db.transact(lambda s: s.agent("alice"))
    assert (alice.time_zone, alice.zone, alice.cover, alice.dnd) == ("Europe/Berlin", "Europe/Berlin", ("bob", "carol"),
                                                                     dnd)
    assert alice.hours.to_json() == {"mon": [["09:00", "17:00"]]}
    routed = db.transact(lambda s: s.directory(T0).agent("alice"))
    assert (routed.time_zone, routed.hours, routed.dnd) == ("Europe/Berlin", alice.hours, dnd)


def test_absences_are_stored_listed_in_order_and_found_when_they_overlap(db):
    seed(db, AgentRecord("alice", "Alice"), AgentRecord("bob", "Bob"))
    later = db.transact(lambda s: s.add_absence(_away(start=T0 + timedelta(days=5), end=None), T0))
    first = db.transact(lambda s: s.add_absence(_away(), T0))
    other = db.transact(lambda s: s.add_absence(_away("bob", cover=()), T0))
    assert [a.id for a in db.transact(lambda s: s.absences())] == [first.id, other.id, later.id]
    assert db.transact(lambda s: s.absence(first.id)) == first
    assert db.transact(lambda s: s.overlapping("alice", T0 + timedelta(days=2), T0 + timedelta(days=3))) is None
    assert db.transact(lambda s: s.overlapping("alice", T0 + timedelta(days=1), T0 + timedelta(days=3))) == first
    assert db.transact(lambda s: s.overlapping("alice", T0 + timedelta(days=9), None)) == later
    assert db.transact(lambda s: s.overlapping("alice", T0, T0 + timedelta(days=1), other_than=first.id)) is None
    assert [a.id for a in db.transact(lambda s: s.absences("alice", since=T0 + timedelta(days=2)))] == [later.id]
    db.transact(lambda s: s.delete_absence(later.id))
    moved = dataclasses.replace(first, end=T0 + timedelta(days=1), note=None)
    db.transact(lambda s: s.save_absence(moved))
    assert db.transact(lambda s: s.absences("alice")) == [moved]


def test_an_agent_comes_with_the_absences_not_ended_at_the_time_asked(db):
    seed(db, AgentRecord("alice", "Alice", status=Status.ONLINE), AgentRecord("bob", "Bob", status=Status.ONLINE))
    db.transact(lambda s: s.add_absence(_away(), T0))
    at = T0 + timedelta(days=1)
    assert [a.start for a in db.transact(lambda s: s.agent("alice", at=at)).absences] == [T0]
    assert db.transact(lambda s: s.agent("alice", at=T0 + timedelta(days=2))).absences == ()
    assert db.transact(lambda s: s.agent("alice")).absences == ()
    members = db.transact(lambda s: {a.id: a.absences for a in s.directory(at).members("billing")})
    assert [a.cover for a in members["alice"]] == [("bob",)] and members["bob"] == ()
    everyone = db.transact(lambda s: {a.id: a for a in s.directory(at).everyone()})
    assert len(everyone["alice"].absences) == 1
    assert db.transact(lambda s: s.agents(at=at))[0].absences == everyone["alice"].absences


def test_a_cover_keeps_the_link_alive_and_a_real_link_forgets_the_cover(db):
    seed(db, AgentRecord("alice", "Alice"), AgentRecord("bob", "Bob"))
    db.transact(lambda s: s.set_link("ada", "alice", T0 - timedelta(days=1)))
    db.transact(lambda s: s.add_absence(_away(), T0))
    db.transact(lambda s: s.cover_link("ada", "bob", T0 + timedelta(hours=1)))
    assert db.transact(lambda s: s.link("ada")) == Link("alice", T0 + timedelta(hours=1), "bob")
    db.transact(lambda s: s.cover_link("ada", "bob", T0))  # never backwards
    assert db.transact(lambda s: s.link("ada")).last_interaction_at == T0 + timedelta(hours=1)
    db.transact(lambda s: s.touch_link("ada", "bob", T0 + timedelta(hours=2)))  # alice is absent: time moves
    assert db.transact(lambda s: s.link("ada")) == Link("alice", T0 + timedelta(hours=2), "bob")
    db.transact(lambda s: s.touch_link("ada", "bob", T0 + timedelta(days=3)))  # alice is back: bob's work is his
    assert db.transact(lambda s: s.link("ada")).last_interaction_at == T0 + timedelta(hours=2)
    db.transact(lambda s: s.set_link("ada", "alice", T0 + timedelta(days=3)))
    assert db.transact(lambda s: s.link("ada")) == Link("alice", T0 + timedelta(days=3), None)


def test_a_session_is_open_until_it_expires_or_is_closed_and_expired_ones_are_pruned_in_batches(db):
    hours = [timedelta(hours=h) for h in range(4)]
    db.transact(lambda s: [s.open_session(f"k{n}", T0, T0 + h) for n, h in enumerate(hours)])
    assert db.transact(lambda s: [s.session_open(f"k{n}", T0 + timedelta(hours=1)) for n in range(4)]) == \
        [False, False, True, True]  # k1 expires at T0 + 1 h: closed at that instant
    assert db.transact(lambda s: (s.close_session("k3"), s.close_session("k3"))) == (True, False)
    assert db.transact(lambda s: s.session_open("k3", T0)) is False
    later = T0 + timedelta(minutes=90)
    assert db.transact(lambda s: s.prune_sessions(later, 1)) == 1
    assert db.transact(lambda s: s.prune_sessions(later, 5)) == 1  # k0 and k1 expired; k2 is all that is left
    assert db.transact(lambda s: s.session_open("k2", T0)) is True
    assert db.transact(lambda s: s.close_sessions()) == 1
    assert db.transact(lambda s: s.session_open("k2", T0)) is False


def test_wrong_tokens_are_counted_per_client_in_a_window_that_starts_again_once_over(db):
    stale = lambda now: now - timedelta(minutes=15)  # noqa: E731
    count = lambda client, now: db.transact(lambda s: s.count_wrong_token(client, now, stale(now)))  # noqa: E731
    assert db.transact(lambda s: s.wrong_tokens("10.0.0.1")) is None
    assert [count("10.0.0.1", T0 + timedelta(minutes=m)).failures for m in (0, 5, 14)] == [1, 2, 3]
    assert count("10.0.0.2", T0 + timedelta(minutes=1)) == WrongTokens(1, T0 + timedelta(minutes=1))
    known = db.transact(lambda s: s.wrong_tokens("10.0.0.1"))
    assert (known.failures, known.since) == (3, T0)
    again = count("10.0.0.1", T0 + timedelta(minutes=15))  # the window that began at T0 is over
    assert (again.failures, again.since) == (1, T0 + timedelta(minutes=15))
    assert db.transact(lambda s: s.prune_wrong_tokens(T0 + timedelta(minutes=2), 10)) == 1  # 10.0.0.2's
    assert db.transact(lambda s: (s.wrong_tokens("10.0.0.2"), s.wrong_tokens("10.0.0.1").failures)) == (None, 1)


def test_agents_come_a_page_at_a_time_by_id_searched_in_any_case_wildcards_taken_literally(db):
    seed(db, *(AgentRecord(f"a{n:02d}", f"Agent {n}", email=f"agent{n}@example.com") for n in range(12)),
         AgentRecord("pct", "100% Ada_X", active=False), AgentRecord("zz", "Zed"))
    page = db.transact(lambda s: s.agents_page(5, "a03"))
    assert [a.id for a in page] == ["a04", "a05", "a06", "a07", "a08"] and page[0].teams == ("billing",)
    assert [a.id for a in db.transact(lambda s: s.agents_page(5, "a10"))] == ["a11", "pct", "zz"]
    assert [a.id for a in db.transact(lambda s: s.agents_page(5, "a10", active_only=True))] == ["a11", "zz"]
    search = lambda text, **kw: [a.id for a in db.transact(lambda s: s.agents_page(50, search=text, **kw))]
    assert search("AGENT1") == ["a01", "a10", "a11"]  # names: Agent 1, Agent 10, Agent 11
    assert search("agent7@EXAMPLE") == ["a07"] and search("ZZ") == ["zz"]
    assert search("%") == ["pct"] and search("a_x") == ["pct"] and search("_") == ["pct"]  # not wildcards
    assert search("%", active_only=True) == []
    assert db.transact(lambda s: (s.count_agents(), s.count_agents(search="agent1"),
                                  s.count_agents(active_only=True))) == (14, 3, 13)


def test_an_agents_page_read_at_an_instant_brings_their_absences_not_ended_by_then(db):
    seed(db, AgentRecord("alice", "Alice"), AgentRecord("bob", "Bob"))
    db.transact(lambda s: s.add_absence(AbsenceRecord(None, "alice", T0, T0 + timedelta(days=2)), T0))
    found = {a.id: a.absences for a in db.transact(lambda s: s.agents_page(10, at=T0 + timedelta(days=1)))}
    assert [a.start for a in found["alice"]] == [T0] and found["bob"] == ()
    assert db.transact(lambda s: s.agents_page(10, at=T0 + timedelta(days=3)))[0].absences == ()


def test_the_queue_and_the_held_list_seek_to_their_cursor_in_their_order(db):
    def work(store):
        for n in range(6):
            at = T0 + timedelta(minutes=n // 2)
            store.save_conversation(Conversation(f"q{n}", "c", ConversationStatus.UNASSIGNED, created_at=T0,
                                                 queued_at=at, queue_seq=10 - n, stored=False))
            store.save_conversation(Conversation(f"h{n}", "c", ConversationStatus.HELD, agent_id="alice",
                                                 created_at=T0, held_since=at, held_until=at + timedelta(hours=1),
                                                 stored=False))
        store.save_conversation(Conversation("r", "c", ConversationStatus.RESOLVED, created_at=T0, stored=False))
    db.transact(work)
    queue = lambda after: [c.id for c in db.transact(lambda s: s.queue_page(3, after))]
    assert queue(None) == ["q1", "q0", "q3"]  # same time: the smaller queue_seq first
    assert queue((T0 + timedelta(minutes=1), 7)) == ["q2", "q5", "q4"]
    held = lambda after: [c.id for c in db.transact(lambda s: s.held_page(4, after))]
    assert held(None) == ["h0", "h1", "h2", "h3"] and held((T0 + timedelta(minutes=1), "h2")) == ["h3", "h4", "h5"]
    assert db.transact(lambda s: (s.count_conversations(ConversationStatus.UNASSIGNED),
                                  s.count_conversations(ConversationStatus.HELD))) == (6, 6)


def test_teams_can_be_listed_without_their_members(db):
    seed(db, AgentRecord("alice", "Alice"))
    assert db.transact(lambda s: s.teams(members=False)) == [TeamRecord("billing", "Billing")]
    assert db.transact(lambda s: s.teams())[0].members == ("alice",)


def test_the_online_count_is_of_active_agents_set_online(db):
    seed(db, AgentRecord("a", "A", status=Status.ONLINE), AgentRecord("b", "B", status=Status.AWAY),
         AgentRecord("c", "C", status=Status.ONLINE, active=False))
    assert db.transact(lambda s: s.counts().online) == 1


def test_transactions_that_say_the_same_thing_take_turns_on_postgresql_and_other_names_do_not_wait(db_url):
    from tests.conftest import PG_URL

    db, order, inside, done = Database(db_url), [], threading.Event(), threading.Event()

    def first(store):
        store.one_at_a_time("dashboard pages")
        order.append("first in")
        inside.set()
        done.wait(5)
        order.append("first out")

    def second(name):
        def work(store):
            store.one_at_a_time(name)
            order.append(f"{name} in")
        return work
    try:
        threads = [threading.Thread(target=db.read, args=(first,))]
        threads[0].start()
        assert inside.wait(5)
        for name in ("dashboard pages", "something else"):
            threads.append(threading.Thread(target=db.read, args=(second(name),)))
            threads[-1].start()
        threads[-1].join(5)
        time.sleep(0.3)  # time enough for the second page to go in, if it did not wait
        expected = {"first in", "something else in"} | (set() if PG_URL else {"dashboard pages in"})
        assert set(order) == expected and len(order) == len(expected)  # SQLite's reads never wait
        done.set()
        for thread in threads:
            thread.join(5)
        assert order[-1] == ("dashboard pages in" if PG_URL else "first out")
    finally:
        done.set()
        db.dispose()


PICK_IDS = ["a", "B", "b", "Z", "_x", "a1", "a10", "a2", "Ä", "é", "z", "0", "~", "Ωmega", "agent-7", "agent_7"]


def test_a_teams_candidates_come_from_the_index_in_routings_own_rank_order(db_url):
    """The memberships' copy of each agent's pick place follows every change of the agent (triggers), and the
    index gives the ready members in exactly routing.rank's order, ids compared as Python compares them."""
    import random

    from routing import rank
    from bot.store.directory import FIRST

    db = Database(db_url)
    rng = random.Random(5)
    try:
        seed(db, *(AgentRecord(i, i, status=Status.ONLINE, max_open=rng.choice([None, 2])) for i in PICK_IDS))
        for n in range(20):  # loads and rotation places, in a random order of seats
            db.transact(lambda s: s.record_decision(f"c{n}", assign(rng.choice(PICK_IDS), needs_room=False), T0,
                                                    None, rotation=rng.random() < 0.7, trigger="event"))

        def away(store):
            store.save_agent(dataclasses.replace(store.agent("b"), status=Status.AWAY))
            store.set_memberships("Z", [])  # leaves, and joins again: the join copies the agent's place
            store.set_memberships("Z", ["billing"])
        db.transact(away)

        def read(store):
            directory = store.directory(T0)
            batches = [[a.id for a in batch] for batch in directory.candidates("billing")]
            members = directory.members("billing")
            return batches, members
        batches, members = db.transact(read)
        expected = [a.id for a in sorted(members, key=rank) if a.status == Status.ONLINE and a.has_room]
        assert "b" not in expected and "Z" in expected and len(expected) > FIRST
        assert [i for batch in batches for i in batch] == expected
        assert [len(b) for b in batches] == [FIRST, len(expected) - FIRST]
    finally:
        db.dispose()


def test_a_routed_events_seat_taken_meanwhile_fails_its_commit_and_writes_nothing(db_url):
    """PostgreSQL: a routed event's decision (its id reserved by the preflight) is written with the COMMIT and
    its seat last; a seat another transaction took first fails it as a serialization failure, which
    Database.transact runs again, and nothing of it stays."""
    from sqlalchemy.exc import DBAPIError

    db = Database(db_url)
    if not db.is_postgres:
        db.dispose()
        pytest.skip("the deferred seat is PostgreSQL's (SQLite has one writer)")
    try:
        seed(db, AgentRecord("alice", "Alice", status=Status.ONLINE, max_open=1))
        with pytest.raises(DBAPIError) as failed:
            with db.writing() as store:
                store.preflight("k1", "c1", "cust", team="billing", at=T0)
                store.record_decision("c1", assign("alice"), T0, None, rotation=True, trigger="event")
                db.transact(lambda s: s.record_decision("c0", assign("alice"), T0, None, rotation=True,
                                                        trigger="event"))
        assert failed.value.orig.sqlstate == "40001"
        alice = db.transact(lambda s: s.agent("alice"))
        assert alice.open_load == 1 and db.transact(lambda s: s.decisions("c1")) == []
        # Run again, the transaction takes its seat at once: a seat that is gone is known there and then, and
        # the decision is made again inside the same transaction (here: alice is full, so no seat).
        with db.writing(again=True) as store:
            store.preflight("k1", "c1", "cust", team="billing", at=T0)
            assert store.record_decision("c1", assign("alice"), T0, None, rotation=True, trigger="event") is None
    finally:
        db.dispose()
