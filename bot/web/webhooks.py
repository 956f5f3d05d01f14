"""POST /webhooks/widget: our own signed event format."""
from __future__ import annotations

import time

from flask import Blueprint, jsonify, request

from integrations import signing, widget

from ..errors import ErrorCode, Invalid, NotConfigured, StickyError, Unauthorized
from ..runtime import runtime
from ..service import events
from .answers import EventAnswer
from .declare import declare
from .errors import size_in_words, too_large

bp = Blueprint("webhooks", __name__)


def read_body(limit: int, what: str) -> bytes:
    """The raw body, before anything checks or parses it; 413 (naming `what` and its limit) past `limit` bytes.

    A declared Content-Length over the limit is refused unread. A body without one (chunked) is read to one byte
    past the limit and no further, so an endless stream costs at most `limit + 1` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit, what)
    request.max_content_length = limit + 1
    body = request.get_data(cache=True)
    if len(body) > limit:
        raise too_large(limit, what)
    return body


@bp.post("/webhooks/widget")
@declare("A chat channel's event (CONTRACT section 3)", body=widget.WidgetEvent, answers={200: EventAnswer},
         security="widget", tag="webhooks",
         description="Signed with HMAC-SHA256 (see the security schemes). The same event id again gets the "
                     "first answer with `duplicate: true`. `conversation.created` and `.reopened` need `customer`, "
                     "`.assigned` needs `agent`. An event about a conversation stickybot never saw is answered "
                     "`status: ignored`.",
         errors={413: f"The body is over {size_in_words(widget.MAX_BODY)}.",
                 422: "The event does not fit the schema (`details` names each field)."})
def widget_event():
    rt = runtime()
    secret = rt.config.webhook_secret
    if not secret:
        raise NotConfigured("STICKY_WEBHOOK_SECRET is not set, so the widget webhook refuses every request; "
                            "set it and sign events with it")
    body = read_body(widget.MAX_BODY, "widget events")
    try:
        signing.verify(secret, request.headers.get("X-Sticky-Timestamp"), request.headers.get("X-Sticky-Signature"),
                       body, time.time(), "v1", "X-Sticky-Timestamp", "X-Sticky-Signature")
    except signing.SignatureError as exc:
        raise Unauthorized(str(exc), code=ErrorCode.STALE_TIMESTAMP if exc.stale else ErrorCode.BAD_SIGNATURE) from None
    try:
        event = widget.parse(body)
    except widget.SchemaError as exc:
        raise Invalid(str(exc), details=exc.details) from None
    except ValueError as exc:
        raise StickyError(str(exc), code=ErrorCode.INVALID_JSON) from None
    answer = rt.db.transact(lambda store: events.handle(store, event), shared=True)
    rt.wake_deliverer()
    return jsonify(answer)
