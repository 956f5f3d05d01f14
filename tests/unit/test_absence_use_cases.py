"""Absences, covers and working hours through the use-cases on the dict-backed fake store (CONTRACT.md 9.1-9.2),
with times chosen around the boundaries: no database, no HTTP."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.errors import Conflict, Invalid
from bot.service import absences, covering, events
from bot.service.absences import Wish
from bot.service.audit import By
from bot.store import AbsenceRecord, AbsenceSource, ConversationStatus
from integrations.inbound import Author, EventType, Inbound
from routing import Hours, Link, Status
from tests.fakes.store import FakeStore

T0 = datetime(2026, 12, 21, 10, tzinfo=timezone.utc)  # a Monday
SECOND = timedelta(seconds=1)


def by(at: datetime = T0) -> By:
    return By("api", at)


def inbound(type: EventType, conversation="c1", at=T0, **extra) -> Inbound:
    return Inbound(key=f"w:{type}:{conversation}:{at.isoformat()}:{extra.get('author', '')}", type=type,
                   occurred_at=at, conversation_id=conversation, customer_id="ada", **extra)


@pytest.fixture
def store() -> FakeStore:
    store = FakeStore(now=T0).add_agent("alice", "billing").add_agent("bob", "billing").add_agent("carol", "billing")
    store.links["ada"] = Link("alice", T0 - timedelta(days=2))
    return store


def away(store, agent="alice", start=T0 - timedelta(days=1), end=T0 + timedelta(days=5), cover=("bob",),
         source=AbsenceSource.API):
    return store.add_absence(AbsenceRecord(None, agent, start, end, cover, "holiday", source), T0)


# --- an open conversation when the customer writes -------------------------------------------------------------

def test_the_customers_words_move_an_absent_agents_conversation_to_the_cover(store):
    events.handle(store, inbound(EventType.CREATED, at=T0 - timedelta(days=1), assign_agent="alice"))
    away(store, start=T0)
    events.handle(store, inbound(EventType.MESSAGE, at=T0 - SECOND))  # a second before: still alice's
    assert store.conversations["c1"].agent_id == "alice"
    events.handle(store, inbound(EventType.MESSAGE, at=T0, author=Author.AGENT))  # the agent's words: no move
    assert store.conversations["c1"].agent_id == "alice"
    events.handle(store, inbound(EventType.MESSAGE, at=T0))
    assert store.conversations["c1"].agent_id == "bob"
    assert (store.decisions_[-1].rule, store.decisions_[-1].trigger) == ("cover", "absent")
    assert (store.agent("alice").open_load, store.agent("bob").open_load) == (0, 1)
    assert store.links["ada"] == Link("alice", T0, "bob")


def test_the_absences_last_second_still_moves_it_and_its_end_does_not(store):
    events.handle(store, inbound(EventType.CREATED, at=T0 - timedelta(days=2), assign_agent="alice"))
    away(store, end=T0)
    events.handle(store, inbound(EventType.MESSAGE, at=T0))
    assert store.conversations["c1"].agent_id == "alice"
    events.handle(store, inbound(EventType.MESSAGE, at=T0 - SECOND))
    assert store.conversations["c1"].agent_id == "bob"


# --- holds nobody should wait on ---------------------------------------------------------------------------------

def held_for_alice(store, hours=None):
    store.save_settings(sticky_wait_minutes=30)
    alice = store.agents_["alice"]
    store.agents_["alice"] = alice.__class__(**{**alice.__dict__, "status": Status.AWAY,
                                                "hours": Hours.parse(hours) if hours else None})
    answer = events.handle(store, inbound(EventType.CREATED, conversation="h1", team="billing"))
    assert answer["status"] == "held"


def test_a_hold_for_an_agent_who_becomes_absent_goes_to_the_cover(store):
    held_for_alice(store)
    away(store, start=T0 + timedelta(minutes=5))
    assert covering.release_holds(store, T0 + timedelta(minutes=5) - SECOND) == []
    moved = covering.release_holds(store, T0 + timedelta(minutes=5))
    assert [(m.agent_id, m.rule) for m in moved] == [("bob", "cover")]


def test_a_hold_for_an_agent_off_duty_until_after_the_wait_ends(store):
    held_for_alice(store, hours={"mon": [["08:00", "10:10"]], "tue": [["08:00", "17:00"]]})
    assert covering.release_holds(store, T0 + timedelta(minutes=10) - SECOND) == []
    moved = covering.release_holds(store, T0 + timedelta(minutes=10))
    assert [(m.agent_id, m.rule) for m in moved] == [("bob", "sticky_team")]
    assert store.decisions_[-1].trigger == "off_duty"


def test_a_hold_for_an_agent_back_on_duty_before_the_wait_ends_keeps_waiting(store):
    held_for_alice(store, hours={"mon": [["08:00", "10:10"], ["10:29", "17:00"]]})
    assert covering.release_holds(store, T0 + timedelta(minutes=15)) == []
    assert store.conversations["h1"].status == ConversationStatus.HELD


# --- absences set by people ---------------------------------------------------------------------------------------

def test_an_absence_must_end_after_now_to_the_second(store):
    body = {"start": (T0 - timedelta(hours=1)).isoformat(), "end": T0.isoformat()}
    with pytest.raises(Invalid):
        absences.create(store, "alice", body, by(), AbsenceSource.API)
    made = absences.create(store, "alice", {**body, "end": (T0 + SECOND).isoformat()}, by(), AbsenceSource.API)
    assert made["end"] == "2026-12-21T10:00:01Z"


def test_whole_days_end_at_midnight_after_the_last_day_in_the_agents_zone(store):
    store.agents_["alice"] = store.agents_["alice"].__class__(**{**store.agents_["alice"].__dict__,
                                                                 "time_zone": "Asia/Kolkata"})
    made = absences.create(store, "alice", {"start": "2026-12-22", "end": "2026-12-22"}, by(), AbsenceSource.API)
    assert (made["start"], made["end"]) == ("2026-12-21T18:30:00Z", "2026-12-22T18:30:00Z")


def test_ending_a_current_absence_brings_what_waits_to_the_agent(store):
    store.save_settings(drain_unassigned=True)
    for agent in ("bob", "carol"):
        store.agents_[agent] = store.agents_[agent].__class__(**{**store.agents_[agent].__dict__,
                                                                 "status": Status.OFFLINE})
    made = away(store, cover=())
    assert events.handle(store, inbound(EventType.CREATED, conversation="q", team="billing"))["status"] == "unassigned"
    absences.end(store, "alice", made.id, by(T0 + timedelta(hours=1)))
    assert store.absences_[made.id].end == T0 + timedelta(hours=1)
    assert store.conversations["q"].agent_id == "alice" and store.decisions_[-1].rule == "queue"


def test_an_overlap_is_a_conflict(store):
    away(store)
    with pytest.raises(Conflict):
        absences.create(store, "alice", {"start": "2026-12-25", "end": "2026-12-31"}, by(), AbsenceSource.API)


# --- absences kept in step with an outside source ------------------------------------------------------------------

def test_an_outside_source_creates_moves_and_ends_only_its_own_absence(store):
    wish = Wish(T0, T0 + timedelta(days=3), ("bob",), "out of office")
    assert absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, wish, by()) == "created"
    assert absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, wish, by()) == "kept"
    later = Wish(T0, T0 + timedelta(days=5), ("carol",), "out of office")
    assert absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, later, by(T0 + SECOND)) == "moved"
    (mine,) = store.absences("alice")
    assert (mine.end, mine.cover, mine.source) == (T0 + timedelta(days=5), ("carol",), "zammad")
    assert absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, None, by(T0 + timedelta(hours=1))) == "ended"
    assert store.absences("alice")[0].end == T0 + timedelta(hours=1)
    assert absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, None, by(T0 + timedelta(hours=2))) == "none"


def test_time_another_absence_covers_is_left_to_it(store):
    mine = away(store)
    wish = Wish(T0, T0 + timedelta(days=1), (), None)
    assert absences.sync_external(store, "alice", AbsenceSource.SLACK_STATUS, wish, by()) == "covered"
    assert absences.sync_external(store, "alice", AbsenceSource.SLACK_STATUS, None, by()) == "none"
    assert store.absences("alice") == [mine]


def test_an_open_ended_wish_stays_open_until_the_source_clears_it(store):
    assert absences.sync_external(store, "bob", AbsenceSource.SLACK_STATUS, Wish(T0, None), by()) == "created"
    assert store.absences("bob")[0].end is None
    assert absences.sync_external(store, "bob", AbsenceSource.SLACK_STATUS, None, by(T0 + SECOND)) == "ended"
    assert store.absences("bob")[0].end == T0 + SECOND


def test_a_future_absence_from_a_source_that_clears_it_is_removed(store):
    wish = Wish(T0 + timedelta(days=2), T0 + timedelta(days=3))
    absences.sync_external(store, "bob", AbsenceSource.ZAMMAD, wish, by())
    assert absences.sync_external(store, "bob", AbsenceSource.ZAMMAD, None, by()) == "ended"
    assert store.absences("bob") == []


def test_a_running_absence_moved_to_later_ends_now_and_the_new_time_follows(store):
    wish = Wish(T0 - timedelta(days=1), T0 + timedelta(days=4), ("bob",), "out of office")
    absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, wish, by())
    later = Wish(T0 + timedelta(days=7), T0 + timedelta(days=11), ("bob",), "out of office")
    assert absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, later, by(T0 + timedelta(days=1))) == "moved"
    assert [(a.start, a.end) for a in store.absences("alice")] == [
        (T0 - timedelta(days=1), T0 + timedelta(days=1)), (T0 + timedelta(days=7), T0 + timedelta(days=11))]
    assert absences.sync_external(store, "alice", AbsenceSource.ZAMMAD, later, by(T0 + timedelta(days=1))) == "kept"


def test_a_wish_partly_covered_by_another_absence_keeps_its_first_uncovered_stretch(store):
    away(store, start=T0 + timedelta(days=2), end=T0 + timedelta(days=4))
    wish = Wish(T0, T0 + timedelta(days=5))
    assert absences.sync_external(store, "alice", AbsenceSource.SLACK_STATUS, wish, by()) == "created"
    mine = [a for a in store.absences("alice") if a.source == "slack-status"]
    assert [(a.start, a.end) for a in mine] == [(T0, T0 + timedelta(days=2))]
    away(store, agent="bob", start=T0 - timedelta(days=1), end=T0 + timedelta(days=3))
    assert absences.sync_external(store, "bob", AbsenceSource.SLACK_STATUS, wish, by()) == "created"
    mine = [a for a in store.absences("bob") if a.source == "slack-status"]
    assert [(a.start, a.end) for a in mine] == [(T0 + timedelta(days=3), T0 + timedelta(days=5))]
    away(store, agent="carol", start=T0 - timedelta(days=1), end=T0 + timedelta(days=9))
    assert absences.sync_external(store, "carol", AbsenceSource.SLACK_STATUS, wish, by()) == "covered"
    assert [a.source for a in store.absences("carol")] == ["api"]


def test_a_conversation_whose_agent_is_not_absent_after_all_stays_where_it_is(store):
    """The preflight reads whether the holder is absent before the conversation is locked: the move checks again."""
    events.handle(store, inbound(EventType.CREATED, at=T0 - timedelta(days=1), assign_agent="alice"))
    conv = store.conversation("c1", for_update=True)
    assert covering.customer_wrote(store, conv, T0, "k2") is None
    assert store.conversations["c1"].agent_id == "alice" and len(store.decisions_) == 1
