"""POST /webhooks/chatwoot: Chatwoot's own webhooks, verified, deduplicated, routed like any channel."""
from __future__ import annotations

import ipaddress
import re
import time

from flask import Blueprint, jsonify, request

from integrations import signing
from integrations.chatwoot import webhook

from ..errors import ErrorCode, Invalid, NotConfigured, StickyError, Unauthorized
from ..runtime import runtime
from ..service import chatwoot
from .answers import EventAnswer
from .body import read_json
from .declare import declare
from .errors import size_in_words
from .webhooks import read_body

bp = Blueprint("chatwoot", __name__)
_DELIVERY_ID = re.compile(r"[!-~]{1,128}")
# Chatwoot's largest delivery, from its source (app/models/message.rb, Conversations::EventDataPresenter):
# a message's `content` and `processed_message_content` are each at most 150,000 characters; `message_created`
# carries the content 3 times (`content`, and the conversation's last message's `content` and
# `processed_message_content`), `conversation_created` twice. ActiveSupport's JSON writes `<`, `>`, `&` and
# control characters as 6-byte \uXXXX escapes, the worst a character can cost. Add 64 KiB for the rest of the
# payload (contact, conversation, meta) and round up to whole MiB.
CHATWOOT_MAX_CHARS, COPIES, WORST_BYTES_PER_CHAR, ENVELOPE = 150_000, 3, 6, 64 * 1024
MIB = 1024 * 1024
MAX_BODY = -(-(COPIES * CHATWOOT_MAX_CHARS * WORST_BYTES_PER_CHAR + ENVELOPE) // MIB) * MIB  # 3 MiB


@bp.post("/webhooks/chatwoot")
@declare("A Chatwoot webhook delivery (CONTRACT section 7)", body=webhook.Delivery, answers={200: EventAnswer},
         security="chatwoot", tag="webhooks",
         description="Signed by Chatwoot 4.12+ (see the security schemes); unsigned deliveries only when "
                     "CHATWOOT_ALLOW_UNSIGNED is set, from CHATWOOT_UNSIGNED_SOURCES. `X-Chatwoot-Delivery` "
                     "(1-128 printable ASCII characters; Chatwoot sends a UUID) applies a delivery once. Events "
                     "stickybot does not route are answered `status: ignored`.",
         errors={400: "The body is not JSON, or X-Chatwoot-Delivery is not 1-128 printable ASCII characters.",
                 413: f"The body is over {size_in_words(MAX_BODY)}.",
                 422: "A field stickybot reads holds a value Chatwoot never sends (`details` names it)."})
def chatwoot_event():
    rt = runtime()
    cfg = rt.config
    if not cfg.chatwoot_webhook_secret and not cfg.chatwoot_allow_unsigned:
        raise NotConfigured("CHATWOOT_WEBHOOK_SECRET is not set, so Chatwoot webhooks are refused; copy the "
                            "webhook's secret from Chatwoot (4.12+) into it")
    body = read_body(MAX_BODY, "Chatwoot deliveries")
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
    keys = chatwoot.delivery_keys(_delivery_id(),
                                  request.headers.get("X-Chatwoot-Timestamp"), body)
    now = rt.clock.now()
    answer = rt.db.transact(lambda store: chatwoot.receive(store, happening, keys, cfg.chatwoot_url, now),
                            shared=True)
    rt.wake_deliverer()
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
