"""Webhook signatures: HMAC-SHA256 over "{timestamp}.{raw body}" with a freshness window (the widget, Chatwoot),
and Zammad's X-Hub-Signature, HMAC-SHA1 over the raw body alone."""
from __future__ import annotations

import hashlib
import hmac
import re

TOLERANCE_S = 300
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() also takes "+1", "1_0" and other scripts' digits


class SignatureError(Exception):
    def __init__(self, message: str, stale: bool = False):
        super().__init__(message)
        self.stale = stale


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float,
           prefix: str, timestamp_header: str, signature_header: str) -> None:
    """Raise SignatureError unless one of the `{prefix}=<hex>` values in `signature` signs `body` at `timestamp`."""
    if not timestamp or not signature:
        missing = signature_header if not signature else timestamp_header
        raise SignatureError(f"missing {missing} header; sign each request as the README describes")
    if not _UNIX_SECONDS.fullmatch(timestamp.strip()):
        raise SignatureError(f"{timestamp_header} must be unix seconds (digits only)")
    stamp = int(timestamp.strip())
    if abs(now - stamp) > TOLERANCE_S:
        raise SignatureError(
            f"{timestamp_header} is more than {TOLERANCE_S} s away from the server's clock; "
            "sign with the current time (and check the sender's clock)", stale=True)
    expected = sign(secret, stamp, body)
    offered = [part.strip()[len(prefix) + 1:] for part in signature.replace(" ", ",").split(",")
               if part.strip().startswith(prefix + "=")]
    # compare_digest refuses non-ASCII text; such a value can never be our hex anyway
    if not any(value.isascii() and hmac.compare_digest(expected, value) for value in offered):
        raise SignatureError(f"{signature_header} does not match the body; sign \"{{timestamp}}.{{raw body}}\" "
                             f"with HMAC-SHA256 and send it as {prefix}=<hex>")


def verify_hub(secret: str, signature: str | None, body: bytes) -> None:
    """Raise SignatureError unless `signature` is `sha1=<hex HMAC-SHA1 of body>` (an X-Hub-Signature, as Zammad
    sends it: no timestamp). Compared in constant time over the raw bytes."""
    if not signature:
        raise SignatureError("missing X-Hub-Signature header; set the webhook's signature token in Zammad to "
                             "ZAMMAD_WEBHOOK_SECRET")
    prefix, _, offered = signature.strip().partition("=")
    expected = hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    if prefix != "sha1" or not offered.isascii() or not hmac.compare_digest(expected, offered.lower()):
        raise SignatureError("X-Hub-Signature does not match the body; it must be sha1=<hex HMAC-SHA1 of the raw "
                             "body> with the webhook's signature token")
