"""Group commit (bot/groupcommit.py): requests that arrive together share one transaction, nobody hears back
before that transaction's commit, and one request's failure is its own."""
from __future__ import annotations

import threading

import pytest

from bot.groupcommit import GroupCommit


class FakeDatabase:
    """Runs each batch as one transaction: works in order, then a commit, noted in a log."""

    def __init__(self, fail_commit: bool = False):
        self.log: list[str] = []
        self.batches: list[int] = []
        self.fail_commit = fail_commit
        self.in_batch = threading.Event()
        self.go_on = threading.Event()
        self.go_on.set()

    def run_batch(self, items) -> None:
        self.in_batch.set()
        self.go_on.wait(5)
        self.batches.append(len(items))
        for item in items:
            try:
                item.result = item.work(None)
            except Exception as exc:
                item.error = exc
        if self.fail_commit:
            raise RuntimeError("disk full")
        self.log.append("commit")


def test_requests_waiting_behind_a_transaction_share_the_next_one_and_hear_back_after_its_commit():
    db = FakeDatabase()
    group = GroupCommit(db.run_batch)
    db.go_on.clear()
    answers: dict[int, object] = {}

    def request(n: int):
        answers[n] = group.run(lambda _store: (n, list(db.log)))

    first = threading.Thread(target=request, args=(0,))
    first.start()
    assert db.in_batch.wait(5)  # the first leads, and is inside its transaction
    others = [threading.Thread(target=request, args=(n,)) for n in range(1, 6)]
    for t in others:
        t.start()
    while len(group._queue) < 5:  # they queue behind it
        threading.Event().wait(0.001)
    db.go_on.set()
    for t in [first, *others]:
        t.join(5)
    assert db.batches == [1, 5]  # two transactions for six requests
    assert sorted(answers) == list(range(6))
    assert answers[0][1] == [] and all(answers[n][1] == ["commit"] for n in range(1, 6))  # run before its commit


def test_a_failing_work_fails_alone():
    db = FakeDatabase()
    group = GroupCommit(db.run_batch)
    assert group.run(lambda _s: "fine") == "fine"
    with pytest.raises(ValueError):
        group.run(lambda _s: (_ for _ in ()).throw(ValueError("bad input")))
    assert group.run(lambda _s: "still fine") == "still fine"


def test_a_failed_commit_fails_every_work_in_it_and_the_next_request_leads_again():
    db = FakeDatabase(fail_commit=True)
    group = GroupCommit(db.run_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        group.run(lambda _s: "lost")
    db.fail_commit = False
    assert group.run(lambda _s: "kept") == "kept" and db.log == ["commit"]
