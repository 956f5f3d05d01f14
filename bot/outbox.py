"""What the transactional outbox carries. Rows are written by `store.enqueue` with the decision."""
from __future__ import annotations


class Kind:
    SLACK_HANDOFF = "slack.handoff"
    SLACK_RELEASED = "slack.released"
    CHATWOOT_ASSIGN = "chatwoot.assign"
