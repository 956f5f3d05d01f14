"""Query parameters and ids in paths, read strictly: the models that check them also describe them in the API's
OpenAPI document (bot/web/openapi.py).

- A number is ASCII digits only (`int()` would also read `٧` or `０７`), within the range its column can hold.
- A parameter given twice (`days=7&days=500`) is refused rather than read first-wins.
- No value, key or path holds a NUL (no database stores one) or bytes that are not UTF-8.
- An id in a path is as long as the same id may be in an event: 128 characters, 200 for a conversation.
Parameters a call does not take are ignored.
"""
from __future__ import annotations

import re
from functools import partial
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from flask import request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from ..errors import Invalid
from .ids import NOT_UTF8

MAX_INT = 2**31 - 1  # integer columns are 32-bit on PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,12}")


def _whole(low: int, high: int, value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        raise ValueError(f"must be a whole number from {low} to {high}, written with the digits 0-9")
    if not low <= number <= high:
        raise ValueError(f"must be a whole number from {low} to {high}")
    return number


def Whole(low: int, high: int):  # noqa: N802 (a type, as pydantic's own constr)
    """A whole number from `low` to `high`, ASCII digits in a query string."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(partial(_whole, low, high))]


# Ids, as long as their columns (bot/models.py) and as in events: any character but NUL, percent-encoded in a path
# (`/` as %2F, `%` as %25).
ID_MAX, CONVERSATION_ID_MAX = 128, 200
AnyId = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX)]
ConversationId = Annotated[str, StringConstraints(min_length=1, max_length=CONVERSATION_ID_MAX)]
# Each name a route gives an id in its path: (its type, its longest, what it is).
PATH_IDS: dict[str, tuple[Any, int, str]] = {
    "team_id": (AnyId, ID_MAX, "The team's id."),
    "agent_id": (AnyId, ID_MAX, "The agent's id."),
    "customer_id": (AnyId, ID_MAX, "The customer's id, as the chat channel names it."),
    "conversation_id": (ConversationId, CONVERSATION_ID_MAX, "The conversation's id, as the chat channel names it."),
}


class Query(BaseModel):
    """The query parameters of a call. Subclasses name them; each field's type says what it takes."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=False)


class NoQuery(Query):
    pass


def read_query(model: type[Query] = NoQuery) -> Query:
    """The request's query string, checked by `model`; Invalid (422) saying what to fix otherwise."""
    _check_raw_query()
    args = request.args
    names = [field.alias or name for name, field in model.model_fields.items()]
    details = [{"field": name, "message": f"is given {len(args.getlist(name))} times; give it once"}
               for name in names if len(args.getlist(name)) > 1]
    if details:
        raise Invalid("a parameter is given more than once: " + ", ".join(d["field"] for d in details),
                      details=details)
    try:
        return model.model_validate({name: args[name] for name in names if name in args})
    except ValidationError as exc:
        details = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"].removeprefix("Value error, ")}
                   for e in exc.errors(include_url=False)]
        raise Invalid("check the query parameter(s) " + ", ".join(d["field"] for d in details),
                      details=details) from None


def _check_raw_query() -> None:
    raw = request.query_string
    try:
        text = unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the query string is not UTF-8; percent-encode text as UTF-8",
                      details=[{"field": "(query)", "message": "is not UTF-8"}]) from None
    if "\x00" in text:
        raise Invalid("the query string contains a NUL character (%00); no parameter can",
                      details=[{"field": "(query)", "message": "contains a NUL character"}])


def check_path_ids(values: dict[str, Any]) -> None:
    """Ids taken from the path: Invalid (422) when the path is not UTF-8 (distinct bytes would read as the same
    id), or an id is longer than the same id may be in an event, or holds a NUL."""
    if request.environ.get(NOT_UTF8):
        raise Invalid("the path is not UTF-8; percent-encode ids as UTF-8",
                      details=[{"field": "(path)", "message": "is not UTF-8"}])
    for name, value in values.items():
        kind = PATH_IDS.get(name)
        if kind is None or not isinstance(value, str):
            continue
        longest = kind[1]
        what = name.removesuffix("_id")
        if "\x00" in value:
            raise Invalid(f"the {what} id in the path contains a NUL character (%00); no id can",
                          details=[{"field": name, "message": "contains a NUL character"}])
        if not 1 <= len(value) <= longest:
            raise Invalid(f"the {what} id in the path is 1-{longest} characters, as in events; this one has "
                          f"{len(value)}", details=[{"field": name, "message": f"must be 1-{longest} characters"}])


def absent(schema: dict) -> None:
    """A parameter that may be left out (then None) but is never null: no `default` in its schema."""
    schema.pop("default", None)


# Lists in the API come a page at a time (bot/service/paging.py: keyset cursors); the next page's address is in
# the answer's `Link: <...>; rel="next"` header.
API_PAGE, API_PAGE_MAX = 100, 500
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class PageQuery(Query):
    limit: Whole(1, API_PAGE_MAX) = Field(API_PAGE, description=f"Items on the page (1-{API_PAGE_MAX}).")
    cursor: Cursor = Field(None, json_schema_extra=absent,
                           description="Where the page starts: the `cursor` of the previous answer's "
                                       "`Link: <...>; rel=\"next\"` header. Left out: the first page.")


class AgentsQuery(PageQuery):
    q: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        None, json_schema_extra=absent, description="Only agents whose id, name or e-mail contains this, in any case.")


class StatsQuery(Query):
    days: Whole(1, 90) = Field(7, description="The period: the last N days (1-90).")
    limit: Whole(1, API_PAGE_MAX) = Field(API_PAGE, description=f"Agents in `by_agent` (1-{API_PAGE_MAX}), by id.")
    cursor: Cursor = Field(None, json_schema_extra=absent,
                           description="Where `by_agent` starts: the previous answer's `by_agent_next`.")


class AuditQuery(Query):
    limit: Whole(1, 200) = Field(50, description="Entries on the page (1-200).")
    before: Whole(1, MAX_INT) = Field(None, json_schema_extra=absent,
                                      description="Entries older than this id: the `next` of the previous page.")


class PreviewQuery(Query):
    team: AnyId = Field(None, json_schema_extra=absent,
                        description="The team the conversation would come in through.")
