"""Failed deliveries as the dashboard lists them, on the SQL store and on the unit tests' dict store alike."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.service import overview
from bot.store import OutboxKind, OutboxState
from tests.integration.test_store_contract import db  # noqa: F401  (the fixture: both stores)

KINDS = frozenset(OutboxKind)


def _deliver(store, state: OutboxState, note: str | None) -> None:
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    item = store.claim_next(KINDS, now, timedelta(seconds=60))
    assert store.finish(item, state, note)


def test_failed_deliveries_lists_only_rows_refused_for_good_newest_first_without_payload(db):  # noqa: F811
    outcomes = [(OutboxKind.SLACK_HANDOFF, OutboxState.FAILED, "channel_not_found"),
                (OutboxKind.SLACK_HANDOFF, OutboxState.DELIVERED, None),
                (OutboxKind.CHATWOOT_ASSIGN, OutboxState.FAILED, "HTTP 404: conversation not found"),
                (OutboxKind.SLACK_UPDATE, OutboxState.PENDING, "timeout")]
    for n, (kind, state, note) in enumerate(outcomes):
        db.transact(lambda s, k=kind: s.enqueue(k, {"decision": n, "customer": "Ada"}))
        db.transact(lambda s, st=state, e=note: _deliver(s, st, e))
    listed = db.transact(overview.failed_deliveries)
    assert [(f["kind"], f["last_error"], f["attempts"]) for f in listed] == [
        ("chatwoot.assign", "HTTP 404: conversation not found", 1), ("slack.handoff", "channel_not_found", 1)]
    assert all(f["created_at"].endswith("Z") and f["failed_at"].endswith("Z") for f in listed)
    assert listed[0]["id"] > listed[1]["id"]
    assert not any("Ada" in str(f) for f in listed)
    assert [f["kind"] for f in db.transact(lambda s: overview.failed_deliveries(s, 1))] == ["chatwoot.assign"]
