"""Chatwoot webhook payloads -> what happened, in stickybot's terms. Pure: no database, no HTTP.

Shapes follow Chatwoot 4.12+ (account webhooks, API-inbox webhooks, agent bots). Status changes carry
`changed_attributes: null`, so a reopen is recognised from the status stickybot last saw, not from the payload.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any


class What(StrEnum):
    CREATED = "created"          # a new conversation
    OPENED = "opened"            # status open/pending: a reopen if stickybot last saw it resolved
    RESOLVED = "resolved"
    ASSIGNED = "assigned"        # someone set a (user) assignee
    MESSAGE = "message"          # the customer wrote
    IGNORE = "ignore"


@dataclass(frozen=True)
class Contact:
    id: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Happening:
    what: What
    reason: str = ""
    account_id: str | None = None
    conversation: int | None = None
    contact: Contact | None = None
    assignee: int | None = None          # a Chatwoot user id (never a bot)
    assignee_is_bot: bool = False
    team: tuple[int, str] | None = None  # (Chatwoot team id, name)
    occurred_at: datetime | None = None


def read(payload: Any, fallback_account: str | None = None) -> Happening:
    if not isinstance(payload, dict):
        return Happening(What.IGNORE, "not a JSON object")
    event = payload.get("event")
    if event == "message_created":
        return _message(payload, fallback_account)
    if event in ("conversation_created", "conversation_status_changed", "conversation_updated"):
        return _conversation(payload, event, fallback_account)
    return Happening(What.IGNORE, f"stickybot does not act on '{event}' events")


def _conversation(p: dict, event: str, fallback_account: str | None) -> Happening:
    conv_id = p.get("id")
    if not isinstance(conv_id, int):
        return Happening(What.IGNORE, "the payload has no conversation id")
    meta = p.get("meta") if isinstance(p.get("meta"), dict) else {}
    assignee = meta.get("assignee") if isinstance(meta.get("assignee"), dict) else None
    is_bot = meta.get("assignee_type") == "AgentBot" or (assignee or {}).get("type") == "agent_bot"
    team = meta.get("team") if isinstance(meta.get("team"), dict) else None
    base = dict(
        account_id=_account(p, fallback_account), conversation=conv_id, contact=_contact(meta.get("sender")),
        assignee=None if is_bot or assignee is None else _int(assignee.get("id")), assignee_is_bot=is_bot,
        team=(_int(team.get("id")), str(team.get("name") or "")) if team and _int(team.get("id")) is not None else None,
    )
    status = p.get("status")
    if event == "conversation_created":
        if status == "resolved":
            return Happening(What.IGNORE, "created already resolved (blocked contact)", **base)
        return Happening(What.CREATED, occurred_at=_epoch(p.get("created_at")) or _epoch(p.get("updated_at")), **base)
    at = _epoch(p.get("updated_at")) or _epoch(p.get("last_activity_at"))
    changed = _changes(p.get("changed_attributes"))
    if event == "conversation_status_changed" or "status" in changed:
        if status == "resolved":
            return Happening(What.RESOLVED, occurred_at=at, **base)
        if status in ("open", "pending"):
            return Happening(What.OPENED, occurred_at=at, **base)
        return Happening(What.IGNORE, f"status '{status}' needs no routing", **base)
    if "assignee_id" in changed or "assignee_agent_bot_id" in changed:
        if is_bot:
            return Happening(What.IGNORE, "an agent bot took the conversation", **base)
        if base["assignee"] is None:
            return Happening(What.IGNORE, "the conversation was unassigned in Chatwoot", **base)
        return Happening(What.ASSIGNED, occurred_at=at, **base)
    return Happening(What.IGNORE, "nothing stickybot routes on changed", **base)


def _message(p: dict, fallback_account: str | None) -> Happening:
    conv = p.get("conversation") if isinstance(p.get("conversation"), dict) else {}
    if p.get("message_type") != "incoming" or p.get("private") is True:
        return Happening(What.IGNORE, "only the customer's own messages count")
    if not isinstance(conv.get("id"), int):
        return Happening(What.IGNORE, "the message has no conversation id")
    meta = conv.get("meta") if isinstance(conv.get("meta"), dict) else {}
    return Happening(What.MESSAGE, account_id=_account(p, fallback_account) or _account(conv, fallback_account),
                     conversation=conv["id"], contact=_contact(meta.get("sender") or p.get("sender")),
                     occurred_at=_iso(p.get("created_at")) or _epoch(conv.get("updated_at")))


def _account(p: dict, fallback: str | None) -> str | None:
    account = p.get("account")
    if isinstance(account, dict) and account.get("id") is not None:
        return str(account["id"])
    for message in p.get("messages") or []:
        if isinstance(message, dict) and message.get("account_id") is not None:
            return str(message["account_id"])
    return fallback


def _contact(sender: Any) -> Contact | None:
    if not isinstance(sender, dict) or sender.get("id") is None:
        return None
    return Contact(str(sender["id"]), sender.get("name") or None, sender.get("email") or None)


def _changes(value: Any) -> set[str]:
    if isinstance(value, list):
        return {key for item in value if isinstance(item, dict) for key in item}
    if isinstance(value, dict):
        return set(value)
    return set()


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _epoch(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, timezone.utc)
    return None


def _iso(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return _epoch(value)
