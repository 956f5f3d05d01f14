"""Helpers for Slack tests: Slack's own request signing, and slash commands / clicks as Slack sends them."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlencode

SIGNING_SECRET = "test-slack-signing-secret"


def slack_signature(secret: str, timestamp: int | str, body: str) -> str:
    base = f"v0:{timestamp}:{body}"
    return "v0=" + hmac.new(secret.encode(), base.encode(), hashlib.sha256).hexdigest()


def post_signed(http, body: str, *, secret=SIGNING_SECRET, timestamp=None):
    stamp = int(time.time()) if timestamp is None else timestamp
    return http.post("/slack/events", data=body.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": slack_signature(secret, stamp, body)})


def slash(http, user: str, text: str, **kw):
    body = urlencode({"token": "unused", "team_id": "T1", "team_domain": "acme", "channel_id": "C1",
                      "channel_name": "support", "user_id": user, "user_name": user, "command": "/sticky",
                      "text": text, "api_app_id": "A1", "response_url": "https://hooks.invalid/commands/1",
                      "trigger_id": "1.2.3"})
    return post_signed(http, body, **kw)


def click(http, user: str, action_id: str, value: str, channel: str, ts: str, **kw):
    payload = {"type": "block_actions", "team": {"id": "T1", "domain": "acme"},
               "user": {"id": user, "username": user, "team_id": "T1"}, "api_app_id": "A1",
               "token": "unused", "trigger_id": "1.2.3", "response_url": "https://hooks.invalid/actions/1",
               "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
               "channel": {"id": channel, "name": "directmessage"}, "message": {"type": "message", "ts": ts},
               "actions": [{"action_id": action_id, "block_id": "b1", "value": value, "type": "button",
                            "action_ts": str(time.time())}]}
    return post_signed(http, urlencode({"payload": json.dumps(payload)}), **kw)
