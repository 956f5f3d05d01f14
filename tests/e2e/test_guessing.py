"""Guessing the admin token is slowed on every surface that takes it, counted in the database for every process,
and never locks the owner out; the client's address comes from X-Forwarded-For only behind trusted proxies."""
from __future__ import annotations

import ipaddress
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot import create_app
from bot.config import Config, ConfigError
from bot.web import admin_token
from bot.web.dashboard import session
from tests.conftest import ADMIN_TOKEN, make_config
from tests.e2e.test_dashboard import CSRF, Dashboard, set_cookie_headers

MALLORY, OWNER = "203.0.113.7", "198.51.100.2"
PROXY = "10.0.0.1"


def bearer(app, token: str, address: str = MALLORY, headers: dict | None = None):
    sent = {"Authorization": f"Bearer {token}", **(headers or {})}
    return app.test_client().get("/api/settings", headers=sent, environ_base={"REMOTE_ADDR": address})


def guess(app, times: int, address: str = MALLORY, headers: dict | None = None) -> list[int]:
    return [bearer(app, f"guess-{n}", address, headers).status_code for n in range(times)]


def test_wrong_bearer_tokens_are_slowed_with_429_and_retry_after_while_the_right_token_is_still_accepted(app):
    assert guess(app, 5) == [401] * 5
    slowed = bearer(app, "guess-6")
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == str(15 * 60)
    assert slowed.get_json()["error"] == "too_many_wrong_tokens" and "guess-6" not in slowed.get_data(as_text=True)
    assert guess(app, 50) == [429] * 50
    assert bearer(app, ADMIN_TOKEN).status_code == 200  # the owner, from the same address
    assert guess(app, 1, OWNER) == [401]  # another address is not slowed


def test_the_slowing_ends_when_the_window_that_began_with_the_first_wrong_token_is_over(app, clock):
    guess(app, 1)
    clock.advance(minutes=10)
    assert guess(app, 5) == [401] * 4 + [429]
    assert bearer(app, "again").headers["Retry-After"] == str(5 * 60)
    clock.advance(minutes=5)
    assert guess(app, 6) == [401] * 5 + [429]


def test_sending_no_token_is_not_a_guess(app):
    http = app.test_client()
    for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Bearer"}):
        for _ in range(6):
            assert http.get("/api/settings", headers=headers).status_code == 401
    assert guess(app, 1) == [401]


def test_the_dashboard_sign_in_is_slowed_the_same_way_and_the_right_token_always_signs_in(app):
    mallory = Dashboard(app.test_client(), MALLORY)
    assert [mallory.sign_in(f"guess-{n}").status_code for n in range(5)] == [401] * 5
    slowed = mallory.sign_in("guess-6")
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == str(15 * 60)
    assert "Too many wrong tokens from your address" in slowed.text and "guess-6" not in slowed.text
    assert set_cookie_headers(slowed, session.SESSION_COOKIE) == []
    owner = Dashboard(app.test_client(), MALLORY)  # behind an untrusted proxy: the same address
    assert owner.sign_in().status_code == 303 and owner.get("/").status_code == 200


def test_the_dashboard_and_the_api_share_one_count_per_address(app):
    mallory = Dashboard(app.test_client(), MALLORY)
    assert [mallory.sign_in("guess").status_code for _ in range(3)] == [401] * 3
    assert guess(app, 3) == [401, 401, 429]
    assert mallory.sign_in("guess").status_code == 429


def test_every_process_shares_the_count_and_a_restart_keeps_it(app, db_url, clock):
    second = create_app(make_config(db_url), clock=clock)
    try:
        assert guess(app, 3) + guess(second, 2) == [401] * 5
        assert guess(app, 1) == [429] and guess(second, 1) == [429]
    finally:
        second.extensions["stickybot"].close()
    restarted = create_app(make_config(db_url), clock=clock)
    try:
        assert guess(restarted, 1) == [429]
    finally:
        restarted.extensions["stickybot"].close()


def test_a_guesser_on_another_ipv6_address_of_the_same_64_is_the_same_client(app):
    assert guess(app, 3, "2001:db8:1:2::10") + guess(app, 2, "2001:db8:1:2:ffff::1") == [401] * 5
    assert guess(app, 1, "2001:db8:1:2::99") == [429]
    assert guess(app, 1, "2001:db8:1:3::10") == [401]
    assert admin_token.client_of("::ffff:192.0.2.1") == "192.0.2.1"
    assert admin_token.client_of("2001:db8:1:2:abcd::1") == "2001:db8:1:2::/64"


# --- the client's address behind proxies -------------------------------------------------------------------

def test_without_trusted_proxies_x_forwarded_for_is_ignored(app):
    forged = [{"X-Forwarded-For": f"192.0.2.{n}"} for n in range(6)]
    assert [bearer(app, "guess", PROXY, h).status_code for h in forged] == [401] * 5 + [429]


@pytest.fixture
def behind_proxy(db_url, clock):
    config = make_config(db_url, trusted_proxies=(ipaddress.ip_network("10.0.0.0/24"),))
    app = create_app(config, clock=clock)
    yield app
    app.extensions["stickybot"].close()


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(behind_proxy):
    via = lambda client: {"X-Forwarded-For": client}  # noqa: E731
    assert guess(behind_proxy, 6, PROXY, via(MALLORY)) == [401] * 5 + [429]
    assert guess(behind_proxy, 1, PROXY, via(OWNER)) == [401]
    owner = Dashboard(behind_proxy.test_client(), PROXY)
    form = owner.http.get("/login", environ_base=owner.env, headers=via(OWNER))
    r = owner.http.post("/login", data={"csrf": CSRF.search(form.text).group(1), "token": "typo"},
                        environ_base=owner.env, headers=via(OWNER))
    assert r.status_code == 401  # not slowed by Mallory's guesses through the same proxy


def test_what_a_client_writes_in_x_forwarded_for_itself_is_not_believed(behind_proxy):
    # The proxy appends the address it saw; the client's own value is left of it and never read.
    forged = [{"X-Forwarded-For": f"192.0.2.{n}, {MALLORY}"} for n in range(6)]
    assert [bearer(behind_proxy, "guess", PROXY, h).status_code for h in forged] == [401] * 5 + [429]


def test_a_chain_of_trusted_proxies_is_followed_to_the_client(behind_proxy):
    chain = {"X-Forwarded-For": f"192.0.2.9, {MALLORY}, 10.0.0.7"}
    assert guess(behind_proxy, 6, PROXY, chain) == [401] * 5 + [429]
    assert guess(behind_proxy, 1, PROXY, {"X-Forwarded-For": f"{OWNER}, 10.0.0.7"}) == [401]


def test_a_peer_that_is_not_a_trusted_proxy_is_its_own_address_whatever_it_sends(behind_proxy):
    forged = [{"X-Forwarded-For": f"192.0.2.{n}"} for n in range(6)]
    assert [bearer(behind_proxy, "guess", "192.0.2.200", h).status_code for h in forged] == [401] * 5 + [429]


def test_trusted_proxies_are_read_from_the_environment_and_a_bad_one_is_refused_saying_how_to_write_it():
    config = Config.from_env({"STICKY_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1 ,fd00::/8"})
    assert {str(n) for n in config.trusted_proxies} == {"10.0.0.0/8", "127.0.0.1/32", "fd00::/8"}
    assert Config.from_env({}).trusted_proxies == ()
    with pytest.raises(ConfigError, match=r"STICKY_TRUSTED_PROXIES: 'proxy\.internal' is not an IP address"):
        Config.from_env({"STICKY_TRUSTED_PROXIES": "10.0.0.1, proxy.internal"})


# --- a short admin token ---------------------------------------------------------------------------------------

def test_readyz_warns_about_an_admin_token_shorter_than_24_characters_without_showing_it(db_url):
    for token, warned in (("x" * 23, True), ("x" * 24, False), (None, False)):
        app = create_app(make_config(db_url, admin_token=token))
        ready = app.test_client().get("/readyz")
        app.extensions["stickybot"].close()
        assert ready.status_code == 200
        warnings = ready.get_json()["warnings"]
        assert bool(warnings) is warned and (not warned or "shorter than 24 characters" in warnings[0])
        assert token is None or token not in ready.get_data(as_text=True)


def test_guesses_arriving_together_get_exactly_five_401s_between_them(app):
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda n: bearer(app, f"guess-{n}").status_code, range(20)))
    assert sorted(statuses) == [401] * 5 + [429] * 15
