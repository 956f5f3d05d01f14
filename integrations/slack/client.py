"""The one caller of slack_sdk's WebClient. Every failure comes out sorted:
retry later, give up on this message, or stop posting and raise the alarm."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

GIVE_UP = frozenset({
    "channel_not_found", "is_archived", "messages_tab_disabled", "not_in_channel", "user_not_found",
    "user_disabled", "cannot_dm_bot", "message_not_found", "cant_update_message", "msg_too_long",
    "invalid_blocks", "no_text", "restricted_action",
})
ALARM = frozenset({
    "invalid_auth", "account_inactive", "token_revoked", "missing_scope", "not_authed", "token_expired",
    "no_permission", "team_access_not_granted", "not_configured",
})


class Verdict(StrEnum):
    RETRY = "retry"
    GIVE_UP = "give_up"
    ALARM = "alarm"


class SlackFailure(Exception):
    def __init__(self, verdict: Verdict, error: str, retry_after: float | None = None):
        super().__init__(f"{verdict}: {error}")
        self.verdict = verdict
        self.error = error
        self.retry_after = retry_after


@dataclass(frozen=True)
class Posted:
    channel: str
    ts: str


def classify(status: int | None, error: str | None, headers: dict | None = None) -> SlackFailure:
    """Sort one failed Web API answer (HTTP status, Slack's `error` code, headers)."""
    if status == 429 or error == "ratelimited":
        retry_after = _retry_after(headers)
        return SlackFailure(Verdict.RETRY, "ratelimited", retry_after if retry_after is not None else 30.0)
    if error in ALARM:
        return SlackFailure(Verdict.ALARM, error)
    if error in GIVE_UP:
        return SlackFailure(Verdict.GIVE_UP, error)
    if status is not None and status >= 500:
        return SlackFailure(Verdict.RETRY, f"http_{status}")
    return SlackFailure(Verdict.RETRY, error or f"http_{status}")


def _retry_after(headers: dict | None) -> float | None:
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value if isinstance(value, str) else value[0]))
            except (TypeError, ValueError, IndexError):
                return None
    return None


class SlackClient:
    def __init__(self, token: str, base_url: str, timeout: float = 10.0):
        # Retries are the outbox's business (with backoff, across restarts), not the client's.
        self._web = WebClient(token=token, base_url=base_url, timeout=int(max(1, timeout)), retry_handlers=[])

    def post(self, channel: str, text: str, blocks: list[dict]) -> Posted:
        data = self._call("chat_postMessage", channel=channel, text=text, blocks=blocks, unfurl_links=False)
        return Posted(data.get("channel", channel), data.get("ts", ""))

    def update(self, channel: str, ts: str, text: str, blocks: list[dict]) -> None:
        self._call("chat_update", channel=channel, ts=ts, text=text, blocks=blocks)

    def user(self, user_id: str) -> dict:
        return self._call("users_info", user=user_id).get("user", {})

    def publish_home(self, user_id: str, view: dict) -> None:
        self._call("views_publish", user_id=user_id, view=view)

    def open_view(self, trigger_id: str, view: dict) -> None:
        self._call("views_open", trigger_id=trigger_id, view=view)

    def _call(self, method: str, **kwargs) -> dict:
        try:
            response = getattr(self._web, method)(**kwargs)
        except SlackApiError as exc:
            resp = exc.response
            data = resp.data if isinstance(getattr(resp, "data", None), dict) else {}
            raise classify(getattr(resp, "status_code", None), data.get("error"),
                           dict(getattr(resp, "headers", {}) or {})) from None
        except (SlackClientError, OSError, TimeoutError, ValueError) as exc:
            # Timeouts, refused connections, resets, unreadable bodies: Slack may be back soon.
            raise SlackFailure(Verdict.RETRY, f"transport: {type(exc).__name__}") from None
        return response.data if isinstance(response.data, dict) else {}
