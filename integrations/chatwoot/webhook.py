"""Chatwoot webhook payloads -> what happened, in stickybot's terms. Pure: no database, no HTTP.

Shapes follow Chatwoot 4.12+ (account webhooks, API-inbox webhooks, agent bots). Status changes carry
`changed_attributes: null`, so a reopen is recognised from the status stickybot last saw, not from the payload.

Values Chatwoot never sends, field by field (Chatwoot does not retry a webhook, so the answer is for whoever
reads its log):
- A delivery that can never apply -> `What.IGNORE` with a reason (the endpoint answers 200 "ignored"): an event
  stickybot does not route, a message that is not the customer's, a bot's conversation, no conversation id. Only
  the fields needed to tell are read.
- A field stickybot reads, present with a value of the wrong type or out of range -> `Unfit` naming the field
  (422, nothing stored). Absent or null means "not given", and the mapping's fallback applies.
  - Ids (`id`, `account.id`, `messages[].account_id`, `meta.sender.id`, `meta.assignee.id`, `meta.team.id`,
    `conversation.id`, `sender.id`): whole numbers from 1 to 2^31-1, as Chatwoot's PostgreSQL integer ids (and
    the columns that remember them here) are. `true` is not a number.
  - Times (`created_at`, `updated_at`, `last_activity_at`, `conversation.updated_at`): unix seconds (integer or
    float) or an ISO 8601 string (UTC when it has no zone), from 1970 to 2100. 0 means "not set" (Chatwoot writes
    0 for a time it does not have): the next source is used, then the server's clock. Milliseconds are refused
    with a message that says so.
  - Objects (`account`, `meta`, `meta.sender`, `meta.assignee`, `meta.team`, `conversation`, `sender`) are
    objects; `messages` is a list; `changed_attributes` a list or an object; `event` and `status` are strings.
  - Texts that are stored or shown (contact `name` and `email`, team `name`) are strings without NUL characters
    or unpaired surrogates, which no database stores.
- A text longer than its column: a contact's name is cut to 200 characters (it is only shown); an e-mail over
  320 characters (no address can be that long) is dropped; a team name only feeds a 128-character slug.
Fields stickybot does not read (message content, custom attributes, ...) are never looked at.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integrations.inbound import EARLIEST, LATEST

MAX_ID = 2**31 - 1
NAME_MAX, EMAIL_MAX = 200, 320


class What(StrEnum):
    CREATED = "created"          # a new conversation, open (a pending one is the inbox bot's until it hands over)
    OPENED = "opened"            # status open: a reopen if stickybot last saw it resolved, or the bot's handover
    RESOLVED = "resolved"
    ASSIGNED = "assigned"        # someone set a (user) assignee
    UNASSIGNED = "unassigned"    # someone took the assignee away
    MESSAGE = "message"          # the customer wrote, or an agent replied (`reply_by`)
    IGNORE = "ignore"


class Unfit(ValueError):
    """A field stickybot reads holds a value Chatwoot never sends."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field} {message}")
        self.details = [{"field": field, "message": message}]


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
    reply_by: int | None = None          # a message: the Chatwoot user who replied to the customer


class Delivery(BaseModel):
    """A Chatwoot webhook delivery, as Chatwoot 4.12+ sends it (account webhooks, API-inbox webhooks, agent bots).

    stickybot acts on `conversation_created`, `conversation_status_changed`, `conversation_updated` and
    `message_created`, and answers any other event 200 "ignored". Of those four it reads, and refuses with 422 when
    present with a value Chatwoot never sends: the ids (`id`, `account.id`, `meta.sender.id`, `meta.assignee.id`,
    `meta.team.id`, `conversation.id`, `sender.id`: whole numbers from 1 to 2^31-1), the times (`created_at`,
    `updated_at`, `last_activity_at`: unix seconds or ISO 8601, 1970-2100), the objects (`account`, `meta`,
    `meta.sender`, `meta.assignee`, `meta.team`, `conversation`, `sender`), `messages` (a list),
    `changed_attributes` (a list or an object) and the texts stored (contact `name` and `email`, team `name`:
    no NUL). Every other field is Chatwoot's own and never looked at."""

    model_config = ConfigDict(extra="allow", strict=True)

    event: str | None = Field(None, description="The kind of delivery, e.g. conversation_created.",
                              json_schema_extra={"examples": ["conversation_created"]})


def read(payload: Any, fallback_account: str | None = None) -> Happening:
    """What the payload says happened; raises Unfit (see the module's rules)."""
    if not isinstance(payload, dict):
        raise Unfit("(body)", "must be a JSON object, as every Chatwoot delivery is")
    try:
        event = Delivery.model_validate(payload).event
    except ValidationError:
        raise Unfit("event", "must be a string, e.g. conversation_created") from None
    if event == "message_created":
        return _message(payload, fallback_account)
    if event in ("conversation_created", "conversation_status_changed", "conversation_updated"):
        return _conversation(payload, event, fallback_account)
    shown = event if event is None or len(event) <= 64 else event[:64] + "..."
    return Happening(What.IGNORE, f"stickybot does not act on '{shown}' events")


def _conversation(p: dict, event: str, fallback_account: str | None) -> Happening:
    conv_id = _id(p.get("id"), "id")
    if conv_id is None:
        return Happening(What.IGNORE, "the payload has no conversation id")
    meta = _object(p.get("meta"), "meta") or {}
    base = dict(account_id=_account(p, fallback_account, ""), conversation=conv_id,
                contact=_contact(meta.get("sender"), "meta.sender"), team=_team(meta.get("team")),
                **_assignee(meta))
    status = _text(p.get("status"), "status")
    if event == "conversation_created":
        if status == "resolved":
            return Happening(What.IGNORE, "created already resolved (blocked contact)", **base)
        if status == "pending":
            return Happening(What.IGNORE, "pending: the inbox's bot is talking; it is routed when the bot hands it "
                                          "over (status open)", **base)
        at = _moment(p.get("created_at"), "created_at") or _moment(p.get("updated_at"), "updated_at")
        return Happening(What.CREATED, occurred_at=at, **base)
    at = _moment(p.get("updated_at"), "updated_at") or _moment(p.get("last_activity_at"), "last_activity_at")
    changed = _changes(p.get("changed_attributes"))
    if event == "conversation_status_changed" or "status" in changed:
        if status == "resolved":
            return Happening(What.RESOLVED, occurred_at=at, **base)
        if status == "open":
            return Happening(What.OPENED, occurred_at=at, **base)
        if status == "pending":
            return Happening(What.IGNORE, "pending: the inbox's bot has it (not a reopen)", **base)
        return Happening(What.IGNORE, f"status '{(status or '')[:32]}' needs no routing", **base)
    if "assignee_id" in changed or "assignee_agent_bot_id" in changed:
        if base["assignee_is_bot"]:
            return Happening(What.IGNORE, "an agent bot took the conversation", **base)
        if base["assignee"] is None:
            return Happening(What.UNASSIGNED, occurred_at=at, **base)
        return Happening(What.ASSIGNED, occurred_at=at, **base)
    return Happening(What.IGNORE, "nothing stickybot routes on changed", **base)


def _message(p: dict, fallback_account: str | None) -> Happening:
    if p.get("private") is True:
        return Happening(What.IGNORE, "a private note is not a reply to the customer")
    reply_by = None
    if p.get("message_type") == "outgoing":
        sender = _object(p.get("sender"), "sender") or {}
        if sender.get("type") != "user":
            return Happening(What.IGNORE, "an outgoing message not written by a person (a bot or the system)")
        reply_by = _id(sender.get("id"), "sender.id")
    elif p.get("message_type") != "incoming":
        return Happening(What.IGNORE, "only the customer's messages and agents' replies count")
    conv = _object(p.get("conversation"), "conversation") or {}
    conv_id = _id(conv.get("id"), "conversation.id")
    if conv_id is None:
        return Happening(What.IGNORE, "the message has no conversation id")
    meta = _object(conv.get("meta"), "conversation.meta") or {}
    sender = ("conversation.meta.sender", meta.get("sender")) if meta.get("sender") or reply_by else \
        ("sender", p.get("sender"))
    at = _moment(p.get("created_at"), "created_at") or _moment(conv.get("updated_at"), "conversation.updated_at")
    return Happening(What.MESSAGE, conversation=conv_id, contact=_contact(sender[1], sender[0]), occurred_at=at,
                     reply_by=reply_by,
                     account_id=_account(p, None, "") or _account(conv, fallback_account, "conversation."))


def _assignee(meta: dict) -> dict:
    assignee = _object(meta.get("assignee"), "meta.assignee")
    is_bot = meta.get("assignee_type") == "AgentBot" or (assignee or {}).get("type") == "agent_bot"
    user = None if is_bot or assignee is None else _id(assignee.get("id"), "meta.assignee.id")
    return {"assignee": user, "assignee_is_bot": is_bot}


def _team(value: Any) -> tuple[int, str] | None:
    team = _object(value, "meta.team")
    if team is None:
        return None
    team_id = _id(team.get("id"), "meta.team.id")
    return None if team_id is None else (team_id, _text(team.get("name"), "meta.team.name") or "")


def _account(p: dict, fallback: str | None, prefix: str) -> str | None:
    account = _object(p.get("account"), f"{prefix}account")
    if account is not None and account.get("id") is not None:
        return str(_id(account["id"], f"{prefix}account.id"))
    messages = p.get("messages")
    if messages is not None and not isinstance(messages, list):
        raise Unfit(f"{prefix}messages", "must be a list")
    for n, message in enumerate(messages or []):
        if isinstance(message, dict) and message.get("account_id") is not None:
            return str(_id(message["account_id"], f"{prefix}messages.{n}.account_id"))
    return fallback


def _contact(value: Any, where: str) -> Contact | None:
    sender = _object(value, where)
    contact_id = None if sender is None else _id(sender.get("id"), f"{where}.id")
    if contact_id is None:
        return None
    name = _text(sender.get("name"), f"{where}.name")
    email = _text(sender.get("email"), f"{where}.email")
    return Contact(str(contact_id), (name or None) and name[:NAME_MAX],
                   email if email and len(email) <= EMAIL_MAX else None)


def _changes(value: Any) -> set[str]:
    if isinstance(value, list):
        return {key for item in value if isinstance(item, dict) for key in item}
    if isinstance(value, dict):
        return set(value)
    if value is None:
        return set()
    raise Unfit("changed_attributes", "must be a list of changes or an object")


def _object(value: Any, field: str) -> dict | None:
    if value is None or isinstance(value, dict):
        return value
    raise Unfit(field, "must be an object")


def _id(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
        return value
    raise Unfit(field, f"must be a whole number from 1 to {MAX_ID}")


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unfit(field, "must be a string")
    if "\x00" in value:
        raise Unfit(field, "contains a NUL character, which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Unfit(field, "contains an unpaired surrogate (\\ud800-\\udfff), which cannot be stored") from None
    return value


def _moment(value: Any, field: str) -> datetime | None:
    """A time, or None for "not set" (null, 0)."""
    if value is None or (value == 0 and not isinstance(value, bool)):
        return None
    if isinstance(value, str):
        moment = _iso(value, field)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
            and EARLIEST.timestamp() < value < LATEST.timestamp():
        moment = datetime.fromtimestamp(value, timezone.utc)
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and 1e11 < value < 1e14:
        raise Unfit(field, "must be unix seconds; this looks like milliseconds")
    else:
        raise Unfit(field, "must be unix seconds or an ISO 8601 time, between 1970 and 2100")
    return moment


def _iso(value: str, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    except (ValueError, OverflowError):
        raise Unfit(field, "must be unix seconds or an ISO 8601 time, between 1970 and 2100") from None
    if not EARLIEST < moment < LATEST:
        raise Unfit(field, "must be unix seconds or an ISO 8601 time, between 1970 and 2100")
    return moment
