"""Sign in with the admin token, sign out."""
from __future__ import annotations

import hmac
import secrets

from flask import make_response, redirect, request, url_for

from ...runtime import runtime
from . import session
from .base import bp, key, not_configured, page, wrong_tokens


def _login_page(status: int = 200, error: str | None = None, notice: str | None = None, retry_after: int = 0):
    """The sign-in form, with a fresh nonce in the form and in a cookie (the form's CSRF token)."""
    nonce = secrets.token_urlsafe(18)
    html, status = page("login.html", status, login_nonce=nonce, error=error, notice=notice)
    response = make_response(html, status)
    secure = session.came_over_https(request)
    session.set_cookie(response, session.LOGIN_COOKIE, nonce, session.LOGIN_FORM_S, secure)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/login")
def login_form():
    signing = key()
    if signing is None:
        return not_configured()
    if session.session_id(request, signing):
        return redirect(url_for("dashboard.overview"))
    notice = "You are signed out." if request.args.get("out") == "1" else None
    return _login_page(notice=notice)


@bp.post("/login")
def login():
    token = runtime().config.admin_token
    if not token:
        return not_configured()
    cookie = request.cookies.get(session.LOGIN_COOKIE, "")
    offered_nonce = request.form.get("csrf", "")
    if not cookie or not hmac.compare_digest(cookie.encode("utf-8", "surrogatepass"),
                                             offered_nonce.encode("utf-8", "surrogatepass")):
        return _login_page(403, error="This sign-in form was out of date; it has been renewed. Enter the token "
                                      "again.")
    address = request.remote_addr or "unknown"
    wait = wrong_tokens().wait_s(address)
    if wait:
        minutes = (wait + 59) // 60
        return _login_page(429, retry_after=wait, error=f"Too many wrong tokens from your address. Try again in "
                                                        f"{minutes} minute{'s' if minutes != 1 else ''}.")
    if not session.token_matches(request.form.get("token", ""), token):
        wrong_tokens().failed(address)
        return _login_page(401, error="That is not the admin token (STICKY_ADMIN_TOKEN).")
    wrong_tokens().succeeded(address)
    response = redirect(url_for("dashboard.overview"), code=303)
    secure = session.came_over_https(request)
    session.set_cookie(response, session.SESSION_COOKIE, session.new_session(key()), session.SESSION_S, secure)
    session.drop_cookie(response, session.LOGIN_COOKIE, secure)
    return response


@bp.post("/logout")
def logout():
    response = redirect(url_for("dashboard.login_form", out=1), code=303)
    session.drop_cookie(response, session.SESSION_COOKIE, session.came_over_https(request))
    return response
