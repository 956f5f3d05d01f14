"""HMAC-SHA256 webhook signatures over "{timestamp}.{raw body}", with a freshness window."""
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
