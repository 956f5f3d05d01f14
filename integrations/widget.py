"""Our own signed event format (CONTRACT.md section 3), parsed into an Inbound event."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from . import jsonbody
from .inbound import EARLIEST, LATEST, Author, EventType, Inbound

MAX_BODY = 64 * 1024
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(max_length=320)]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _Conversation(_Strict):
    id: Id
    url: Annotated[str, StringConstraints(max_length=2048)] | None = None

    @field_validator("url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        """Agents open it from Slack: only a web address, never javascript:, data: or a bare word."""
        if value is None:
            return None
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// address, e.g. https://help.example.com/c/77")
        if any(c.isspace() or not c.isprintable() for c in value):
            raise ValueError("must not contain spaces or control characters; percent-encode them")
        return value


class _Customer(_Strict):
    id: Id
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    email: Text | None = None


class _Assign(_Strict):
    agent: Annotated[str, StringConstraints(min_length=1, max_length=320)] | None = None
    team: Id | None = None


class WidgetEvent(_Strict):
    id: Id
    type: EventType
    occurred_at: datetime
    conversation: _Conversation
    customer: _Customer | None = None
    team: Id | None = None
    assign: _Assign | None = None
    availability_check: bool | None = None
    agent: Annotated[str, StringConstraints(min_length=1, max_length=320)] | None = None
    author: Author = Author.CUSTOMER  # conversation.message: who wrote it (an agent's reply claims)

    @field_validator("author", mode="before")
    @classmethod
    def _author(cls, value: Any) -> Author:
        if isinstance(value, str) and value in Author._value2member_map_:
            return Author(value)
        raise ValueError(f"must be one of {', '.join(a.value for a in Author)}")

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: Any) -> EventType:
        if isinstance(value, str) and value in EventType._value2member_map_:
            return EventType(value)
        raise ValueError(f"must be one of {', '.join(t.value for t in EventType)}")

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _occurred_at(cls, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ValueError("must be an ISO 8601 string with a time zone, e.g. 2026-11-24T10:00:00Z")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 string with a time zone, e.g. 2026-11-24T10:00:00Z") from None
        if moment.tzinfo is None:
            raise ValueError("needs a time zone (end it with Z or +00:00)")
        try:
            moment = moment.astimezone(timezone.utc)
        except OverflowError:  # 9999-12-31T23:59-01:00 and the like: outside years 1-9999 in UTC
            moment = LATEST
        if not EARLIEST <= moment < LATEST:
            raise ValueError("must be from 1970-01-01 up to 2100-01-01 (UTC)")
        return moment


class SchemaError(Exception):
    def __init__(self, details: list[dict]):
        fields = ", ".join(d["field"] for d in details)
        super().__init__(f"the event does not fit the schema: check {fields}")
        self.details = details


def parse(body: bytes) -> Inbound:
    """Raise ValueError (not JSON) or SchemaError (wrong shape); return the event otherwise."""
    try:
        data = jsonbody.loads(body)
    except jsonbody.TooDeep as exc:
        raise SchemaError(exc.details) from None
    except jsonbody.NotJson as exc:
        raise ValueError(exc.message) from None
    if not isinstance(data, dict):
        raise SchemaError([{"field": "(body)", "message": "must be a JSON object"}])
    bad = nul_field(data)
    if bad is not None:
        raise SchemaError([{"field": bad, "message": "contains a NUL character (\\u0000); remove it"}])
    try:
        event = WidgetEvent.model_validate(data)
    except ValidationError as exc:
        raise SchemaError(_details(exc)) from None
    needs_customer = event.type in (EventType.CREATED, EventType.REOPENED)
    if needs_customer and event.customer is None:
        raise SchemaError([{"field": "customer", "message": f"is required for {event.type}"}])
    if event.type == EventType.ASSIGNED and event.agent is None:
        raise SchemaError([{"field": "agent", "message": "is required for conversation.assigned: who holds it now"}])
    customer, assign = event.customer, event.assign
    return Inbound(
        key=f"widget:{event.id}", type=event.type, occurred_at=event.occurred_at,
        conversation_id=event.conversation.id, conversation_url=event.conversation.url,
        customer_id=customer.id if customer else None,
        customer_name=customer.name if customer else None,
        customer_email=customer.email if customer else None,
        team=event.team, assign_agent=assign.agent if assign else None,
        assign_team=assign.team if assign else None,
        availability_check=event.availability_check, agent=event.agent, author=event.author, channel="widget",
    )


def nul_field(value, path: str = "") -> str | None:
    """The path of the first string (key or value) holding a NUL character, which no database stores."""
    if isinstance(value, str):
        return (path or "(body)") if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        where = f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and "\x00" in key:
            return where
        found = nul_field(item, where)
        if found is not None:
            return found
    return None


def _details(exc: ValidationError) -> list[dict]:
    out = []
    for err in exc.errors(include_url=False):
        field = ".".join(str(p) for p in err["loc"]) or "(body)"
        message = err["msg"].removeprefix("Value error, ")
        out.append({"field": field, "message": message})
    return out
