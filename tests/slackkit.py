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


def post_json(http, payload: dict, *, secret=SIGNING_SECRET):
    body = json.dumps(payload)
    stamp = int(time.time())
    return http.post("/slack/events", data=body.encode(), headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": slack_signature(secret, stamp, body)})


def envelope(event: dict, event_id: str, event_time: int) -> dict:
    """An Events API delivery as Slack sends it."""
    return {"token": "unused", "team_id": "T1", "api_app_id": "A1", "event": event, "type": "event_callback",
            "event_id": event_id, "event_time": event_time, "event_context": "ctx",
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]}


def status_event(user: str, emoji: str = "", text: str = "", expiration: int = 0, tz: str | None = None) -> dict:
    person = {"id": user, "name": user.lower(), "profile": {"status_emoji": emoji, "status_text": text,
                                                            "status_expiration": expiration}}
    if tz:
        person["tz"] = tz
    return {"type": "user_status_changed", "user": person, "cache_ts": 1, "event_ts": "1.0"}


def dnd_event(user: str, enabled: bool, start: int = 0, end: int = 0) -> dict:
    return {"type": "dnd_updated_user", "user": user, "event_ts": "1.0",
            "dnd_status": {"dnd_enabled": enabled, "next_dnd_start_ts": start, "next_dnd_end_ts": end}}


def view_submission(user: str, callback_id: str, values: dict) -> str:
    payload = {"type": "view_submission", "team": {"id": "T1", "domain": "acme"},
               "user": {"id": user, "username": user, "team_id": "T1"}, "api_app_id": "A1", "token": "unused",
               "trigger_id": "1.2.3", "view": {"id": "V1", "type": "modal", "callback_id": callback_id,
                                               "state": {"values": values}, "hash": "h"}}
    return urlencode({"payload": json.dumps(payload)})


def home_click(http, user: str, action_id: str, value: str | None = None, **kw):
    """A button on the App Home (its payload carries the view, not a message)."""
    action = {"action_id": action_id, "block_id": "b1", "type": "button", "action_ts": str(time.time())}
    if value is not None:
        action["value"] = value
    payload = {"type": "block_actions", "team": {"id": "T1", "domain": "acme"},
               "user": {"id": user, "username": user, "team_id": "T1"}, "api_app_id": "A1", "token": "unused",
               "trigger_id": "1.2.3", "container": {"type": "view", "view_id": "V1"},
               "view": {"id": "V1", "type": "home", "callback_id": ""}, "actions": [action]}
    return post_signed(http, urlencode({"payload": json.dumps(payload)}), **kw)
