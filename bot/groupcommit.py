"""Group commit on SQLite: write transactions of one process that arrive together share one database
transaction and one commit, each in a savepoint of its own.

SQLite has one writer at a time, so every transaction pays for its turn at the writer (the lock, BEGIN
IMMEDIATE, COMMIT) however small its work. Here the first request to arrive leads: it takes the writer's turn,
runs its own work and that of every request queued behind it (up to BATCH), each inside `SAVEPOINT`, commits
once, and only then wakes them. Nobody is answered before the commit that holds its work; a work that fails rolls
back to its savepoint alone and its caller gets the error (to retry, or to answer with); a failed commit fails
them all. Then the leader hands the lead to the next request waiting, if any.

Only the webhook path uses it (`Database.transact(..., shared=True)`); its work functions use the store they are
given and nothing of the request that queued them, as another request's thread may run them.
"""
from __future__ import annotations

import collections
import threading
from typing import Callable

BATCH = 32


class _Item:
    __slots__ = ("work", "done", "lead", "result", "error", "info")

    def __init__(self, work: Callable):
        self.work = work
        self.done = threading.Event()
        self.lead = False  # handed the lead while waiting
        self.result = self.error = None
        self.info: dict | None = None


class GroupCommit:
    def __init__(self, run_batch: Callable[[list[_Item]], None]):
        """`run_batch(items)` runs the items' work in one transaction, setting each one's result or error."""
        self._run_batch = run_batch
        self._lock = threading.Lock()
        self._queue: collections.deque[_Item] = collections.deque()
        self._leading = False

    def run(self, work: Callable):
        item = _Item(work)
        with self._lock:
            self._queue.append(item)
            leads = not self._leading
            self._leading = True
        if not leads:
            item.done.wait()
            if not item.lead:
                return _outcome(item)
        self._lead(item)
        return _outcome(item)

    def _lead(self, own: _Item) -> None:
        """Run batches until this request's own work is done, then pass the lead on (or give it up)."""
        while True:
            with self._lock:
                batch = [self._queue.popleft() for _ in range(min(BATCH, len(self._queue)))]
            if batch:
                try:
                    self._run_batch(batch)
                except BaseException as exc:  # a failed commit: every work in it failed
                    for item in batch:
                        item.error, item.result, item.info = exc, None, None
                for item in batch:
                    if item is not own:
                        item.done.set()
            with self._lock:
                if own in batch or not self._queue:
                    if self._queue:
                        successor = self._queue[0]
                        successor.lead = True
                        successor.done.set()
                    else:
                        self._leading = False
                    if own in batch:
                        return


def _outcome(item: _Item):
    if item.error is not None:
        raise item.error
    return item.result
