"""The bench's events: all fresh, in the stated mix, and never naming a conversation before it exists."""
from __future__ import annotations

import json

import pytest

from bench.client import streams_for
from bench.workload import MESSAGE, NEW, RESOLVED, RETURNING, WORKLOADS, Stream, sent_mix

WORK = WORKLOADS["default"]
LAG = 20


def bodies(stream: Stream) -> list[dict]:
    return [json.loads(line.split("\t", 2)[2]) for line in stream.lines]


@pytest.fixture(scope="module")
def warm_and_measured():
    warm = streams_for(WORK, "w", 4_000, 1, LAG)
    pool = [c for s in warm for c in s.still_open(len(s.lines), LAG)]
    return warm, pool, streams_for(WORK, "m", 4_000, 4, LAG, pool)


def test_no_event_id_repeats_within_a_run_or_between_warm_up_and_measured_run(warm_and_measured):
    warm, _, measured = warm_and_measured
    ids = [b["id"] for s in warm + measured for b in bodies(s)]
    assert len(ids) == len(set(ids)) > 20_000


def test_each_conversation_is_created_once_and_resolved_at_most_once(warm_and_measured):
    warm, _, measured = warm_and_measured
    created = [b["conversation"]["id"] for s in warm + measured for b in bodies(s)
               if b["type"] == "conversation.created"]
    resolved = [b["conversation"]["id"] for s in warm + measured for b in bodies(s)
                if b["type"] == "conversation.resolved"]
    assert len(created) == len(set(created))
    assert len(resolved) == len(set(resolved))


def test_resolves_and_messages_name_a_conversation_created_at_least_lag_events_earlier_on_the_same_thread(
        warm_and_measured):
    _, pool, measured = warm_and_measured
    for n, stream in enumerate(measured):
        born = {}
        own_pool = set(pool[n::len(measured)])
        used_pool = 0
        for i, body in enumerate(bodies(stream)):
            conv = body["conversation"]["id"]
            if body["type"] == "conversation.created":
                born[conv] = i
            elif conv in own_pool:
                used_pool += 1
            else:
                assert i - born[conv] >= LAG, (body, born.get(conv))
        assert used_pool > 0


def test_the_mix_and_the_returning_share_are_the_stated_ones(warm_and_measured):
    _, _, measured = warm_and_measured
    sent = sent_mix(measured, [len(s.lines) for s in measured])
    assert sent["mix"]["created"] == pytest.approx(WORK.mix[0], abs=0.02)
    assert sent["mix"]["resolved"] == pytest.approx(WORK.mix[1], abs=0.02)
    assert sent["mix"]["message"] == pytest.approx(WORK.mix[2], abs=0.02)
    assert sent["returning_share"] == pytest.approx(WORK.returning, abs=0.02)
    returning = {b["customer"]["id"] for s in measured for b in bodies(s) if b["type"] == "conversation.created"}
    assert any(c.startswith("cust") and int(c[4:]) < WORK.customers for c in returning)


def test_the_sent_mix_counts_only_what_was_sent():
    stream = streams_for(WORK, "x", 1_000, 1, LAG)[0]
    sent = sent_mix([stream], [LAG])
    assert sent["events"] == LAG
    assert sent["mix"]["created"] == 1.0  # nothing is old enough to resolve in the first LAG events


def test_still_open_leaves_out_the_last_events_sent_and_what_was_resolved():
    stream = streams_for(WORK, "y", 3_000, 1, LAG)[0]
    sent = 500
    open_ = stream.still_open(sent, LAG)
    resolved = {conv for kind, conv in stream.events[:sent] if kind == RESOLVED}
    recent = {conv for kind, conv in stream.events[sent - LAG:sent] if kind in (RETURNING, NEW)}
    assert open_ and not set(open_) & resolved
    assert not set(open_) & recent
    assert any(kind == MESSAGE for kind, _ in stream.events[:sent])
