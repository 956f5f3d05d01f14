"""POST /webhooks/chatwoot: Chatwoot's own webhooks, verified, deduplicated, routed like any channel."""
from __future__ import annotations

import ipaddress
import re
import time

from flask import Blueprint, jsonify, request

from integrations import signing
from integrations.chatwoot import webhook
from integrations.inbound import Inbound

from ..errors import ErrorCode, Invalid, NotConfigured, StickyError, Unauthorized
from ..runtime import runtime
from ..service import chatwoot, events
from ..service.chatwoot import remember_users
from .body import read_json
from .webhooks import read_body

bp = Blueprint("chatwoot", __name__)
_DELIVERY_ID = re.compile(r"[!-~]{1,128}")
MAX_BODY = 256 * 1024  # Chatwoot payloads carry the conversation and its last message


@bp.post("/webhooks/chatwoot")
def chatwoot_event():
    rt = runtime()
    cfg = rt.config
    if not cfg.chatwoot_webhook_secret and not cfg.chatwoot_allow_unsigned:
        raise NotConfigured("CHATWOOT_WEBHOOK_SECRET is not set, so Chatwoot webhooks are refused; copy the "
                            "webhook's secret from Chatwoot (4.12+) into it")
    body = read_body(MAX_BODY)
    _authenticate(cfg, body)
    try:
        happening = webhook.read(read_json(body), cfg.chatwoot_account_id)
    except webhook.Unfit as exc:
        raise Invalid(f"the delivery does not fit Chatwoot's format: {exc}", details=exc.details) from None
    if happening.what == webhook.What.IGNORE:
        return jsonify(chatwoot.answer_ignored(happening, happening.reason))
    if cfg.chatwoot_account_id and happening.account_id != cfg.chatwoot_account_id:
        return jsonify(chatwoot.answer_ignored(happening, f"account {happening.account_id} is not ours"))
    if happening.account_id is None:
        return jsonify(chatwoot.answer_ignored(happening, "no account id; set CHATWOOT_ACCOUNT_ID"))
    key = chatwoot.delivery_key(_delivery_id(), body)
    _learn_unknown_user(rt, happening)
    with rt.db.read() as session:
        inbound = chatwoot.to_inbound(session, happening, key, cfg.chatwoot_url)
    if not isinstance(inbound, Inbound):
        return jsonify(chatwoot.answer_ignored(happening, inbound))
    answer = events.handle(rt.db, inbound)
    rt.committed()
    return jsonify(answer)


def _authenticate(cfg, body: bytes) -> None:
    signature = request.headers.get("X-Chatwoot-Signature")
    if signature is None and cfg.chatwoot_allow_unsigned:
        if _trusted_source(request.remote_addr, cfg.chatwoot_unsigned_sources):
            return
        raise Unauthorized("unsigned Chatwoot deliveries are only taken from CHATWOOT_UNSIGNED_SOURCES",
                           code=ErrorCode.BAD_SIGNATURE)
    if not cfg.chatwoot_webhook_secret:
        raise NotConfigured("a signed Chatwoot delivery arrived but CHATWOOT_WEBHOOK_SECRET is not set")
    try:
        signing.verify(cfg.chatwoot_webhook_secret, request.headers.get("X-Chatwoot-Timestamp"), signature, body,
                       time.time(), "sha256", "X-Chatwoot-Timestamp", "X-Chatwoot-Signature")
    except signing.SignatureError as exc:
        raise Unauthorized(str(exc), code=ErrorCode.STALE_TIMESTAMP if exc.stale else ErrorCode.BAD_SIGNATURE) from None


def _delivery_id() -> str | None:
    """X-Chatwoot-Delivery, the key a delivery is applied once by: Chatwoot sends a UUID."""
    value = (request.headers.get("X-Chatwoot-Delivery") or "").strip() or None
    if value is not None and not _DELIVERY_ID.fullmatch(value):
        raise StickyError("X-Chatwoot-Delivery must be 1-128 printable ASCII characters (Chatwoot sends a UUID)")
    return value


def _trusted_source(address: str | None, sources: frozenset[str]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
        return any(ip in ipaddress.ip_network(src, strict=False) for src in sources)
    except ValueError:
        return False


def _learn_unknown_user(rt, happening) -> None:
    """A Chatwoot user we cannot place yet: ask Chatwoot once for its agents (matched by e-mail)."""
    if happening.assignee is None or rt.chatwoot is None:
        return
    with rt.db.read() as session:
        if chatwoot.agent_for_user(session, happening.assignee) is not None:
            return
    try:
        remember_users(rt.db, rt.chatwoot.agents())
    except Exception:  # the event is still handled; the agent shows as unknown
        pass
