"""The dashboard's door: signing in, the session cookie, CSRF on every form, the limit on wrong tokens, the
security headers, and escaping of everything that comes from outside (Flask's test client; the same pages in
a real browser are in tests/browser/)."""
from __future__ import annotations

import json
import re
import time
from html import unescape
from pathlib import Path
from urllib.parse import quote

import pytest

from bot import create_app
from bot.web.dashboard import session
from bot.models import Conversation as ConversationRow
from tests.conftest import ADMIN_TOKEN, event_body, make_config, orm

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


class Dashboard:
    """A browser's view of the dashboard over Flask's test client: cookies kept, forms posted with their token."""

    def __init__(self, http, address: str = "127.0.0.1"):
        self.http = http
        self.env = {"REMOTE_ADDR": address}

    def get(self, path: str, **kw):
        return self.http.get(path, environ_base=self.env, **kw)

    def post(self, path: str, data: dict, **kw):
        return self.http.post(path, data=data, environ_base=self.env, **kw)

    def sign_in(self, token: str = ADMIN_TOKEN):
        form = self.get("/login")
        return self.post("/login", {"csrf": CSRF.search(form.text).group(1), "token": token})

    def csrf(self) -> str:
        return CSRF.search(self.get("/").text).group(1)

    def submit(self, path: str, **fields):
        """A form of the dashboard, posted as the page would: with the session's CSRF token."""
        return self.post(path, {"csrf": self.csrf(), **fields})

    def cookie(self, name: str):
        return self.http.get_cookie(name)


@pytest.fixture
def dash(app) -> Dashboard:
    return Dashboard(app.test_client())


@pytest.fixture
def signed_in(dash) -> Dashboard:
    assert dash.sign_in().status_code == 303
    return dash


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]


def text_of(response) -> str:
    """The page's text, tags dropped and entities read, for checking what a person sees."""
    spaced = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))
    return re.sub(r" ([,.:;)])", r"\1", spaced)


def test_every_page_sends_a_signed_out_browser_to_the_sign_in_form(dash):
    for path in ("/", "/stats", "/audit", "/customers/cust_42", "/conversations/conv_1"):
        r = dash.get(path)
        assert (r.status_code, r.headers["Location"]) == (302, "/login"), path
    page = dash.get("/login")
    assert page.status_code == 200 and 'type="password"' in page.text


def test_the_right_token_opens_a_session_cookie_that_is_httponly_strict_and_expires(dash):
    r = dash.sign_in()
    assert (r.status_code, r.headers["Location"]) == (303, "/")
    [header] = set_cookie_headers(r, session.SESSION_COOKIE)
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")}
    assert "httponly" in flags and flags["samesite"] == "SameSite=Strict" and flags["path"] == "Path=/"
    assert flags["max-age"] == f"Max-Age={session.SESSION_S}" and "expires" in flags
    assert ADMIN_TOKEN not in header
    overview = dash.get("/")
    assert overview.status_code == 200 and "<h1>Overview</h1>" in overview.text
    assert ADMIN_TOKEN not in overview.text


def test_the_session_cookie_is_secure_when_the_page_came_over_https_here_or_at_the_proxy(app):
    for headers, base, secure in (({}, "http://localhost", False), ({}, "https://localhost", True),
                                  ({"X-Forwarded-Proto": "https"}, "http://localhost", True)):
        http = app.test_client()
        form = http.get("/login", base_url=base, headers=headers)
        r = http.post("/login", base_url=base, headers=headers,
                      data={"csrf": CSRF.search(form.text).group(1), "token": ADMIN_TOKEN})
        [header] = set_cookie_headers(r, session.SESSION_COOKIE)
        assert ("; Secure" in header) is secure, (headers, base)


def test_a_wrong_token_is_refused_and_opens_no_session(dash):
    r = dash.sign_in("not-the-token")
    assert r.status_code == 401 and "not the admin token" in r.text
    assert set_cookie_headers(r, session.SESSION_COOKIE) == []
    assert dash.get("/").status_code == 302


def test_the_sign_in_form_needs_its_own_token(dash):
    dash.get("/login")
    r = dash.post("/login", {"token": ADMIN_TOKEN})
    assert r.status_code == 403 and set_cookie_headers(r, session.SESSION_COOKIE) == []


def test_a_session_from_before_the_admin_token_changed_is_signed_out(db_url, signed_in):
    other = create_app(make_config(db_url, admin_token="the-new-token"))
    http = other.test_client()
    http.set_cookie(session.SESSION_COOKIE, signed_in.cookie(session.SESSION_COOKIE).value)
    assert http.get("/").status_code == 302
    other.extensions["stickybot"].close()


def test_a_session_cookie_older_than_8_hours_or_tampered_with_is_signed_out(signed_in, monkeypatch):
    saved = signed_in.cookie(session.SESSION_COOKIE).value
    monkeypatch.setattr(time, "time", lambda: 10**10)  # the cookie's own signed date is SESSION_S old
    assert signed_in.get("/").status_code == 302
    monkeypatch.undo()
    assert signed_in.get("/").status_code == 200
    signed_in.http.set_cookie(session.SESSION_COOKIE, saved[:-2] + ("AA" if not saved.endswith("AA") else "BB"))
    assert signed_in.get("/").status_code == 302


def test_signing_out_drops_the_session(signed_in):
    r = signed_in.submit("/logout")
    assert (r.status_code, r.headers["Location"]) == (303, "/login?out=1")
    assert signed_in.cookie(session.SESSION_COOKIE) is None
    assert signed_in.get("/").status_code == 302
    assert "You are signed out" in signed_in.get("/login?out=1").text


@pytest.mark.parametrize("token", [None, "", "0" * 64, "forged"])
def test_a_form_post_without_the_right_csrf_token_is_refused_and_changes_nothing(signed_in, client, token):
    fields = {"sticky_days": "3"} if token is None else {"sticky_days": "3", "csrf": token}
    r = signed_in.post("/settings", fields)
    assert r.status_code == 403 and "Nothing was changed" in text_of(r)
    assert client.api("GET", "/api/settings").get_json()["sticky_days"] == 7
    assert client.api("GET", "/api/audit").get_json()["items"] == []


def test_a_csrf_token_of_another_session_does_not_fit(app, signed_in, client):
    other = Dashboard(app.test_client())
    other.sign_in()
    r = signed_in.post("/settings", {"csrf": other.csrf(), "sticky_days": "3"})
    assert r.status_code == 403 and client.api("GET", "/api/settings").get_json()["sticky_days"] == 7


def test_a_signed_out_form_post_is_refused_and_changes_nothing(dash, client):
    r = dash.post("/settings", {"sticky_days": "3"})
    assert r.status_code == 401 and client.api("GET", "/api/settings").get_json()["sticky_days"] == 7


def test_dashboard_pages_carry_the_security_headers_and_are_never_cached(dash, signed_in):
    for path in ("/login", "/", "/stats", "/audit", "/customers/c", "/conversations/none"):
        r = signed_in.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert "script-src" not in csp  # no script at all
        assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Cache-Control"] == "no-store"
        assert r.headers["Referrer-Policy"] == "no-referrer" and r.headers["X-Content-Type-Options"] == "nosniff"
    css = signed_in.get("/static/dashboard.css")
    assert css.status_code == 200 and css.mimetype == "text/css" and "no-store" not in css.headers.get("Cache-Control", "")


def test_without_an_admin_token_the_dashboard_refuses_every_sign_in_and_says_why(db_url):
    app = create_app(make_config(db_url, admin_token=None))
    dash = Dashboard(app.test_client())
    for r in (dash.get("/login"), dash.get("/"), dash.post("/login", {"token": ""})):
        assert r.status_code == 503 and "STICKY_ADMIN_TOKEN is not set" in r.text
    app.extensions["stickybot"].close()


def test_outside_strings_are_escaped_on_every_page(signed_in, client):
    hostile = '<script>alert(1)</script>"\'&'
    client.agent(hostile, status="away")
    client.team("t<i>")
    client.agent("bob", "t<i>", status="away")
    body = event_body(conversation=hostile, customer=hostile, team="t<i>")
    body["conversation"]["url"] = 'https://help.example.com/c/"><script>alert(2)</script>'
    assert client.signed(json.dumps(body).encode()).get_json()["status"] == "unassigned"
    assert client.api("PUT", f"/api/customers/{quote(hostile, safe='')}/blocks/bob").status_code == 201
    pages = [signed_in.get("/"), signed_in.get("/audit"), signed_in.get(f"/customers/{quote(hostile, safe='')}"),
             signed_in.get(f"/conversations/{quote(hostile, safe='')}")]
    for r in pages:
        assert r.status_code == 200
        assert "<script>" not in r.text and "<i>" not in r.text and "&lt;script&gt;" in r.text
    assert 'href="https://help.example.com/c/&#34;&gt;&lt;script&gt;' in pages[3].text


def test_a_conversation_address_that_is_not_a_web_address_is_shown_as_text_never_as_a_link(app, signed_in, client):
    client.event(conversation="c1")
    with orm(app.extensions["stickybot"].db) as s:  # stored before addresses were checked on the way in
        s.get(ConversationRow, "c1").url = "javascript:alert(1)"
    page = signed_in.get("/conversations/c1")
    assert "javascript:alert(1)" in page.text and 'href="javascript:' not in page.text


@pytest.mark.parametrize("path", ["/customers/a%00b", "/conversations/a%00b", "/customers?id=a%00b",
                                  "/conversations?id=", "/customers?id=" + "x" * 201, "/audit?before=x",
                                  "/stats?days=%00"])
def test_bad_ids_and_parameters_get_a_page_that_says_what_to_fix_never_a_500(signed_in, path):
    r = signed_in.get(path)
    assert r.status_code == 422 and "text/html" in r.content_type


def test_every_template_and_static_file_is_in_the_installed_package():
    """`pip install .` (not only an editable install) must carry the pages: pyproject's package data."""
    import tomllib
    from fnmatch import fnmatch
    from pathlib import PurePosixPath

    root = Path(__file__).resolve().parents[2]
    setup = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "bot.web.dashboard" in setup["packages"]
    globs = [PurePosixPath(g) for g in setup["package-data"]["bot"]]
    files = [PurePosixPath(p.relative_to(root / "bot").as_posix())
             for folder in ("templates", "static") for p in (root / "bot" / folder).rglob("*") if p.is_file()]
    assert files and [f for f in files if not any(f.parent == g.parent and fnmatch(f.name, g.name)
                                                  for g in globs)] == []
