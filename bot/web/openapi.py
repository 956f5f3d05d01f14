"""GET /api/openapi.json: the OpenAPI 3.1 document of every call under /api and /webhooks, written from the
routes' own declarations (bot/web/declare.py) and pydantic's JSON schemas of their models. No secret is in it,
and it is readable without the admin token."""
from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Flask, current_app, jsonify
from pydantic import TypeAdapter
from werkzeug.routing import IntegerConverter, Rule

from .answers import ErrorOut, OpenApiDocument
from .declare import Operation, declare, operation_of
from .params import PATH_IDS

bp = Blueprint("openapi", __name__)
DOCUMENTED = ("/api/", "/webhooks/")
_REF = "#/components/schemas/{model}"
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

SECURITY_SCHEMES = {
    "adminToken": {"type": "http", "scheme": "bearer",
                   "description": "The admin token: `Authorization: Bearer <STICKY_ADMIN_TOKEN>`."},
    "widgetTimestamp": {"type": "apiKey", "in": "header", "name": "X-Sticky-Timestamp",
                        "description": "Unix seconds when the event was signed; at most 300 s from the server's "
                                       "clock."},
    "widgetSignature": {"type": "apiKey", "in": "header", "name": "X-Sticky-Signature",
                        "description": "`v1=<hex HMAC-SHA256 of \"{timestamp}.{raw body}\" keyed by "
                                       "STICKY_WEBHOOK_SECRET>`."},
    "chatwootTimestamp": {"type": "apiKey", "in": "header", "name": "X-Chatwoot-Timestamp",
                          "description": "Unix seconds, as Chatwoot sends them; at most 300 s from the server's "
                                         "clock."},
    "chatwootSignature": {"type": "apiKey", "in": "header", "name": "X-Chatwoot-Signature",
                          "description": "`sha256=<hex HMAC-SHA256 of \"{timestamp}.{raw body}\" keyed by "
                                         "CHATWOOT_WEBHOOK_SECRET>`, as Chatwoot 4.12+ signs."},
    "zammadSignature": {"type": "apiKey", "in": "header", "name": "X-Hub-Signature",
                        "description": "`sha1=<hex HMAC-SHA1 of the raw body keyed by ZAMMAD_WEBHOOK_SECRET>` (the "
                                       "webhook's signature token), as Zammad signs: no timestamp."},
}
SECURITY = {"admin": [{"adminToken": []}], "widget": [{"widgetTimestamp": [], "widgetSignature": []}],
            "chatwoot": [{"chatwootTimestamp": [], "chatwootSignature": []}],
            "zammad": [{"zammadSignature": []}], None: []}
# The refusals every call of a kind may give, and when.
_ADMIN = {401: "The admin token is missing or wrong.",
          429: "Too many wrong admin tokens from this address: a wrong one is refused until Retry-After seconds "
               "have passed (the right token is always accepted).",
          503: "STICKY_ADMIN_TOKEN is not set, or the database is unavailable (then with Retry-After)."}
_SIGNED = {401: "The signature is missing or wrong, or the timestamp is more than 300 s away.",
           503: "The webhook's secret is not set, or the database is unavailable (then with Retry-After)."}
_PATH = {404: "Nothing has that id.", 422: "An id in the path, or a query parameter, does not fit (`details`)."}
_BODY = {400: "The body is not JSON.", 413: "The body is too large.",
         422: "The body, an id in the path or a query parameter does not fit (`details` names each field)."}


def document(app: Flask) -> dict:
    """The OpenAPI document of `app`'s declared routes."""
    found = [(rule, method, op) for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
             if rule.rule.startswith(DOCUMENTED) and (op := operation_of(app.view_functions[rule.endpoint]))
             for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]
    wanted = [((n, "body"), "validation", TypeAdapter(op.body)) for n, (_, _, op) in enumerate(found) if op.body]
    wanted += [((n, status), "serialization", TypeAdapter(kind)) for n, (_, _, op) in enumerate(found)
               for status, kind in op.answers.items() if kind is not None]
    wanted.append((("error", 0), "serialization", TypeAdapter(ErrorOut)))
    schemas, defs = TypeAdapter.json_schemas(wanted, ref_template=_REF)
    paths: dict[str, dict] = {}
    for n, (rule, method, op) in enumerate(found):
        path = _ARGUMENT.sub(r"{\1}", rule.rule)
        shown = {key[1]: schema for (key, _), schema in schemas.items() if key[0] == n}
        paths.setdefault(path, {})[method.lower()] = _operation(rule, method, op, shown, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "stickybot", "version": _version(),
                 "description": "Sticky routing from chat channels to a support team's Slack: the admin API "
                                "and the webhooks. Errors are `{\"error\", \"message\", \"details\"?}`."},
        "paths": paths,
        "components": {"schemas": defs.get("$defs", {}), "securitySchemes": SECURITY_SCHEMES},
    }


def _operation(rule: Rule, method: str, op: Operation, shown: dict, schemas: dict) -> dict:
    error_schema = schemas[(("error", 0), "serialization")]
    refusals = _refusals(rule, op)
    responses = {str(status): {"description": _describe(status)} for status in sorted(op.answers)}
    for status, kind in op.answers.items():
        if kind is not None:  # None: no content (204)
            responses[str(status)]["content"] = {"application/json": {"schema": shown[status]}}
    for status in sorted(refusals):
        responses[str(status)] = {"description": refusals[status],
                                  "content": {"application/json": {"schema": error_schema}}}
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": {"description": "Seconds until another wrong token is heard.",
                                                       "schema": {"type": "integer", "minimum": 1}}}
    name = rule.endpoint.split(".")[-1]
    several = len((rule.methods or set()) - {"HEAD", "OPTIONS"}) > 1
    out = {"operationId": f"{method.lower()}_{name}" if several else name, "summary": op.summary,
           "tags": [op.tag], "security": SECURITY[op.security], "parameters": _parameters(rule, op),
           "responses": responses}
    if op.description:
        out["description"] = op.description
    if op.body is not None:
        out["requestBody"] = {"required": op.body_required,
                              "content": {"application/json": {"schema": shown["body"]}}}
    return out


def _refusals(rule: Rule, op: Operation) -> dict[int, str]:
    out = dict(_ADMIN if op.security == "admin" else _SIGNED if op.security else {})
    if rule.arguments:
        out.update(_PATH)
    elif op.query.model_fields:
        out[422] = _PATH[422]
    if op.body is not None:
        out.update(_BODY)
    out.setdefault(422, "A query parameter holds a NUL character, or the query string is not UTF-8.")
    out[414] = "The request line (method, path and query) is longer than the server reads."
    out.update(op.errors)
    return out


def _parameters(rule: Rule, op: Operation) -> list[dict]:
    out = []
    for name in _ARGUMENT.findall(rule.rule):
        if isinstance(rule._converters[name], IntegerConverter):
            out.append({"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}})
            continue
        if name not in PATH_IDS:
            raise LookupError(f"{rule.rule}: say what {name} is in bot/web/params.PATH_IDS")
        kind, _, words = PATH_IDS[name]
        out.append({"name": name, "in": "path", "required": True, "description": words + " Percent-encode `/` "
                    "as %2F and `%` as %25.", "schema": TypeAdapter(kind).json_schema()})
    query = op.query.model_json_schema(mode="validation")
    for name, schema in query.get("properties", {}).items():
        words = schema.pop("description", None)
        out.append({"name": name, "in": "query", "required": name in query.get("required", []),
                    "schema": schema, **({"description": words} if words else {})})
    return out


def _describe(status: int) -> str:
    return {200: "Done.", 201: "Created.", 204: "Done; nothing to show."}.get(status, "Answered.")


@bp.get("/api/openapi.json")
@declare("This document", answers={200: OpenApiDocument}, security=None, tag="about")
def openapi_json():
    return jsonify(cached_document(current_app))


def cached_document(app: Flask) -> dict:
    doc = app.extensions.get("stickybot.openapi")
    if doc is None:
        doc = app.extensions["stickybot.openapi"] = document(app)
    return doc


def undeclared(app: Flask) -> list[str]:
    """Routes under /api and /webhooks that declare nothing (and so are missing from the document)."""
    return sorted(f"{sorted((r.methods or set()) - {'HEAD', 'OPTIONS'})} {r.rule}" for r in app.url_map.iter_rules()
                  if r.rule.startswith(DOCUMENTED) and operation_of(app.view_functions[r.endpoint]) is None)



def _version() -> str:
    try:
        return version("stickybot")
    except PackageNotFoundError:  # run from a source tree that was not installed
        return "0"
