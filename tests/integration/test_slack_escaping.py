"""Outside strings on their way to Slack, end to end: a hostile customer name and id from a widget event reach
the agent's DM (blocks and notification text) as text, `/sticky why` shows a hostile conversation id as text, and
a conversation url is a web address or refused."""
from __future__ import annotations

import json

import pytest

from bot import create_app
from tests.conftest import event_body, make_config
from tests.slackkit import SIGNING_SECRET, slash

HOSTILE_NAME = "<!channel> Ada & <https://evil.example|click>"


@pytest.fixture
def app(db_url, slack):
    app = create_app(make_config(db_url, slack_bot_token="xoxb-test-token", slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=slack.url))
    yield app
    app.extensions["stickybot"].close()


def test_a_hostile_customer_name_reaches_the_agents_dm_as_text(app, client, slack):
    client.agent("alice", "billing", slack="U_ALICE")
    body = event_body(conversation="<!here>", team="billing")
    body["customer"]["name"] = HOSTILE_NAME
    assert client.signed(json.dumps(body).encode()).status_code == 200
    app.extensions["stickybot"].outbox.deliver_due()
    [post] = slack.posts("U_ALICE")
    shown = [post["text"]] + [b["text"]["text"] for b in post["blocks"] if b["type"] == "section"]
    for text in shown:
        assert "<!channel>" not in text and "<!here>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; Ada &amp; &lt;https://evil.example|click&gt;" in post["text"]


def test_sticky_why_shows_a_hostile_conversation_id_as_text(client):
    client.agent("alice")
    client.event(conversation="<!channel>")
    answer = slash(client.http, "U1", "why <!channel>").get_json()["text"]
    assert "<!channel>" not in answer and "&lt;!channel&gt;" in answer
    missing = slash(client.http, "U1", "why <!here>").get_json()["text"]
    assert missing == "I have no conversation `&lt;!here&gt;`."


# --- conversation urls: only web addresses ------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://files.example.com/c/1",
                                 "help.example.com/c/1", "https://", "https://help.example.com/c/1 |Click>",
                                 "https://help.example.com/\nc/1"])
def test_a_conversation_url_that_is_not_a_web_address_gets_a_422_that_says_so(client, url):
    body = event_body()
    body["conversation"]["url"] = url
    r = client.signed(json.dumps(body).encode())
    assert r.status_code == 422
    detail = next(d for d in r.get_json()["details"] if d["field"] == "conversation.url")
    assert "http" in detail["message"] or "spaces" in detail["message"]
    assert client.api("GET", "/api/conversations/conv_1").status_code == 404


def test_an_https_url_with_a_query_is_taken(client):
    client.agent("alice")
    body = event_body()
    body["conversation"]["url"] = "https://help.example.com/c/1?tab=chat&x=%7C"
    assert client.signed(json.dumps(body).encode()).status_code == 200
