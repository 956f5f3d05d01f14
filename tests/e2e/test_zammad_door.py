"""/webhooks/zammad as a door: sized before it is verified, verified before it is parsed, a delivery id it can
take, and counted in /metrics like every channel."""
from __future__ import annotations

import io

import pytest

from bot import create_app
from tests.conftest import StickyClient, make_config
from tests.e2e.test_hostile_requests import Endless, chunked
from tests.e2e.test_metrics import scrape
from tests.zammadkit import SECRET, deliver, ruby_json, snapshot


@pytest.fixture
def app(db_url):
    app = create_app(make_config(db_url, zammad_webhook_secret=SECRET))
    yield app
    app.extensions["stickybot"].close()


def test_a_body_over_9_mib_is_413_naming_zammads_limit_before_its_signature_is_checked(client):
    r = client.http.post("/webhooks/zammad", data=b"x" * (9 * 1024 * 1024 + 1),
                         headers={"Content-Type": "application/json", "X-Hub-Signature": "sha1=0"})
    assert r.status_code == 413 and "Zammad deliveries are at most 9 MiB" in r.get_json()["message"]


def test_the_largest_article_zammad_stores_fits_even_escaped_at_worst(client):
    from bot.web.zammad import MAX_BODY
    payload = snapshot("webhook_ticket_created", article={"body": "<&>" * 500_000})  # 1,500,000 characters
    body = ruby_json(payload)
    assert len(body) > 1_500_000 * 6 and len(body) <= MAX_BODY
    assert deliver(client.http, body).status_code == 200


def test_an_endless_chunked_body_is_refused_after_little_more_than_the_limit(client):
    from bot.web.zammad import MAX_BODY
    stream = Endless(cap=4 * MAX_BODY)
    r = client.http.post("/webhooks/zammad", headers={"X-Hub-Signature": "sha1=0"},
                         environ_overrides=chunked(io.BufferedReader(stream)))
    assert r.status_code == 413 and stream.read_bytes <= MAX_BODY + 128 * 1024


def test_a_delivery_id_zammad_never_sends_is_400_and_stores_nothing(client):
    r = deliver(client.http, snapshot("webhook_ticket_created"), delivery="a b\x7f" * 50)
    assert r.status_code == 400 and "X-Zammad-Delivery" in r.get_json()["message"]
    assert client.api("GET", "/api/conversations/zammad:118").status_code == 404


def test_zammad_deliveries_are_counted_in_metrics(client):
    before = scrape(client)
    deliver(client.http, snapshot("webhook_ticket_created"))
    deliver(client.http, snapshot("webhook_ticket_created"), signed=False)
    after = scrape(client)
    assert after["stickybot_webhook_latency_seconds_count{channel=zammad}"] - \
        before.get("stickybot_webhook_latency_seconds_count{channel=zammad}", 0) == 2
    assert after.get("stickybot_webhook_answers_total{channel=zammad,status=401}", 0) - \
        before.get("stickybot_webhook_answers_total{channel=zammad,status=401}", 0) == 1


def test_no_secret_and_no_body_ever_reach_the_log(client, caplog):
    deliver(client.http, snapshot("webhook_ticket_created"), signature="sha1=" + "0" * 40)
    deliver(client.http, snapshot("webhook_ticket_created", ticket={"owner_id": "x"}))
    logged = caplog.text
    assert SECRET not in logged and "Maria" not in logged and "maria@example.com" not in logged


def test_unsigned_deliveries_are_refused_even_without_any_zammad_api(db_url):
    app = create_app(make_config(db_url, zammad_webhook_secret=SECRET))
    r = deliver(StickyClient(app.test_client()).http, snapshot("webhook_ticket_created"), signed=False)
    assert r.status_code == 401
    app.extensions["stickybot"].close()
