"""/reference: the admin API and the webhooks for people, drawn from the OpenAPI document (GET /api/openapi.json)
itself, so the page can say nothing the document does not. Public like the document, no token needed; served
from the package (no script, no outside stylesheet), so it works offline."""
from __future__ import annotations

import json
import re

from flask import current_app

from ..openapi import cached_document
from .base import bp, page

_REF = "#/components/schemas/"


@bp.get("/reference")
def api_reference():
    doc = cached_document(current_app)
    operations = [dict(op, method=method.upper(), path=path, body=_body(op), answers=_answers(op),
                       anchor=re.sub(r"[^a-z0-9]+", "-", f"{method} {path}").strip("-"))
                  for path, methods in doc["paths"].items() for method, op in methods.items()]
    schemas = {name: json.dumps(schema, indent=2, ensure_ascii=False)
               for name, schema in sorted(doc["components"]["schemas"].items())}
    return page("reference.html", info=doc["info"], operations=operations, schemas=schemas,
                schemes=doc["components"]["securitySchemes"])


def _body(op: dict) -> dict | None:
    body = op.get("requestBody")
    if body is None:
        return None
    return {"required": body["required"], "schema": _name(body["content"]["application/json"]["schema"])}


def _answers(op: dict) -> list[dict]:
    out = []
    for status, answer in op["responses"].items():
        schema = answer.get("content", {}).get("application/json", {}).get("schema")
        out.append({"status": status, "description": answer["description"],
                    "schema": _name(schema) if schema is not None else None})
    return out


def _name(schema: dict) -> str:
    """A schema as a person reads it: a model's name, `list of` one, or its JSON type."""
    if "$ref" in schema:
        return schema["$ref"].removeprefix(_REF)
    if schema.get("type") == "array" and "items" in schema:
        return f"list of {_name(schema['items'])}"
    if "anyOf" in schema:
        return " or ".join(_name(s) for s in schema["anyOf"])
    return str(schema.get("type", "JSON"))
