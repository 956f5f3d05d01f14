"""The dashboard's blueprint and what every page shares: the sign-in guard, the CSRF check on every form
post, the security headers, HTML error pages, and the calls into the use-cases (the admin API's own).

Changes go through the same use-cases as /api, audited as `dashboard`."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, g, redirect, render_template, request, url_for
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ...errors import StickyError
from ...runtime import runtime
from ...service.audit import By
from ..params import check_path_ids
from . import session

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parents[2] / "static"
bp = Blueprint("dashboard", __name__, static_folder=str(STATIC), static_url_path="/static")

PUBLIC = frozenset({"dashboard.login_form", "dashboard.login", "dashboard.static", "dashboard.api_reference"})
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
ID_MAX = 200


def key() -> bytes | None:
    token = runtime().config.admin_token
    return session.signing_key(token) if token else None


@bp.before_request
def _guard():
    if request.endpoint in PUBLIC:
        return None
    signing = key()
    if signing is None:
        return not_configured()
    sid = session.session_id(request, signing, runtime().db, now())
    if sid is None:
        if request.method in ("GET", "HEAD"):
            return redirect(url_for("dashboard.login_form"))
        return page("error.html", 401, title="Signed out",
                    message="Your session has ended: sign in again, then repeat what you were doing.")
    g.dashboard_session = sid
    g.dashboard_csrf = session.csrf_token(signing, sid)
    if request.method == "POST" and not session.csrf_ok(signing, sid, request.form.get("csrf")):
        return page("error.html", 403, title="Form refused",
                    message="This form did not come from your open dashboard (its security token is missing or "
                            "out of date). Nothing was changed: go back, reload the page and try again.")
    _check_ids(request.view_args or {})
    return None


def _check_ids(values: dict) -> None:
    """Ids in the path: as long as the same ids in events and the API, UTF-8, without NUL."""
    check_path_ids(values)


def check_id(value: str, what: str) -> str:
    """An id typed or taken from the address: no NUL (no database stores it), at most ID_MAX characters."""
    if "\x00" in value or not value or len(value) > ID_MAX:
        raise StickyError(f"the {what} must be 1-{ID_MAX} characters, without NUL", status=422)
    return value


def not_configured():
    return page("error.html", 503, title="Dashboard not configured",
                message="STICKY_ADMIN_TOKEN is not set, so the dashboard refuses every sign-in. Set it and "
                        "restart stickybot.")


@bp.after_request
def _headers(response):
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.endpoint != "dashboard.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(StickyError)
def _sticky(exc: StickyError):
    return page("error.html", exc.status, title="Not possible", message=exc.message, details=exc.details)


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    if exc.code == 413:
        return page("error.html", 413, title="Too large", message="That form was too large to read.")
    return page("error.html", exc.code or 400, title=exc.name, message="The request could not be read.")


@bp.errorhandler(OperationalError)
@bp.errorhandler(InterfaceError)
def _database(exc: Exception):
    log.warning("database unavailable: %s", type(exc).__name__)
    return page("error.html", 503, title="Database unavailable",
                message="The database cannot be reached right now; nothing was changed. Try again shortly.")


def page(template: str, status: int = 200, **context):
    """A dashboard page; every form on it gets the session's CSRF token."""
    context.setdefault("notice", None)
    return render_template(f"dashboard/{template}", csrf=g.get("dashboard_csrf"), **context), status


def by() -> By:
    return By("dashboard", now())


def now():
    return runtime().clock.now()


def read(work):
    """A page's reads, in one transaction that waits its turn: pages read the database one at a time across
    every server process, so that however many are loaded at once, webhooks keep the rest of the database's
    time (bot.asgi also gives pages threads of their own, at a lower priority)."""
    def in_turn(store):
        store.one_at_a_time("dashboard pages")
        return work(store)
    return runtime().db.read(in_turn)


def write(work):
    rt = runtime()
    result = rt.db.transact(work)
    rt.wake_deliverer()
    return result

