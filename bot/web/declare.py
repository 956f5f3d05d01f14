"""One declaration per route: what it takes and what it answers. The request is checked by it and the OpenAPI
document (bot/web/openapi.py) is written from it, so neither can drift from the other.

    @bp.patch("/agents/<id:agent_id>")
    @declare("Change an agent", body=AgentIn, answers={200: AgentOut}, errors={404: "no such agent"})
    def patch_agent(agent_id, body): ...

Before the view runs: ids in the path fit their columns (bot/web/params.py), the query string fits `query`
(the view gets the parsed model as `query`), and for a call behind the admin token the JSON body fits `body`
(the view gets the parsed JSON as `body`). A webhook checks its signature first, so it reads and validates its
body itself, with the same model. Errors are raised as the API's own (422 with `details`, 400 for a body that
is not JSON).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from flask import request
from pydantic import BaseModel

from ..errors import Invalid
from ..service.directory import validate
from .body import read_json
from .params import NoQuery, Query, check_path_ids, read_query

Security = Literal["admin", "widget", "chatwoot"] | None


@dataclass(frozen=True)
class Operation:
    summary: str
    answers: dict[int, Any]           # status -> the answer's type (a model, list[Model], a union of models)
    description: str = ""
    query: type[Query] = NoQuery
    body: type[BaseModel] | None = None
    body_required: bool = True        # False: an empty body is read as {}
    errors: dict[int, str] = field(default_factory=dict)  # statuses of this call's own refusals -> when
    security: Security = "admin"
    tag: str = "admin"


def declare(summary: str, *, answers: dict[int, Any], **more) -> Callable:
    """Attach an Operation to a view and check requests by it (see the module)."""
    op = Operation(summary, answers, **more)

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(**path):
            check_path_ids(path)
            parsed = read_query(op.query)
            if op.query is not NoQuery:
                path["query"] = parsed
            if op.body is not None and op.security == "admin":
                path["body"] = json_body(op.body, op.body_required)
            return view(**path)

        checked.operation = op
        return checked

    return wrap


def operation_of(view: Callable) -> Operation | None:
    return getattr(view, "operation", None)


def json_body(model: type[BaseModel], required: bool) -> Any:
    """The body as JSON, checked by `model`; when it is not `required`, an empty body is read as {}."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise Invalid("send the body as JSON (`{}` takes every default)",
                          details=[{"field": "(body)", "message": "is missing"}])
        return {}
    data = read_json(raw)
    validate(model, data)
    return data
