"""Paging long lists (bot/service/paging.py): the limit's bounds, cursors that only fit their own list, and the
paged use-cases on the dict store, page after page to the end."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from bot.errors import Invalid
from bot.service import conversations, directory, paging
from bot.store import Conversation, ConversationStatus
from tests.fakes.store import FakeStore

T0 = datetime(2026, 11, 24, 10, tzinfo=timezone.utc)


def test_the_limit_is_50_when_left_out_and_from_1_to_200_in_ascii_digits_only():
    assert (paging.DEFAULT_LIMIT, paging.MAX_LIMIT) == (50, 200)
    assert paging.parse_limit(None) == 50 and paging.parse_limit("1") == 1 and paging.parse_limit("200") == 200
    for raw in ("0", "201", "-1", "five", "", " 5", "5.0", "٥", "５", "1e2"):
        with pytest.raises(Invalid) as refused:
            paging.parse_limit(raw)
        assert refused.value.details == [{"field": "limit", "message": "must be a whole number from 1 to 200"}]


@pytest.mark.parametrize("key", [("alice",), ("a/b%c é\u202e",), (T0, 42), (T0.replace(microsecond=5), "conv 1")])
def test_a_cursor_carries_its_key_back_exactly(key):
    shape = tuple(datetime if isinstance(k, datetime) else type(k) for k in key)
    cursor = paging.encode("somelist", key)
    assert cursor.isascii() and "=" not in cursor
    assert paging.decode(cursor, "somelist", shape) == key


@pytest.mark.parametrize("raw", ["x", "!!!", "a" * 2000, "ＡＡ", paging.encode("agents", ("bob",)),
                                 paging.encode("queue", (T0,)), paging.encode("queue", ("then", 3)),
                                 paging.encode("queue", (T0, 2**70)), paging.encode("queue", (T0, True))])
def test_a_cursor_of_another_list_or_one_never_made_is_refused_never_misread(raw):
    with pytest.raises(Invalid) as refused:
        paging.decode(raw, "queue", (datetime, int))
    assert refused.value.status == 422 and refused.value.details[0]["field"] == "cursor"


def test_no_cursor_is_the_first_page():
    assert paging.decode(None, "queue", (datetime, int)) is None and paging.decode("", "queue", (str,)) is None


def test_a_search_is_trimmed_at_most_100_characters_and_never_holds_a_nul():
    assert paging.parse_search("  Ada ") == "Ada" and paging.parse_search("   ") is None
    assert paging.parse_search(None) is None
    for raw in ("x" * 101, "a\x00b"):
        with pytest.raises(Invalid):
            paging.parse_search(raw)


def walk(read) -> list[list]:
    """Every page, following `next` until there is none."""
    pages, cursor = [], None
    while True:
        page = read(cursor)
        pages.append(page["items"])
        cursor = page["next"]
        if cursor is None:
            return pages


def test_agents_come_a_page_at_a_time_by_id_with_the_total_and_a_search_on_id_name_or_email():
    store = FakeStore()
    for n in range(7):
        store.add_agent(f"a{n}", email=f"agent{n}@example.com")
    store.add_agent("zed", active=False)
    store.agents_["zed"] = replace(store.agents_["zed"], name="Zoë Ada")
    pages = walk(lambda c: directory.agents_page(store, T0, 3, c))
    assert [[a["id"] for a in p] for p in pages] == [["a0", "a1", "a2"], ["a3", "a4", "a5"], ["a6", "zed"]]
    assert directory.agents_page(store, T0, 3)["total"] == 8
    active = directory.agents_page(store, T0, 50, active_only=True)
    assert "zed" not in [a["id"] for a in active["items"]] and active["total"] == 7
    assert [a["id"] for a in directory.agents_page(store, T0, 50, search="ADA")["items"]] == ["zed"]
    assert [a["id"] for a in directory.agents_page(store, T0, 50, search="AGENT5@")["items"]] == ["a5"]
    assert directory.agents_page(store, T0, 3)["items"][0]["availability"]["state"] == "available"


def _queued(store, n: int, status=ConversationStatus.UNASSIGNED):
    for k in range(n):
        at = T0 + timedelta(minutes=k // 2)  # two at each time: the second key breaks the tie
        store.conversations[f"c{k}"] = Conversation(f"c{k}", f"cust{k}", status, agent_id="alice", queued_at=at,
                                                    queue_seq=k + 1, held_since=at, held_until=at + timedelta(hours=1),
                                                    created_at=T0)


def test_the_queue_and_the_held_list_come_a_page_at_a_time_in_their_order_without_loss_or_repeat():
    store = FakeStore()
    _queued(store, 7)
    pages = walk(lambda c: conversations.unassigned_page(store, 2, c))
    assert [[c["conversation"] for c in p] for p in pages] == [["c0", "c1"], ["c2", "c3"], ["c4", "c5"], ["c6"]]
    assert pages[0][0] == conversations.unassigned(store)[0]
    held = FakeStore()
    _queued(held, 5, ConversationStatus.HELD)
    pages = walk(lambda c: conversations.held_page(held, 2, c))
    assert [c["conversation"] for p in pages for c in p] == ["c0", "c1", "c2", "c3", "c4"]
    assert pages[0][0] == conversations.held(held)[0]


def test_an_exactly_full_last_page_has_no_next():
    store = FakeStore()
    _queued(store, 4)
    first = conversations.unassigned_page(store, 2)
    second = conversations.unassigned_page(store, 2, first["next"])
    assert len(second["items"]) == 2 and second["next"] is None
