"""The Release button on a handoff DM."""
from __future__ import annotations

import json
import logging

from slack_bolt import App

from integrations.slack.blocks import ActionId

from ..errors import StickyError
from ..runtime import Runtime
from ..service import agent_actions

log = logging.getLogger(__name__)


def register(app: App, rt: Runtime) -> None:
    @app.action(str(ActionId.RELEASE))
    def release(ack, body, action):
        ack()
        try:
            conversation = json.loads(action.get("value") or "{}")["c"]
        except (ValueError, KeyError, TypeError):
            log.warning("Release clicked with an unreadable value")
            return
        channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
        ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
        user = (body.get("user") or {}).get("id", "")
        try:
            rt.db.transact(lambda s: agent_actions.release(s, conversation, user, channel, ts, rt.clock.now()))
        except StickyError as exc:
            log.info("Release of %r refused: %r", conversation[:200], exc.message[:200])
