"""A button click whose user or conversation id holds a NUL character (Slack never sends one; PostgreSQL cannot
look it up) is answered like any click nobody can act on: never a 500, nothing stored."""
from __future__ import annotations

import pytest

from bot import create_app
from tests.conftest import StickyClient, make_config, snapshot
from tests.slackkit import SIGNING_SECRET, click


@pytest.fixture
def app(db_url):
    app = create_app(make_config(db_url, slack_signing_secret=SIGNING_SECRET))
    yield app
    app.extensions["stickybot"].close()


@pytest.mark.parametrize("user, value", [("\x00", '{"c": "conv_1"}'), ("U_ALICE", '{"c": "conv\\u0000_1"}')])
def test_a_click_with_a_nul_in_an_id_is_no_500(app, user, value):
    client = StickyClient(app.test_client())
    client.agent("alice", slack="U_ALICE")
    client.event(conversation="conv_1")
    before = snapshot(app)
    for action in ("sticky_release", "sticky_take"):
        assert click(client.http, user, action, value, "D1", "1.0").status_code == 200
    assert snapshot(app) == before
