"""Sign in with the admin token, sign out, sign out everywhere."""
from __future__ import annotations

import hmac
import logging
import secrets

from flask import g, make_response, redirect, request, url_for

from ...runtime import runtime
from .. import admin_token
from . import session
from .base import bp, key, not_configured, now, page

log = logging.getLogger(__name__)
SIGNED_OUT = {"1": "You are signed out.",
              "all": "You are signed out everywhere: every browser has to sign in again."}


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
    if session.session_id(request, signing, runtime().db, now()):
        return redirect(url_for("dashboard.overview"))
    return _login_page(notice=SIGNED_OUT.get(request.args.get("out", "")))


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
    offered = request.form.get("token", "")
    if admin_token.matches(offered, token):  # the right token always signs in, however many wrong ones came
        return _signed_in()
    wait = admin_token.wrong_token(request.remote_addr) if offered else 0
    if wait:
        minutes = (wait + 59) // 60
        return _login_page(429, retry_after=wait, error=f"Too many wrong tokens from your address: another "
                                                        f"wrong one can be tried in {minutes} minute"
                                                        f"{'s' if minutes != 1 else ''}. The right token still "
                                                        "signs in.")
    return _login_page(401, error="That is not the admin token (STICKY_ADMIN_TOKEN).")


def _signed_in():
    response = redirect(url_for("dashboard.overview"), code=303)
    secure = session.came_over_https(request)
    cookie = session.open_session(runtime().db, now(), key())
    session.set_cookie(response, session.SESSION_COOKIE, cookie, session.SESSION_S, secure)
    session.drop_cookie(response, session.LOGIN_COOKIE, secure)
    return response


@bp.post("/logout")
def logout():
    session.close_session(runtime().db, g.dashboard_session)
    return _signed_out("1")


@bp.post("/logout/everywhere")
def logout_everywhere():
    ended = session.close_every_session(runtime().db)
    log.info("dashboard: signed out everywhere (%d sessions ended)", ended)
    return _signed_out("all")


def _signed_out(how: str):
    response = redirect(url_for("dashboard.login_form", out=how), code=303)
    session.drop_cookie(response, session.SESSION_COOKIE, session.came_over_https(request))
    return response
