"""Chatwoot's body limit, sized from Chatwoot's own: a message of up to 150,000 characters, carried up to three
times in one delivery, every character escaped as Ruby's JSON escapes `<`, `>` and `&` (6 bytes each)."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import responses

from bot import create_app
from bot.web.chatwoot import MAX_BODY
from integrations.signing import sign
from tests.conftest import make_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chatwoot"
SECRET = "limits-chatwoot-secret"
CHATWOOT_MAX_CHARS = 150_000  # app/models/message.rb: validates :content, length: { maximum: 150_000 }


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def as_chatwoot_writes_it(payload: dict) -> bytes:
    """Compact JSON, UTF-8 as is, and `<` `>` `&` as \\u003c \\u003e \\u0026 (ActiveSupport's escaping)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").encode()


@pytest.fixture
def app(db_url):
    app = create_app(make_config(db_url, chatwoot_url="https://chatwoot.test", chatwoot_account_id="1",
                                 chatwoot_api_token="cw-token", chatwoot_webhook_secret=SECRET))
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def agents(client):
    """One agent, and Chatwoot's agent list answered locally should stickybot ask for it."""
    client.agent("ana", "billing", email="ana.souza@acme.example")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as chatwoot:
        chatwoot.get("https://chatwoot.test/api/v1/accounts/1/agents", json=sample("agents_list"))
        yield


def post(client, body: bytes):
    stamp = int(time.time())
    return client.http.post("/webhooks/chatwoot", data=body, headers={
        "Content-Type": "application/json", "X-Chatwoot-Delivery": str(uuid.uuid4()),
        "X-Chatwoot-Timestamp": str(stamp), "X-Chatwoot-Signature": f"sha256={sign(SECRET, stamp, body)}"})


def with_first_message(content: str) -> dict:
    payload = sample("conversation_created")
    payload["messages"][0]["content"] = payload["messages"][0]["processed_message_content"] = content
    return payload


def test_a_first_message_of_140000_characters_is_routed(client, agents):
    body = as_chatwoot_writes_it(with_first_message("I need help. " * (140_000 // 13)))
    r = post(client, body)
    assert r.status_code == 200 and r.get_json()["status"] == "assigned"


def test_the_largest_message_created_chatwoot_can_send_is_taken(client, agents):
    assert post(client, as_chatwoot_writes_it(with_first_message("hello"))).status_code == 200
    worst = "<&>" * (CHATWOOT_MAX_CHARS // 3)  # every character costs 6 bytes once escaped
    payload = sample("message_created_incoming")
    payload["content"] = worst
    nested = payload["conversation"]["messages"][0]
    nested["content"] = nested["processed_message_content"] = worst
    body = as_chatwoot_writes_it(payload)
    assert len(body) > 3 * CHATWOOT_MAX_CHARS * 6
    r = post(client, body)
    assert r.status_code == 200, r.get_json()


def test_a_delivery_over_the_limit_gets_413_that_names_it(client):
    payload = with_first_message("x" * (MAX_BODY + 1))
    r = post(client, json.dumps(payload).encode())
    assert r.status_code == 413
    assert r.get_json()["message"] == "the body is too large: Chatwoot deliveries are at most 3 MiB"
