"""Fixtures of the Zammad tests: the fake Zammad over HTTP, the app configured for it, and the story's agents."""
from __future__ import annotations

import pytest

from bot import create_app
from bot.service.helpdesk import people
from tests.conftest import make_config
from tests.fakes.zammad import FakeZammad
from tests.zammadkit import SECRET


@pytest.fixture
def zd():
    fake = FakeZammad.story().start()
    yield fake
    fake.stop()


@pytest.fixture
def app(db_url, clock, zd):
    app = create_app(make_config(db_url, zammad_url=zd.url, zammad_api_token=zd.token, zammad_webhook_secret=SECRET),
                     clock=clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def rt(app):
    return app.extensions["stickybot"]


def story_agents(client, rt, *, ana="online", bruno="online", sync=True):
    """Ana and Bruno in stickybot's billing team, matched to their Zammad users (7 and 9) by a directory sync."""
    client.agent("ana", "billing", email="ana.souza@acme.example", status=ana)
    client.agent("bruno", "billing", email="bruno.lima@acme.example", status=bruno)
    if sync:
        people.sync(rt.db, rt.desks["zammad"], rt.clock.now())


def conversation(client, conversation_id="zammad:118") -> dict:
    return client.api("GET", f"/api/conversations/{conversation_id}").get_json()
