"""Signing in to the dashboard: the session cookie, the CSRF token, and the limit on wrong tokens.

The admin token itself is never stored, shown or logged. The cookie carries a random session id signed with a
key derived from the token (HMAC), so changing STICKY_ADMIN_TOKEN signs every browser out. The CSRF token of a
session is an HMAC of its id under that key: nothing to store, and no other session's token fits.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque

from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Request, Response

SESSION_COOKIE = "stickybot_session"
LOGIN_COOKIE = "stickybot_login"   # the sign-in form's own CSRF nonce (double submit), before any session
SESSION_S = 8 * 3600               # a session lasts a working day, then the token is asked again
LOGIN_FORM_S = 3600


def signing_key(admin_token: str) -> bytes:
    return hmac.new(admin_token.encode(), b"stickybot dashboard session v1", hashlib.sha256).digest()


def token_matches(offered: str, admin_token: str) -> bool:
    """Constant time whatever the offered text, its length included: digests of both are compared."""
    digest = lambda text: hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return hmac.compare_digest(digest(offered), digest(admin_token))


def _serializer(key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="stickybot-dashboard-session")


def new_session(key: bytes) -> str:
    """A fresh cookie value: a random session id, signed and dated."""
    return _serializer(key).dumps({"sid": secrets.token_urlsafe(18)})


def session_id(request: Request, key: bytes) -> str | None:
    """The id of the request's session, if its cookie is signed with this key and not older than SESSION_S."""
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 512:
        return None
    try:
        data = _serializer(key).loads(raw, max_age=SESSION_S)
    except BadSignature:  # forged, from another token, or expired (SignatureExpired is a BadSignature)
        return None
    sid = data.get("sid") if isinstance(data, dict) else None
    return sid if isinstance(sid, str) and sid else None


def csrf_token(key: bytes, sid: str) -> str:
    return hmac.new(key, b"csrf:" + sid.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: bytes, sid: str, offered: str | None) -> bool:
    return bool(offered) and hmac.compare_digest(offered.encode("utf-8", "surrogatepass"),
                                                 csrf_token(key, sid).encode())


def set_cookie(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    """HttpOnly, SameSite=Strict, with an expiry; Secure when the page came over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, expires=int(time.time()) + max_age, path="/",
                        secure=secure, httponly=True, samesite="Strict")


def drop_cookie(response: Response, name: str, secure: bool) -> None:
    response.set_cookie(name, "", max_age=0, expires=0, path="/", secure=secure, httponly=True, samesite="Strict")


def came_over_https(request: Request) -> bool:
    """HTTPS here, or at the proxy in front (the header can only make the cookie stricter)."""
    return request.is_secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


class WrongTokens:
    """At most `limit` wrong tokens per client address in any `window_s`; past that every sign-in from that
    address is refused until the oldest of them is out of the window. Kept in this process's memory (each
    server process counts on its own), for at most `addresses` addresses."""

    def __init__(self, limit: int = 5, window_s: float = 900.0, addresses: int = 10_000, clock=time.monotonic):
        self.limit, self.window_s, self.addresses, self.clock = limit, window_s, addresses, clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_s(self, address: str) -> int:
        """Seconds until this address may try again (0: now)."""
        with self._lock:
            recent = self._recent(address)
            if len(recent) < self.limit:
                return 0
            return max(1, int(recent[0] + self.window_s - self.clock()) + 1)

    def failed(self, address: str) -> None:
        with self._lock:
            recent = self._recent(address)
            recent.append(self.clock())
            self._failures[address] = recent
            self._failures.move_to_end(address)
            while len(self._failures) > self.addresses:
                self._failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)

    def _recent(self, address: str) -> deque[float]:
        recent = self._failures.get(address) or deque()
        cutoff = self.clock() - self.window_s
        while recent and recent[0] <= cutoff:
            recent.popleft()
        return recent
