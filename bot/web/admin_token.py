"""The admin token wherever it is taken (the admin API's bearer token, the dashboard's sign-in): one comparison,
and one limit on wrong guesses per client (bot.service.access), counted in the database so that every process
shares it.

- The right token is always accepted, from any address, however many wrong ones came from there: behind a proxy
  stickybot does not trust every client has the proxy's address, and nobody's guesses may lock the owner out.
- A client is an IPv4 address, or an IPv6 /64 (what one host is usually given). Past its limit, its wrong tokens
  are answered 429 with Retry-After until its window is over.
- Sending no token at all is not a guess, and is not counted.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress

from flask import request

from ..errors import ErrorCode, NotConfigured, StickyError, Unauthorized
from ..runtime import runtime
from ..service import access

CLIENT_MAX = 64  # the stored column's length


class TooManyWrongTokens(StickyError):
    status, code = 429, ErrorCode.TOO_MANY_WRONG_TOKENS

    def __init__(self, wait_s: int):
        super().__init__(f"too many wrong admin tokens from your address: the next wrong one is refused for "
                         f"{wait_s} s (the right token is accepted)")
        self.headers = {"Retry-After": str(wait_s)}


def matches(offered: str, admin_token: str) -> bool:
    """Constant time whatever the offered text, its length included: digests of both are compared."""
    digest = lambda text: hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()  # noqa: E731
    return hmac.compare_digest(digest(offered), digest(admin_token))


def client_of(address: str | None) -> str:
    """Whom wrong tokens are counted for: an IPv4 address, or the /64 an IPv6 address is in (a host can take
    any address of its /64); anything else (a Unix socket's peer) as it is."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return (address or "unknown")[:CLIENT_MAX]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def wrong_token(address: str | None) -> int:
    """Count a wrong token from `address`: the seconds until another may be tried (0: answer 401 now)."""
    rt = runtime()
    return access.wrong_token(rt.db, client_of(address), rt.clock.now())


def require_bearer() -> None:
    """The admin API's door: the right bearer token passes; anything else is 401, or 429 once its client has
    guessed too often."""
    token = runtime().config.admin_token
    if not token:
        raise NotConfigured("STICKY_ADMIN_TOKEN is not set, so the admin API refuses every request; set it first")
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and matches(value, token):
        return
    wait_s = wrong_token(request.remote_addr) if value else 0
    if wait_s:
        raise TooManyWrongTokens(wait_s)
    raise Unauthorized("send Authorization: Bearer <STICKY_ADMIN_TOKEN>")
