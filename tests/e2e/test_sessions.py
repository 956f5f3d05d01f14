"""Dashboard sessions live on the server: signing out ends them for good, on one browser or on all of them; they
still end after 8 hours and when the admin token changes; the database never holds an id that opens one."""
from __future__ import annotations

from sqlalchemy import text

from bot import create_app
from bot.web.dashboard import session
from tests.conftest import make_config
from tests.e2e.test_dashboard import CSRF, Dashboard, text_of


def settings_of(client) -> dict:
    return client.api("GET", "/api/settings").get_json()


def stored_sessions(app) -> list[tuple]:
    with app.extensions["stickybot"].db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT key, created_at, expires_at FROM dashboard_session"))]


def test_a_cookie_saved_before_signing_out_neither_opens_a_page_nor_changes_a_setting(app, client):
    browser = Dashboard(app.test_client())
    browser.sign_in()
    saved, csrf = browser.cookie(session.SESSION_COOKIE).value, browser.csrf()
    assert browser.submit("/logout").status_code == 303

    thief = Dashboard(app.test_client())
    thief.http.set_cookie(session.SESSION_COOKIE, saved)
    assert thief.get("/").status_code == 302
    r = thief.post("/settings", {"csrf": csrf, "sticky_days": "3"})
    assert r.status_code == 401 and "Your session has ended" in text_of(r)
    assert settings_of(client)["sticky_days"] == 7 and stored_sessions(app) == []


def test_signing_out_everywhere_ends_every_browsers_session(app, client):
    laptop, phone = Dashboard(app.test_client()), Dashboard(app.test_client())
    laptop.sign_in()
    phone.sign_in()
    phones_csrf = phone.csrf()
    assert len(stored_sessions(app)) == 2
    r = laptop.submit("/logout/everywhere")
    assert (r.status_code, r.headers["Location"]) == (303, "/login?out=all")
    assert "signed out everywhere" in laptop.get("/login?out=all").text
    for browser in (laptop, phone):
        assert browser.get("/").status_code == 302
    assert phone.post("/settings", {"csrf": phones_csrf, "sticky_days": "3"}).status_code == 401
    assert stored_sessions(app) == [] and settings_of(client)["sticky_days"] == 7
    assert laptop.sign_in().status_code == 303 and laptop.get("/").status_code == 200  # signing in again works


def test_signing_out_everywhere_needs_the_forms_token(app):
    browser = Dashboard(app.test_client())
    browser.sign_in()
    assert browser.post("/logout/everywhere", {"csrf": "forged"}).status_code == 403
    assert browser.get("/").status_code == 200 and len(stored_sessions(app)) == 1


def test_every_page_offers_sign_out_and_the_overview_sign_out_everywhere(app):
    browser = Dashboard(app.test_client())
    browser.sign_in()
    assert 'action="/logout"' in browser.get("/stats").text
    overview = browser.get("/").text
    assert 'action="/logout/everywhere"' in overview and "Sign out everywhere</button>" in overview


def test_a_session_ends_8_hours_after_sign_in_by_the_servers_clock(app, clock):
    browser = Dashboard(app.test_client())
    browser.sign_in()
    clock.advance(hours=8, seconds=-1)
    assert browser.get("/").status_code == 200
    clock.advance(seconds=1)
    assert browser.get("/").status_code == 302


def test_a_session_from_before_the_admin_token_changed_is_signed_out_though_its_row_is_there(app, db_url):
    browser = Dashboard(app.test_client())
    browser.sign_in()
    other = create_app(make_config(db_url, admin_token="the-new-token-of-at-least-24-characters"))
    http = other.test_client()
    http.set_cookie(session.SESSION_COOKIE, browser.cookie(session.SESSION_COOKIE).value)
    assert http.get("/").status_code == 302 and len(stored_sessions(app)) == 1
    other.extensions["stickybot"].close()


def test_the_database_keeps_only_a_hash_of_the_session_id_and_the_id_is_never_shown(app, caplog):
    browser = Dashboard(app.test_client())
    caplog.set_level("DEBUG")
    browser.sign_in()
    cookie = browser.cookie(session.SESSION_COOKIE).value
    sid = session._signed_id(_Request(cookie), session.signing_key(app.extensions["stickybot"].config.admin_token))
    [(key, _created, _expires)] = stored_sessions(app)
    assert sid and len(key) == 64 and sid not in key
    page = browser.get("/").text
    assert sid not in page and cookie not in page and CSRF.search(page).group(1) != sid
    assert sid not in caplog.text and cookie not in caplog.text


class _Request:
    """Just enough of a request for reading a session cookie."""

    def __init__(self, cookie: str):
        self.cookies = {session.SESSION_COOKIE: cookie}
