"""The long lists, a page at a time: agents (searched by id, name or e-mail), the Unassigned queue and the held
conversations."""
from __future__ import annotations

from typing import Annotated, Literal

from flask import request
from pydantic import Field, StringConstraints

from ...service import conversations, directory, paging
from ...store import ConversationStatus
from ..params import Query, absent, read_query
from .base import bp, now, page, read
from .words import NOTICES

PAGE = 50  # rows of a list page
Cursor = Annotated[str, StringConstraints(max_length=paging.MAX_CURSOR)]
Search = Annotated[str, StringConstraints(max_length=paging.MAX_SEARCH)]


class ListQuery(Query):
    cursor: Cursor = Field(None, json_schema_extra=absent, description="The `next` of the page before.")


class AgentsQuery(ListQuery):
    q: Search = Field(None, json_schema_extra=absent, description="Part of an agent's id, name or e-mail.")
    deactivated: Literal["1"] = Field(None, json_schema_extra=absent, description="1: deactivated agents too.")


def list_query() -> dict:
    """The agents list's query, checked (a parameter given twice, or too long, is refused)."""
    query = read_query(AgentsQuery)
    return {k: v for k, v in (("q", query.q), ("cursor", query.cursor), ("deactivated", query.deactivated)) if v}


def agent_list(store, at, limit: int, args) -> dict:
    """The agents a list page shows, from its query (`q`, `deactivated`, `cursor`)."""
    search = paging.parse_search(args.get("q"))
    with_inactive = args.get("deactivated") == "1"
    found = directory.agents_page(store, at, limit, args.get("cursor") or None, search, active_only=not with_inactive)
    query = {**({"q": search} if search else {}), **({"deactivated": "1"} if with_inactive else {})}
    return {**found, "q": search or "", "deactivated": with_inactive, "cursor": args.get("cursor") or "",
            "query": query}


def agents_again(status: int = 200, errors: dict | None = None, args: dict | None = None):
    at, args = now(), list_query() if args is None else args
    found = read(lambda store: agent_list(store, at, PAGE, args))
    errors = errors or {}
    if any(k.startswith("agent:") for k in errors) and \
            not any(f"agent:{a['id']}" in errors for a in found["items"]):
        errors = {"agents": next(iter(errors.values()))}  # no row to show it in
    return page("agents.html", status, agents=found, errors=errors, back="agents",
                notice=NOTICES.get(request.args.get("done", "")))


@bp.get("/agents")
def agents_list():
    return agents_again()


@bp.get("/queue")
def queue_page():
    cursor = read_query(ListQuery).cursor or None
    found = read(lambda store: {"page": conversations.unassigned_page(store, PAGE, cursor),
                                "count": store.count_conversations(ConversationStatus.UNASSIGNED)})
    return page("queue.html", queue=found["page"], count=found["count"], first=cursor is None)


@bp.get("/held")
def held_page():
    cursor = read_query(ListQuery).cursor or None
    found = read(lambda store: {"page": conversations.held_page(store, PAGE, cursor),
                                "count": store.count_conversations(ConversationStatus.HELD)})
    return page("held.html", held=found["page"], count=found["count"], first=cursor is None)
