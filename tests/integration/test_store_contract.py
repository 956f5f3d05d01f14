"""The same checks on the SQL store (SQLite or PostgreSQL) and on the unit tests' dict store: the fake keeps
the real store's rules, so use-case tests through it say something about the product."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.db import Database
from bot.store import AgentRecord, Conversation, ConversationStatus, OutboxKind, OutboxState, TeamRecord
from routing import Decision, Outcome, Rule, Status
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
