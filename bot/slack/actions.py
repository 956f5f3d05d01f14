"""The buttons on a handoff or hold DM: Release, and Take it."""
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
        _on_click(rt, "Release", body, action, lambda s, conv, user, where: agent_actions.release(
            s, conv, user, *(where or (None, None)), rt.clock.now()))

    @app.action(str(ActionId.TAKE))
    def take(ack, body, action):
        ack()
        _on_click(rt, "Take it", body, action, lambda s, conv, user, where: agent_actions.take(
            s, conv, user, rt.clock.now(), where))


def _on_click(rt: Runtime, what: str, body: dict, action: dict, work) -> None:
    try:
        conversation = json.loads(action.get("value") or "{}")["c"]
    except (ValueError, KeyError, TypeError):
        log.warning("%s clicked with an unreadable value", what)
        return
    channel = (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id")
    ts = (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
    user = (body.get("user") or {}).get("id", "")
    if "\x00" in str(user) or "\x00" in str(conversation):  # Slack never sends one, and no database can look it up
        log.warning("%s clicked with a NUL character in an id", what)
        return
    where = (channel, ts) if channel and ts else None
    try:
        rt.db.transact(lambda s: work(s, conversation, user, where))
    except StickyError as exc:
        log.info("%s on %r refused: %r", what, str(conversation)[:200], exc.message[:200])
