"""The bench seeds through the admin API and SQLAlchemy Core on the reflected tables, and stickybot reads what
it seeded: the directory as stated, links inside the window as active links."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, text

from bench.inproc import decision
from bench.seed import SeedError, _checked, seed
from bench.workload import WORKLOADS
from bot.db import Database
from bot.jobs import expire_links

SMALL = replace(WORKLOADS["default"], name="small", teams=3, agents=12, customers=30)


def api(app, path):
    answer = app.test_client().get(path, headers={"Authorization": "Bearer bench-admin-token"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


@pytest.fixture
def seeded_app(db_url):
    from bench.seed import app_for, close

    seed(db_url, SMALL, stale=7)
    app = app_for(db_url)
    yield app
    close(app)


def test_the_directory_is_the_stated_one(seeded_app):
    agents = api(seeded_app, "/api/agents")
    assert [a["id"] for a in agents] == SMALL.agent_ids()
    assert [a["status"] for a in agents] == [SMALL.status_of(n) for n in range(SMALL.agents)]
    assert [sorted(a["teams"]) for a in agents] == [sorted(SMALL.teams_of(n)) for n in range(SMALL.agents)]
    assert all(a["max_open"] is None for a in agents)
    assert "away" in {a["status"] for a in agents} and any(len(a["teams"]) == 2 for a in agents)
    assert [t["id"] for t in api(seeded_app, "/api/teams")] == SMALL.team_ids()
    assert api(seeded_app, "/api/settings")["sticky_days"] == SMALL.sticky_days


def test_seeded_links_are_active_inside_the_window_and_the_stale_ones_are_not(seeded_app):
    agents = set(SMALL.agent_ids())
    for n in range(SMALL.customers):
        sticky = api(seeded_app, f"/api/customers/cust{n}")["sticky"]
        assert sticky["active"] is True and sticky["agent"] in agents
    assert api(seeded_app, "/api/customers/stale3")["sticky"]["active"] is False


def test_the_sweep_removes_exactly_the_stale_links(db_url, seeded_app):
    db = Database(db_url)
    try:
        assert expire_links(db) == 7
    finally:
        db.dispose()


def test_a_required_column_the_bench_does_not_fill_is_named_in_the_error():
    table = Table("sticky_link", MetaData(), Column("customer_id", String, primary_key=True),
                  Column("agent_id", String, nullable=False), Column("weight", String, nullable=False),
                  Column("last_interaction_at", DateTime, nullable=False), Column("note", String, nullable=True),
                  Column("tier", String, nullable=False, server_default=text("'gold'")))
    values = {"customer_id": "c", "agent_id": "a", "last_interaction_at": None}
    with pytest.raises(SeedError, match="sticky_link requires weight"):
        _checked(table, values)


def test_an_integer_key_the_database_numbers_need_not_be_filled():
    table = Table("outbox", MetaData(), Column("id", Integer, primary_key=True), Column("kind", String, nullable=False))
    assert _checked(table, {"kind": "handoff"}) == {"kind": "handoff"}


def test_the_decision_cost_routes_returning_customers_by_their_links(db_url):
    seed(db_url, WORKLOADS["default"], live=40)
    urls = {"20": db_url, "40": db_url}  # one database seeded for both sizes: the sizes only pick customers
    costs = decision({"urls": urls, "workload": "default", "rounds": 2, "events": 20})
    for size in urls:
        assert len(costs[size]["rounds_ms"]) == 2
        assert sum(costs[size]["rules"].values()) == 40
        assert costs[size]["rules"].get("sticky", 0) > 0


def test_the_retention_job_deletes_exactly_the_old_records_seeded(db_url):
    from bench.inproc import retention

    seed(db_url, SMALL, old=9)
    done = retention({"url": db_url, "days": 30})
    assert done["removed"] == 9 + 5  # the keys, and every other one's outbox row
    assert retention({"url": db_url, "days": 30})["removed"] == 0


def test_one_team_is_seeded_in_bulk_and_routed_by_its_least_loaded_members(db_url):
    """The team-size row's directory: one team, every agent online, written with Core (the memberships' pick
    places filled by the database itself), and new conversations spread over its members."""
    from bench.seed import app_for, close, one_team
    from bench.workload import make_stream, one_team as shape

    one_team(db_url, 30)
    app = app_for(db_url)
    try:
        [team] = api(app, "/api/teams")
        assert team["id"] == "team00" and len(team["members"]) == 30
        client, agents = app.test_client(), []
        for line in make_stream(shape(30), "ts", 40, 1, [], "ts").lines:
            stamp, signature, body = line.split("\t", 2)
            answer = client.post("/webhooks/widget", data=body, content_type="application/json",
                                 headers={"X-Sticky-Timestamp": stamp, "X-Sticky-Signature": signature})
            assert answer.status_code == 200 and answer.get_json()["rule"] == "default"
            agents.append(answer.get_json()["agent"])
        assert agents[:30] == shape(30).agent_ids() and len(set(agents)) == 30  # by id, then least recently
    finally:
        close(app)
