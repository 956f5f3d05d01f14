"""Shared pieces of the generated-request tests: an app with every surface configured, seeded, and strategies
for JSON values that channels and admins might send by mistake or on purpose."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings, strategies as st

from bot import create_app
from tests.conftest import StickyClient, make_config, snapshot
from tests.fakes.slack import FakeSlack
from tests.slackkit import SIGNING_SECRET

CHATWOOT_SECRET = "generated-chatwoot-secret"
ZAMMAD_SECRET = "generated-zammad-secret"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chatwoot"

# Few examples each (the suite runs twice, once per database); shrinking still finds the smallest failure.
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

EXTREMES = st.sampled_from([0, -1, 2**31, 2**63, 10**30, 1e20, 1781690400000, 1e-300, True, False, "", "\u0000",
                            "\ud800", "x" * 300]) | st.builds(list) | st.builds(dict)  # (a new list or dict each time)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30) | EXTREMES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)
ids = st.sampled_from(["alice", "billing", "conv_1", "cust_42", "a/b", "50%"]) | st.text(max_size=20)


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def everything(db_url):
    """The app with the widget, Chatwoot, Zammad, Slack and the admin API all configured, and a little data."""
    slack = FakeSlack().start()
    app = create_app(make_config(db_url, chatwoot_url="https://chatwoot.invalid", chatwoot_account_id="1",
                                 chatwoot_webhook_secret=CHATWOOT_SECRET, zammad_url="https://zammad.invalid",
                                 zammad_webhook_secret=ZAMMAD_SECRET, slack_bot_token="xoxb-generated",
                                 slack_signing_secret=SIGNING_SECRET, slack_api_url=slack.url,
                                 admin_slack_ids=frozenset({"U_ADMIN"})))
    client = StickyClient(app.test_client())
    client.agent("alice", "billing", slack="U_ALICE", email="ana.souza@acme.example")
    client.event(conversation="conv_1", customer="cust_42", team="billing")
    try:
        yield app, client
    finally:
        app.extensions["stickybot"].close()
        slack.stop()


def check(app, before: dict, response, allowed=None) -> None:
    """Never a 500; a 4xx says what is wrong and stored nothing."""
    status = response.status_code
    assert status < 500, response.get_data(as_text=True)[:500]
    if allowed is not None:
        assert status in allowed, (status, response.get_data(as_text=True)[:500])
    if 400 <= status < 500:
        if response.request.method != "HEAD":  # a HEAD answer has no body
            body = response.get_json(silent=True)
            assert body and (body.get("message") or body.get("error")), response.get_data(as_text=True)[:500]
        assert snapshot(app) == before
