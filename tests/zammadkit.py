"""Zammad deliveries built the way Zammad builds them: the samples' snapshots (keys sorted, `organization` and
`accounted_time` last), changed field by field, written as Ruby's ActiveSupport writes JSON (compact, UTF-8,
`<` `>` `&` as \\u003c \\u003e \\u0026) and signed with X-Hub-Signature over those exact bytes."""
from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "zammad"
SECRET = "f3Kq9vTz2LmR8wXc5pNd"  # the samples' signature token
TRIGGERS = {"webhook_ticket_created": "stickybot 10 ticket created",
            "webhook_article_customer_email": "stickybot 20 customer article",
            "webhook_ticket_reopened": "stickybot 20 customer article",
            "webhook_ticket_owner_changed": "stickybot 30 owner changed by person",
            "webhook_ticket_state_closed": "stickybot 40 state changed without article",
            "webhook_article_agent_reply": "stickybot 50 agent article",
            "webhook_article_internal_note": "stickybot 50 agent article"}


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@cache
def _people() -> dict[int, dict]:
    """The user objects the samples carry (as a webhook writes a user: sorted, without preferences), by id."""
    found: dict[int, dict] = {}
    for name in TRIGGERS:
        ticket = sample(name)["ticket"]
        for key in ("owner", "customer", "created_by", "updated_by"):
            if ticket.get(key):
                found[ticket[key]["id"]] = ticket[key]
    return found


def person(user_id: int) -> dict:
    return copy.deepcopy(_people()[user_id])


def snapshot(name: str, ticket: dict | None = None, article: dict | None = None) -> dict:
    """A sample's body with ticket and article fields changed in place (so keys keep Zammad's order). `owner_id`
    and `updated_by_id` bring the user object along; `article={}` means no article (an owner or state change)."""
    payload = sample(name)
    t = payload["ticket"]
    for key, value in (ticket or {}).items():
        t[key] = value
        if key in ("owner_id", "updated_by_id", "customer_id") and value in _people():
            t[key.removesuffix("_id")] = person(value)
    if "id" in (ticket or {}) and payload["article"]:
        payload["article"]["ticket_id"] = ticket["id"]
    if article == {}:
        payload["article"] = {}
    else:
        payload["article"].update(article or {})
    return payload


def ruby_json(payload: dict) -> bytes:
    """The bytes Zammad sends for `payload` (its `to_json`)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text.encode("utf-8", "backslashreplace")  # a lone surrogate (never UTF-8) as its JSON escape


def hub_signature(secret: str, body: bytes) -> str:
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def deliver(http, payload: dict | bytes, *, delivery: str | None = None, trigger: str = "stickybot",
            secret: str = SECRET, signature: str | None = None, signed: bool = True):
    """POST a delivery as Zammad's TriggerWebhookJob does."""
    body = payload if isinstance(payload, bytes) else ruby_json(payload)
    headers = {"User-Agent": "Zammad User Agent", "Content-Type": "application/json; charset=utf-8",
               "X-Zammad-Trigger": trigger, "X-Zammad-Delivery": delivery or str(uuid.uuid4())}
    if signed:
        headers["X-Hub-Signature"] = signature or hub_signature(secret, body)
    return http.post("/webhooks/zammad", data=body, headers=headers)
