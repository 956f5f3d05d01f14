"""Slack's requests, checked before anything reads them.

In order: the size (at most MAX_BODY, chunked bodies included), Slack's signature (slack_sdk's own
SignatureVerifier, after guarding the header values it cannot take), then whether the body is one bolt can read
(a form, a form with a JSON `payload`, or a JSON object). Only then does bolt see the request, with its own
verification off: it would parse the body first, and log every refused body in full.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs

from flask import Request
from slack_bolt.request import BoltRequest
from slack_bolt.request import payload_utils
from slack_sdk.signature import Clock, SignatureVerifier

from ..errors import ErrorCode, StickyError, Unauthorized

MAX_BODY = 1024 * 1024  # the app's own limit: Slack's interactive payloads carry whole messages and views
TOLERANCE_S = 60 * 5  # slack_sdk's window, checked here too so a stale request gets its own message
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def is_ssl_check(request: Request, body: bytes) -> bool:
    """Slack's unsigned certificate check (`ssl_check=1`, no signature headers), which it expects a 200 for."""
    if "X-Slack-Signature" in request.headers or len(body) > 256:
        return False
    try:
        fields = parse_qs(body.decode("ascii"), max_num_fields=4, strict_parsing=True)
    except ValueError:  # not ASCII, more fields, or not a form
        return False
    return fields.get("ssl_check") == ["1"]


def signed_text(secret: str, request: Request, body: bytes, clock: Clock = Clock()) -> str:
    """The body as text once Slack's signature over it holds; Unauthorized with the reason otherwise."""
    stamp = (request.headers.get("X-Slack-Request-Timestamp") or "").strip()
    signature = (request.headers.get("X-Slack-Signature") or "").strip()
    if not stamp or not signature:
        missing = "X-Slack-Signature" if not signature else "X-Slack-Request-Timestamp"
        raise Unauthorized(f"missing {missing} header: Slack signs every request it sends",
                           code=ErrorCode.BAD_SIGNATURE)
    if not _UNIX_SECONDS.fullmatch(stamp):
        raise Unauthorized("X-Slack-Request-Timestamp must be unix seconds (digits only)",
                           code=ErrorCode.BAD_SIGNATURE)
    if abs(clock.now() - int(stamp)) > TOLERANCE_S:
        raise Unauthorized(f"X-Slack-Request-Timestamp is more than {TOLERANCE_S} s away from the server's clock",
                           code=ErrorCode.STALE_TIMESTAMP)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unauthorized("the body is not UTF-8 text, so Slack did not sign it",
                           code=ErrorCode.BAD_SIGNATURE) from None
    # the verifier compares text with hmac.compare_digest, which raises on anything but ASCII
    if not signature.isascii() or not SignatureVerifier(secret, clock).is_valid(text, stamp, signature):
        raise Unauthorized("X-Slack-Signature does not match the body; check SLACK_SIGNING_SECRET",
                           code=ErrorCode.BAD_SIGNATURE)
    return text


# What bolt hands every listener, middleware and error handler (slack_bolt.kwargs_injection): each must be an
# object or absent, or bolt fails before any of our code runs, and again in its own error handler.
_PARTS = (payload_utils.to_options, payload_utils.to_shortcut, payload_utils.to_action, payload_utils.to_view,
          payload_utils.to_command, payload_utils.to_event, payload_utils.to_message, payload_utils.to_step)


def bolt_request(request: Request, text: str) -> BoltRequest:
    """The verified body as bolt's request; 400 when bolt could not read it (it would answer 500)."""
    query = request.query_string.decode("utf-8", "replace")
    try:
        parsed = BoltRequest(body=text, query=query, headers=request.headers)
        readable = isinstance(parsed.body, dict) and all(
            isinstance(part(parsed.body), (dict, type(None))) for part in _PARTS)
    except Exception:  # bolt's reading: bad JSON, a list where it wants an object, deep nesting, a wrong type
        readable = False
    if not readable:
        raise StickyError("the body is not a Slack request bolt can read: send a form, a form with a JSON "
                          "payload field, or a JSON object in Slack's shapes", code=ErrorCode.BAD_REQUEST)
    return parsed
