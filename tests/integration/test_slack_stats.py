"""`/sticky stats` through Slack on a week with real figures (CONTRACT.md 8.4, 9.2): returning customers who
reached their agent, one a cover took while their agent was absent, misses, and a link that had run out."""
from __future__ import annotations

import pytest

from tests.integration.test_slack_signals import clock, signals_app  # noqa: F401 (fixture)
from tests.slackkit import slash


@pytest.fixture
def app(db_url, slack, clock):  # noqa: F811
    app = signals_app(db_url, slack, clock)
    yield app
    app.extensions["stickybot"].close()


def visit(client, conversation, customer, at, **extra):
    client.event(conversation=conversation, customer=customer, at=at, team="billing", **extra)
    client.event(type="conversation.resolved", conversation=conversation, at=at.replace(":00:00Z", ":30:00Z"))


def test_stats_tells_the_week_in_words_with_its_figures(client):
    for agent in ("alice", "bob", "carol"):
        client.agent(agent, "billing", slack=f"U_{agent.upper()}")
    visit(client, "old", "eve", "2026-11-20T10:00:00Z", assign={"agent": "carol"})  # before the window and week
    visit(client, "c1", "ada", "2026-12-01T10:00:00Z", assign={"agent": "alice"})
    visit(client, "c2", "ben", "2026-12-01T11:00:00Z", assign={"agent": "bob"})
    visit(client, "c3", "ada", "2026-12-02T10:00:00Z")                               # back to alice
    client.api("PATCH", "/api/agents/bob", {"status": "away"})
    visit(client, "c4", "ben", "2026-12-03T10:00:00Z")                               # bob away: a teammate
    client.api("PATCH", "/api/agents/bob", {"status": "online"})
    assert client.api("POST", "/api/agents/alice/absences", {"start": "2026-12-04T00:00:00Z", "end": "2026-12-09",
                                                             "cover": ["carol"]}).status_code == 201
    visit(client, "c5", "ada", "2026-12-04T10:00:00Z")                               # alice absent: carol covers
    visit(client, "c6", "eve", "2026-12-05T10:00:00Z")                               # eve's link had run out
    text = slash(client.http, "U_SOMEONE", "stats").get_json()["text"]
    assert text.splitlines() == [
        "*Last 7 days*: 6 conversations routed, 3 from returning customers.",
        "1 of 3 returning customers (33%) reached their agent (0 after waiting for them); 1 went to a cover while "
        "their agent was absent, 1 to a teammate, 0 to Unassigned.",
        "Why they missed their agent: 1 away, 1 absent.",
        "1 customers came back after their window had run out.",
    ]
    figures = client.api("GET", "/api/stats?days=7").get_json()["total"]
    assert (figures["to_cover"], figures["misses"]["absent"], figures["window_passed"]) == (1, 1, 1)
