"""The dashboard's sessions and its CSRF tokens.

A session lives on the server: signing in stores a row (under the SHA-256 of a random session id, so the
database never holds an id that opens anything), and the cookie carries the id, signed with a key derived from
the admin token (HMAC). A request's session is open while its cookie is signed with today's key, is at most
SESSION_S old, and its row exists and has not expired. Signing out deletes the row; signing out everywhere
deletes them all; changing STICKY_ADMIN_TOKEN changes the key and so ends every session. The CSRF token of a
session is an HMAC of its id under that key: nothing more to store, and no other session's token fits.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from ...db import Database

SESSION_COOKIE = "stickybot_session"
LOGIN_COOKIE = "stickybot_login"   # the sign-in form's own CSRF nonce (double submit), before any session
SESSION_S = 8 * 3600               # a session lasts a working day, then the token is asked again
LOGIN_FORM_S = 3600


def signing_key(admin_token: str) -> bytes:
    return hmac.new(admin_token.encode(), b"stickybot dashboard session v1", hashlib.sha256).digest()


def _serializer(key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="stickybot-dashboard-session")


def _stored(sid: str) -> str:
    """What the database keeps of a session id: its SHA-256."""
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(db: Database, now: datetime, key: bytes) -> str:
    """A new session, stored until SESSION_S from `now`: its cookie's value (a random id, signed and dated)."""
    sid = secrets.token_urlsafe(32)
    db.transact(lambda store: store.open_session(_stored(sid), now, now + timedelta(seconds=SESSION_S)))
    return _serializer(key).dumps({"sid": sid})


def session_id(request: Request, key: bytes, db: Database, now: datetime) -> str | None:
    """The id of the request's session, if it is open (see above)."""
    sid = _signed_id(request, key)
    if sid is None or not db.read(lambda store: store.session_open(_stored(sid), now)):
        return None
    return sid


def close_session(db: Database, sid: str) -> None:
    db.transact(lambda store: store.close_session(_stored(sid)))


def close_every_session(db: Database) -> int:
    return db.transact(lambda store: store.close_sessions())


def _signed_id(request: Request, key: bytes) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw or len(raw) > 512:
        return None
    try:
        data = _serializer(key).loads(raw, max_age=SESSION_S)
    except BadSignature:  # forged, from another token, or expired (SignatureExpired is a BadSignature)
        return None
    sid = data.get("sid") if isinstance(data, dict) else None
    return sid if isinstance(sid, str) and 0 < len(sid) <= 128 else None


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
