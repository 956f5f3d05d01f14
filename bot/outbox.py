"""What the transactional outbox delivers, and the one protocol every deliverer of it speaks.

Rows are written by the use-cases in the same transaction as the decision they announce (`store.enqueue`).
A Sender takes the rows of its kinds and either delivers one, says nothing needed sending, or fails with a
verdict: try again later, give up on this row, or pause everything of mine for a while (e.g. a revoked token).
"""
from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from .store import OutboxItem, OutboxKind


class Verdict(StrEnum):
    RETRY = "retry"      # this row, later (outage, timeout, rate limit)
    GIVE_UP = "give_up"  # this row can never be delivered (e.g. the channel is gone)
    PAUSE = "pause"      # nothing of this sender can go out until an operator acts (e.g. a bad token)


class DeliveryFailure(Exception):
    def __init__(self, verdict: Verdict, error: str, retry_after: float | None = None):
        super().__init__(f"{verdict}: {error}")
        self.verdict = verdict
        self.error = error
        self.retry_after = retry_after


class Sender(Protocol):
    name: str  # the channel it delivers to ("slack", "chatwoot", ...): what a pause is kept under
    kinds: frozenset[OutboxKind]

    def send(self, item: OutboxItem) -> str | None:
        """Deliver one row. None: delivered. A string: nothing needed sending, and why (the row is skipped).
        Raises DeliveryFailure."""
