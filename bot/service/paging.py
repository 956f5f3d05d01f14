"""Long lists a page at a time: a `limit` (DEFAULT_LIMIT when not given, at most MAX_LIMIT) and a keyset cursor.

A page answers `{"items": [...], "next": CURSOR or null}`; asking again with `cursor=CURSOR` gives the items
after the last one shown, in the same order, however many rows were added or removed meanwhile (no offsets:
the database seeks straight to the cursor's place through an index). A cursor is opaque: base64url of a small
JSON list that names the list it belongs to and the sort key of the last item shown. A cursor of another list,
or one this server never made, is refused (422) rather than read as something else.

The store's paged reads take the decoded key and a limit; the use-cases here ask for one row more than they
show, to know whether a next page exists.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Generic, Sequence, TypeVar

from integrations.inbound import EARLIEST, LATEST

from .. import clock
from ..errors import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR = 1024   # characters: far more than any key this server writes
MAX_SEARCH = 100    # characters of a search text

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next: str | None  # the cursor of the page after this one; None: this is the last

    def as_json(self, shown: Callable[[T], Any] = lambda item: item) -> dict:
        return {"items": [shown(i) for i in self.items], "next": self.next}


def parse_limit(raw: str | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """`limit` as a query parameter gives it: ASCII digits only, 1 to `maximum`; `default` when left out."""
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise Invalid(f"limit is a whole number from 1 to {maximum} ({default} when left out)",
                      details=[{"field": "limit", "message": f"must be a whole number from 1 to {maximum}"}])
    return int(raw)


def parse_search(raw: str | None) -> str | None:
    """A search text: trimmed, None when empty; at most MAX_SEARCH characters, no NUL."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > MAX_SEARCH or "\x00" in text:
        raise Invalid(f"a search is at most {MAX_SEARCH} characters, without NUL",
                      details=[{"field": "q", "message": f"must be 1-{MAX_SEARCH} characters, without NUL"}])
    return text


def encode(kind: str, key: Sequence[Any]) -> str:
    """The cursor after an item whose sort key is `key` (strings, integers and aware datetimes)."""
    parts = [{"t": clock.iso(k)} if isinstance(k, datetime) else k for k in key]
    raw = json.dumps([kind, *parts], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(raw: str | None, kind: str, shape: Sequence[type]) -> tuple | None:
    """The key a cursor of list `kind` carries, its parts of the types in `shape` (None: no cursor)."""
    if raw is None or raw == "":
        return None
    try:
        if len(raw) > MAX_CURSOR or not raw.isascii():
            raise ValueError(raw)
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not (isinstance(data, list) and data and data[0] == kind and len(data) == len(shape) + 1):
            raise ValueError(raw)
        return tuple(_part(value, want) for value, want in zip(data[1:], shape))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise Invalid("cursor is not one this list gave; start again without it, or use the `next` of the "
                      "page before", details=[{"field": "cursor", "message": "not a cursor of this list"}]) from None


def _part(value: Any, want: type) -> Any:
    if want is datetime:
        if not (isinstance(value, dict) and isinstance(value.get("t"), str)):
            raise ValueError(value)
        moment = clock.parse_iso(value["t"])
        if moment.tzinfo is None or not EARLIEST <= moment < LATEST:
            raise ValueError(value)
        return clock.utc(moment)
    if want is int:
        if type(value) is not int or not -2**63 <= value < 2**63:
            raise ValueError(value)
        return value
    if not isinstance(value, str) or "\x00" in value or len(value) > 300:
        raise ValueError(value)
    return value


def paged(rows: list[R], limit: int, kind: str, key: Callable[[R], Sequence[Any]]) -> Page[R]:
    """A page from the `limit + 1` rows a store read gave: the first `limit`, and a cursor if there were more."""
    shown = rows[:limit]
    more = len(rows) > limit and shown
    return Page(shown, encode(kind, key(shown[-1])) if more else None)
