"""Every use-case through the dict-backed fake store: no database, no HTTP."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from bot.service import agent_actions, assignment, directory, events
from bot.service.audit import By
from bot.store import ConversationStatus, OutboxKind
from integrations.inbound import EventType, Inbound
from routing import Status
from tests.fakes.store import FakeStore

T0 = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def inbound(type: EventType, conversation="conv_1", customer="cust_42", hours=0.0, key=None, **extra) -> Inbound:
    return Inbound(key=key or f"widget:{type}:{conversation}:{hours}", type=type, occurred_at=at(hours),
                   conversation_id=conversation, customer_id=customer, **extra)


def created(conversation="conv_1", customer="cust_42", hours=0.0, **extra) -> Inbound:
    return inbound(EventType.CREATED, conversation, customer, hours, **extra)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore().add_agent("alice", "billing").add_agent("bob", "billing")


def loads(store: FakeStore) -> dict[str, int]:
    return {a.id: a.open_load for a in store.agents()}


def test_created_routes_records_links_and_writes_the_handoff(store):
    answer = events.handle(store, created(team="billing"))
    assert (answer["status"], answer["agent"], answer["rule"], answer["duplicate"]) == \
        ("assigned", "alice", "default", False)
    assert loads(store) == {"alice": 1, "bob": 0}
    assert store.link("cust_42") == store.link("cust_42").__class__("alice", at(0))
    assert store.outbox_of(OutboxKind.SLACK_HANDOFF) == [{"decision": 1, "conversation": "conv_1"}]
    assert store.info["decided"] == ["default"]


def test_the_same_event_again_gets_the_first_answer_and_changes_nothing(store):
    first = events.handle(store, created(key="widget:e1"))
    again = events.handle(store, created(key="widget:e1"))
    assert again == {**first, "duplicate": True}
    assert loads(store) == {"alice": 1, "bob": 0} and len(store.decisions_) == 1


def test_created_for_a_known_conversation_answers_its_state_as_a_duplicate(store):
    events.handle(store, created(key="widget:e1"))
    again = events.handle(store, created(key="widget:e2"))
    assert (again["agent"], again["rule"], again["duplicate"]) == ("alice", "default", True)
    assert len(store.decisions_) == 1


def test_a_rotation_tie_goes_to_who_was_assigned_least_recently(store):
    events.handle(store, created("c1", "x"))
    events.handle(store, inbound(EventType.RESOLVED, "c1", "x", 1))
    answer = events.handle(store, created("c2", "y", 2))
    assert answer["agent"] == "bob"  # both at load 0; alice had the last assignment


def test_resolved_frees_the_seat_and_drains_the_queue_into_it(store):
    store.agents_["alice"] = store.agents_["alice"].__class__(id="alice", name="Alice", status=Status.ONLINE,
                                                              max_open=1)
    store.save_agent(store.agents_["alice"])
    store.agents_.pop("bob")
    events.handle(store, created("c1", "x"))
    waiting = events.handle(store, created("c2", "y", 1))
    assert waiting["status"] == "unassigned"
    events.handle(store, inbound(EventType.RESOLVED, "c1", "x", 2))
    assert store.conversation("c2").agent_id == "alice"
    assert store.last_decision("c2").rule == "queue"
    assert loads(store) == {"alice": 1}


def test_reopened_goes_back_to_the_linked_agent_and_not_while_still_open(store):
    events.handle(store, created("c1", "x", team="billing"))
    assert events.handle(store, inbound(EventType.REOPENED, "c1", "x", 1))["duplicate"] is True
    events.handle(store, inbound(EventType.RESOLVED, "c1", "x", 2))
    events.handle(store, created("other", "y", 2.5))  # bob's turn would come now
    answer = events.handle(store, inbound(EventType.REOPENED, "c1", "x", 48))
    assert (answer["agent"], answer["rule"]) == ("alice", "sticky")


def test_assigned_moves_the_load_and_the_link_and_is_recorded_as_manual(store):
    events.handle(store, created())
    events.handle(store, inbound(EventType.ASSIGNED, hours=1, agent="bob"))
    assert loads(store) == {"alice": 0, "bob": 1}
    assert store.link("cust_42").agent_id == "bob"
    assert store.last_decision("conv_1").rule == "manual"
    assert store.agents_["bob"].last_assigned is None  # a person's choice is not part of the rotation
    assert len(store.outbox_of(OutboxKind.SLACK_HANDOFF)) == 1


def test_assigned_naming_an_unknown_agent_is_ignored(store):
    events.handle(store, created())
    answer = events.handle(store, inbound(EventType.ASSIGNED, hours=1, agent="zed"))
    assert answer["status"] == "ignored" and "zed" in answer["reason"]


def test_message_keeps_the_link_fresh_and_never_moves_it_back(store):
    events.handle(store, created(hours=5))
    events.handle(store, inbound(EventType.MESSAGE, hours=6))
    assert store.link("cust_42").last_interaction_at == at(6)
    events.handle(store, inbound(EventType.MESSAGE, hours=1))
    assert store.link("cust_42").last_interaction_at == at(6)


def test_events_for_an_unknown_conversation_are_ignored(store):
    for kind in (EventType.RESOLVED, EventType.MESSAGE):
        assert events.handle(store, inbound(kind, "nope"))["status"] == "ignored"


def test_a_drain_takes_own_returning_customers_first_then_the_oldest_until_full(store):
    store.add_agent("alice", "billing", status=Status.AWAY, max_open=2).add_agent("bob", "billing", status=Status.AWAY)
    store.set_link("mine", "alice", at(30))
    for n, customer in enumerate(["a", "b", "mine"]):
        events.handle(store, created(f"q{n}", customer, 40 + n, team="billing"))
    taken = directory.patch_agent(store, "alice", {"status": "online"}, By("api", at(45)))
    assert taken["open_load"] == 2
    assert [c.id for c in store.queue()] == ["q1"]
    assert store.conversation("q2").agent_id == "alice" and store.conversation("q0").agent_id == "alice"


def test_a_link_outside_the_window_does_not_jump_the_queue(store):
    store.add_agent("alice", "billing", status=Status.AWAY, max_open=1).add_agent("bob", "billing", status=Status.AWAY)
    store.set_link("mine", "alice", at(0))
    events.handle(store, created("q0", "a", 200, team="billing"))
    events.handle(store, created("q1", "mine", 201, team="billing"))
    directory.patch_agent(store, "alice", {"status": "online"}, By("api", at(202)))  # 8 days after the link
    assert store.conversation("q0").agent_id == "alice"


def test_deactivation_routes_open_conversations_again_without_the_agent(store):
    events.handle(store, created(team="billing"))
    out = directory.deactivate_agent(store, "alice", By("api", at(1)))
    assert out["rerouted"] == [{"conversation": "conv_1", "status": "assigned", "agent": "bob", "rule": "default"}]
    assert loads(store) == {"alice": 0, "bob": 1}
    assert "alice was deactivated" in store.last_decision("conv_1").reason


def test_release_routes_again_without_the_holder_and_updates_the_dm(store):
    store.add_agent("alice", "billing", slack_user_id="U_ALICE")
    events.handle(store, created(team="billing"))
    out = agent_actions.release(store, "conv_1", "U_ALICE", "D1", "1.2", at(1))
    assert out == {"conversation": "conv_1", "released": True, "outcome": "it went to bob (default)"}
    assert store.outbox_of(OutboxKind.SLACK_RELEASED)[0]["outcome"] == out["outcome"]
    again = agent_actions.release(store, "conv_1", "U_ALICE", None, None, at(2))
    assert again["released"] is False and "with bob" in again["outcome"]


def test_setting_presence_online_takes_waiting_conversations(store):
    store.add_agent("alice", "billing", status=Status.OFFLINE, slack_user_id="U_ALICE")
    store.add_agent("bob", "billing", status=Status.OFFLINE)
    events.handle(store, created(team="billing"))
    result = agent_actions.set_presence(store, "U_ALICE", Status.ONLINE, at(1))
    assert result == {"agent": "alice", "status": "online", "open_load": 1, "taken": 1}


def test_the_seat_is_taken_once_even_if_the_agent_filled_up_meanwhile(store):
    """The decision saw room; the seat was gone by the time it was taken: decide again."""
    store.add_agent("alice", "billing", max_open=1)
    original = store.record_decision
    calls = []

    def filled_first(conversation_id, decision, when, event_id, *, rotation, trigger):
        if not calls and decision.agent == "alice":
            agent = store.agents_["alice"]
            store.agents_["alice"] = agent.__class__(**{**agent.__dict__, "open_load": 1})  # someone else won
        calls.append(decision.agent)
        return original(conversation_id, decision, when, event_id, rotation=rotation, trigger=trigger)

    store.record_decision = filled_first
    answer = events.handle(store, created(team="billing"))
    assert calls == ["alice", "bob"] and answer["agent"] == "bob"
    assert json.loads(store.processed["widget:conversation.created:conv_1:0.0"])["agent"] == "bob"


def test_the_assignment_step_settles_an_unassigned_decision_into_the_queue(store):
    store.add_agent("alice", "billing", status=Status.AWAY).add_agent("bob", "billing", status=Status.AWAY)
    events.handle(store, created(team="billing"))
    conv = store.conversation("conv_1")
    assert (conv.status, conv.queue_seq, conv.queued_at) == (ConversationStatus.UNASSIGNED, 1, at(0))
    assert assignment.drain(store, "alice", at(1), "came online") == []  # away: takes nothing


def test_one_channels_events_never_touch_another_channels_conversation(store):
    events.handle(store, created("chatwoot:1:7003", channel="chatwoot"))
    for kind in (EventType.RESOLVED, EventType.ASSIGNED, EventType.MESSAGE, EventType.REOPENED, EventType.CREATED):
        answer = events.handle(store, inbound(kind, "chatwoot:1:7003", hours=1, agent="bob"))
        assert answer["status"] == "ignored" and "chatwoot channel" in answer["reason"], kind
    conv = store.conversation("chatwoot:1:7003")
    assert (conv.status, conv.agent_id) == (ConversationStatus.ASSIGNED, "alice")


# --- which assignments start the claim timer (CONTRACT.md 8.2) ------------------------------------------

def _returning_to(store: FakeStore, agent: str) -> None:
    """cust_42 talked to `agent` an hour before T0."""
    events.handle(store, created("past", hours=-1, assign_agent=agent))
    events.handle(store, inbound(EventType.RESOLVED, "past", hours=-0.5))


def _scenario(name: str, store: FakeStore) -> str:
    """Bring conv_1 to an assignment by the rule `name`; the rule it got."""
    if name in ("sticky", "sticky_team", "sticky_teams"):
        _returning_to(store, "alice")
        if name != "sticky":
            directory.patch_agent(store, "alice", {"status": "away"}, By("api", at(-0.2)))
        return events.handle(store, created(team=None if name == "sticky_teams" else "billing"))["rule"]
    if name in ("explicit_team", "explicit_agent", "default"):
        extra = {"explicit_team": dict(assign_team="billing"), "explicit_agent": dict(assign_agent="bob"),
                 "default": dict(team="billing")}[name]
        return events.handle(store, created(**extra))["rule"]
    if name == "queue":
        for agent in ("alice", "bob"):
            directory.patch_agent(store, agent, {"status": "away"}, By("api", at(-0.2)))
        events.handle(store, created(team="billing"))
        directory.patch_agent(store, "bob", {"status": "online"}, By("api", at(0.5)))
        return store.last_decision("conv_1").rule
    if name == "successor":
        events.handle(store, created(assign_agent="alice"))
        directory.deactivate_agent(store, "alice", By("api", at(0.5)), successor="bob")
        return store.last_decision("conv_1").rule
    if name == "manual":
        events.handle(store, created(assign_agent="alice"))
        events.handle(store, inbound(EventType.ASSIGNED, hours=0.5, agent="bob"))
        return store.last_decision("conv_1").rule
    raise AssertionError(name)


@pytest.mark.parametrize("rule,starts", [
    ("default", True), ("explicit_team", True), ("sticky", True), ("sticky_team", True), ("sticky_teams", True),
    ("queue", True), ("successor", True), ("explicit_agent", False), ("manual", False)])
def test_the_claim_timer_starts_for_assignments_by_a_rule_and_never_for_a_named_or_manual_one(store, rule, starts):
    store.save_settings(claim_minutes=5)
    assert _scenario(rule, store) == rule
    conv = store.conversation("conv_1")
    assert conv.status == ConversationStatus.ASSIGNED
    assert (conv.claim_due is not None) == starts
    if starts:
        assert conv.claim_due == store.last_decision("conv_1").decided_at + timedelta(minutes=5)


def test_a_taken_hold_is_the_agents_own_with_no_claim_to_make(store):
    store.save_settings(claim_minutes=5, sticky_wait_minutes=30)
    store.agents_["alice"] = store.agents_["alice"].__class__(id="alice", name="Alice", status=Status.AWAY,
                                                              slack_user_id="U_ALICE")
    _returning_to(store, "alice")
    assert events.handle(store, created(team="billing"))["status"] == "held"
    out = agent_actions.take(store, "conv_1", "U_ALICE", at(0.1))
    conv = store.conversation("conv_1")
    assert out["taken"] and (conv.agent_id, store.last_decision("conv_1").rule, conv.claim_due) == \
        ("alice", "taken", None)
