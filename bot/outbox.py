"""The transactional outbox: rows written with the decision, delivered after the commit."""
from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session

from . import clock
from .models import OutboxRow


class Kind:
    SLACK_HANDOFF = "slack.handoff"
    SLACK_RELEASED = "slack.released"
    CHATWOOT_ASSIGN = "chatwoot.assign"


def enqueue(session: Session, kind: str, payload: dict, at: datetime | None = None) -> OutboxRow:
    moment = clock.utc(at or clock.now())
    row = OutboxRow(kind=kind, payload=json.dumps(payload, separators=(",", ":")),
                    next_attempt_at=moment, created_at=moment)
    session.add(row)
    return row
