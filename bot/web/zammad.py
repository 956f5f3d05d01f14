"""POST /webhooks/zammad: Zammad's trigger webhooks, verified over the raw bytes, applied once, routed like any
channel."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from integrations import signing
from integrations.zammad import webhook

from ..errors import ErrorCode, Invalid, NotConfigured, Unauthorized
from ..runtime import runtime
from ..service import zammad
from ..service.helpdesk.inbound import ignored
from .answers import EventAnswer
from .body import read_json
from .declare import declare
from .helpdesk import delivery_id, refusals
from .webhooks import read_body

bp = Blueprint("zammad", __name__)
# Zammad's largest delivery, from its source: an article's body is at most 1,500,000 characters
# (Ticket::Article#check_body) and comes once in the default payload; ActiveSupport's JSON writes `<`, `>`, `&`
# and control characters as 6-byte \uXXXX escapes, the worst a character can cost. Add 64 KiB for the rest
# (ticket, users, group, the article's other fields) and round up to whole MiB.
ZAMMAD_MAX_CHARS, WORST_BYTES_PER_CHAR, ENVELOPE = 1_500_000, 6, 64 * 1024
MIB = 1024 * 1024
MAX_BODY = -(-(ZAMMAD_MAX_CHARS * WORST_BYTES_PER_CHAR + ENVELOPE) // MIB) * MIB  # 9 MiB


@bp.post("/webhooks/zammad")
@declare("A Zammad trigger webhook delivery (CONTRACT section 10)", body=webhook.Delivery,
         answers={200: EventAnswer}, security="zammad", tag="webhooks",
         description="Zammad's default payload, signed with the webhook's signature token (see the security "
                     "schemes). `X-Zammad-Delivery` (1-128 printable ASCII characters; Zammad sends a UUID) applies "
                     "a delivery once; `X-Zammad-Trigger` is only a hint. A delivery with nothing to act on is "
                     "answered `status: ignored`.",
         errors=refusals("Zammad", "X-Zammad-Delivery", MAX_BODY))
def zammad_event():
    rt = runtime()
    cfg = rt.config
    if not cfg.zammad_webhook_secret:
        raise NotConfigured("ZAMMAD_WEBHOOK_SECRET is not set, so Zammad webhooks are refused; set it to the "
                            "webhook's signature token (`stickybot zammad setup` sets that token in Zammad)")
    body = read_body(MAX_BODY, "Zammad deliveries")
    try:
        signing.verify_hub(cfg.zammad_webhook_secret, request.headers.get("X-Hub-Signature"), body)
    except signing.SignatureError as exc:
        raise Unauthorized(str(exc), code=ErrorCode.BAD_SIGNATURE) from None
    delivery = delivery_id("X-Zammad-Delivery", "Zammad")
    try:
        snapshot = webhook.read(read_json(body))
    except webhook.Unfit as exc:
        raise Invalid(f"the delivery does not fit Zammad's format: {exc}", details=exc.details) from None
    if snapshot.ticket is None:
        return jsonify(ignored(None, snapshot.reason))
    now = rt.clock.now()
    answer = rt.db.transact(lambda store: zammad.receive(store, snapshot, delivery, cfg.zammad_url, now),
                            shared=True)
    rt.wake_deliverer()
    return jsonify(answer)
