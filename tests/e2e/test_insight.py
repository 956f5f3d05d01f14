"""CONTRACT.md 8.4: the stickiness figures and the audit trail, through the API, Slack and the CLI."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from bot import create_app, jobs
from bot.cli import main
from tests.conftest import StickyClient, make_config
from tests.fakes.slack import FakeSlack
from tests.slackkit import SIGNING_SECRET, slash

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
EXAMPLE = "directory.example.yaml"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def clock(clock):
    clock.set(T0 + timedelta(hours=2))
    return clock


def stats(client, days=None):
    r = client.api("GET", "/api/stats" + (f"?days={days}" if days is not None else ""))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def history(client, clock):
    """Yesterday: c_back talked to alice; c_old talked to bob 10 days ago. Today: alice and bob in billing, carol
    in support; a new customer, c_back returning to alice, c_old returning after its window, c_away returning to
    an away agent, c_flow returning but sent elsewhere by the flow, c_held waiting for a full agent who comes
    back after 12 minutes."""
    client.agent("alice", "billing", max_open=3)
    client.agent("bob", "billing")
    client.agent("carol", "support")
    client.agent("dave", "billing", status="away")

    def past(conv, customer, agent, when):
        client.event(conversation=conv, customer=customer, at=iso(when), assign={"agent": agent})
        client.event(type="conversation.resolved", conversation=conv, at=iso(when + timedelta(minutes=30)))
    past("p1", "c_back", "alice", T0 - timedelta(days=1))
    past("p2", "c_old", "bob", T0 - timedelta(days=10))
    past("p3", "c_away", "dave", T0 - timedelta(days=2))
    past("p4", "c_flow", "alice", T0 - timedelta(days=2))
    past("p5", "c_held", "alice", T0 - timedelta(days=3))
    client.api("PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    client.event(conversation="n1", customer="c_new", at=iso(T0), team="billing")
    client.event(conversation="n2", customer="c_back", at=iso(T0), team="billing")
    client.event(conversation="n3", customer="c_old", at=iso(T0), team="billing")
    client.event(conversation="n4", customer="c_away", at=iso(T0), team="billing")  # dave is away: held
    client.event(conversation="n5", customer="c_flow", at=iso(T0), assign={"team": "support"})
    for n in (6, 7):
        client.event(conversation=f"f{n}", customer=f"filler{n}", at=iso(T0), assign={"agent": "alice"})
    client.event(conversation="n8", customer="c_held", at=iso(T0 + timedelta(minutes=1)), team="billing")
    clock.set(T0 + timedelta(minutes=13))
    client.event(type="conversation.resolved", conversation="f6", at=iso(T0 + timedelta(minutes=13)))
    clock.set(T0 + timedelta(minutes=45))
    jobs.sweep(client.http.application.extensions["stickybot"].db)  # dave never came back
    clock.set(T0 + timedelta(hours=2))


def test_the_stickiness_figures_say_who_reached_their_agent_and_why_the_others_did_not(client, clock):
    history(client, clock)
    s = stats(client)
    total = s["total"]
    assert s["days"] == 7
    assert total["routed"] == 12  # 4 in the period before today (p2 is 10 days old), 8 today
    today = next(d for d in s["by_day"] if d["day"] == "2026-11-24")
    assert today["routed"] == 8
    assert (today["returning"], today["to_their_agent"], today["after_hold"], today["to_cover"],
            today["to_teammate"], today["to_unassigned"]) == (4, 1, 1, 0, 2, 0)
    assert today["misses"] == {"away": 1, "offline": 0, "full": 0, "deactivated": 0, "blocked": 0,
                               "flow_override": 1, "absent": 0, "off_duty": 0}
    assert today["window_passed"] == 1
    assert today["hold_wait_s"] == {"median": 1710.0, "p90": 2502.0}  # waits of 12 and 45 minutes
    assert s["by_agent"]["alice"]["to_their_agent"] == 1 and s["by_agent"]["alice"]["after_hold"] == 1
    assert s["by_agent"]["dave"]["misses"]["away"] == 1
    assert s["by_team"]["support"]["routed"] == 1


def test_the_figures_computed_only_in_part_are_those_of_the_whole(client, clock):
    """What the dashboard shows (a total, per day) and the agents a page at a time are computed without the
    rest, and agree with the full figures."""
    from bot.service import stats as figures

    history(client, clock)
    whole = stats(client)
    without_waits = lambda s: {k: v for k, v in s.items() if not k.endswith("_wait_s")}
    db, now = client.http.application.extensions["stickybot"].db, clock.now()
    summary = db.read(lambda store: figures.summary(store, 7, now))
    assert summary["total"] == without_waits(whole["total"])
    assert summary["by_day"] == [without_waits(d) for d in whole["by_day"]]
    assert db.read(lambda store: figures.summary(store, 7, now, by_day=False)) == \
        {"days": 7, "total": summary["total"]}
    pages, cursor = [], None
    while True:
        page = db.read(lambda store: figures.agents_page(store, 7, now, 3, cursor))
        pages.append([item["agent"] for item in page["items"]])
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == [["alice", "bob", "carol"], ["dave"]]
    nothing = figures._Figures().as_dict()  # an agent with nothing to count is listed with zeros
    for item in db.read(lambda store: figures.agents_page(store, 7, now, 50))["items"]:
        expected = whole["by_agent"].get(item["agent"], nothing)
        assert {k: v for k, v in item.items() if k != "agent"} == expected, item["agent"]
    assert whole["by_agent"]["alice"]["routed"] > 0 and whole["by_agent"]["carol"] == nothing
    assert whole["by_agent_next"] is None


def counters(client) -> dict[str, float]:
    """The stickiness counters of /metrics now (they live as long as the process: compare before and after)."""
    text = client.http.get("/metrics").get_data(as_text=True)
    names = ("stickybot_returning_customers_total", "stickybot_returning_outcomes_total",
             "stickybot_sticky_misses_total", "stickybot_window_passed_total")
    return {row.rsplit(" ", 1)[0]: float(row.rsplit(" ", 1)[1]) for row in text.splitlines()
            if row.startswith(names)}


def test_metrics_count_the_same_stickiness_as_the_stats(client, clock):
    before = counters(client)
    history(client, clock)
    after = counters(client)
    grew = {name: after[name] - before.get(name, 0.0) for name in after if after[name] != before.get(name, 0.0)}
    today = next(d for d in stats(client)["by_day"] if d["day"] == "2026-11-24")
    outcome = 'stickybot_returning_outcomes_total{{outcome="{}"}}'.format
    miss = 'stickybot_sticky_misses_total{{cause="{}"}}'.format
    assert grew == {"stickybot_returning_customers_total": today["returning"],
                    outcome("to_their_agent"): today["to_their_agent"], outcome("after_hold"): today["after_hold"],
                    outcome("to_teammate"): today["to_teammate"],
                    miss("away"): today["misses"]["away"], miss("flow_override"): today["misses"]["flow_override"],
                    "stickybot_window_passed_total": today["window_passed"]}
    assert grew["stickybot_returning_customers_total"] == 4 and grew[outcome("to_teammate")] == 2


def test_claim_lapses_and_unassigned_waits_are_counted(client, clock):
    client.agent("alice", "billing")
    client.agent("bob", "billing", status="away")
    client.api("PATCH", "/api/settings", {"claim_minutes": 5})
    clock.set(T0)
    client.event(conversation="c1", customer="x", at=iso(T0), team="billing")
    clock.set(T0 + timedelta(minutes=6))
    jobs.sweep(client.http.application.extensions["stickybot"].db)  # alice lets it lapse; bob is away: queued
    clock.set(T0 + timedelta(minutes=16))
    client.api("PATCH", "/api/agents/bob", {"status": "online"})  # 10 minutes in Unassigned
    t = stats(client)["total"]
    assert t["claim_lapses"] == 1 and t["unassigned_wait_s"] == {"median": 600.0, "p90": 600.0}
    assert stats(client)["by_agent"]["alice"]["claim_lapses"] == 1


@pytest.mark.parametrize("days", ["0", "91", "x", "7.5", "-1"])
def test_days_outside_1_to_90_is_422(client, days):
    r = client.api("GET", f"/api/stats?days={days}")
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "days"


def test_the_period_covers_the_last_n_days_by_the_servers_clock(client, clock):
    client.agent("alice")
    client.event(conversation="old", customer="a", at=iso(T0 - timedelta(days=3)))
    client.event(conversation="new", customer="b", at=iso(T0))
    assert stats(client, 1)["total"]["routed"] == 1 and stats(client, 7)["total"]["routed"] == 2


# --- the audit trail -------------------------------------------------------------------------------

def test_every_change_is_audited_with_its_actor_before_and_after_newest_first(client, clock, db_url):
    client.api("PATCH", "/api/settings", {"sticky_days": 3})
    client.agent("alice", "billing")
    client.api("PATCH", "/api/agents/alice", {"status": "away", "max_open": 2})
    client.api("PUT", "/api/customers/c1/blocks/alice")
    CliRunner().invoke(main, ["directory", "load", EXAMPLE], env={"DATABASE_URL": db_url})
    items = client.api("GET", "/api/audit").get_json()["items"]
    ours = [(e["actor"], e["action"], e["target"]) for e in items if e["actor"] == "api"]
    assert ours[:4] == [("api", "block.add", "c1"), ("api", "agent.update", "alice"),
                        ("api", "agent.create", "alice"), ("api", "team.create", "billing")]
    settings = next(e for e in items if e["action"] == "settings.update" and e["actor"] == "api")
    assert (settings["before"], settings["after"]) == ({"sticky_days": 7}, {"sticky_days": 3})
    update = next(e for e in items if e["action"] == "agent.update" and e["actor"] == "api")
    assert update["before"] == {"max_open": None, "status": "online"} and update["after"]["status"] == "away"
    assert any(e["actor"] == "cli" and e["action"] == "agent.create" for e in items)
    assert [e["id"] for e in items] == sorted((e["id"] for e in items), reverse=True)


def test_the_audit_is_paged(client):
    for days in range(1, 6):
        client.api("PATCH", "/api/settings", {"sticky_days": days})
    first = client.api("GET", "/api/audit?limit=2").get_json()
    second = client.api("GET", f"/api/audit?limit=2&before={first['next']}").get_json()
    third = client.api("GET", f"/api/audit?limit=2&before={second['next']}").get_json()
    after = [e["after"]["sticky_days"] for page in (first, second, third) for e in page["items"]]
    assert after == [5, 4, 3, 2, 1] and third["next"] is None
    assert client.api("GET", "/api/audit?limit=0").status_code == 422
    assert client.api("GET", "/api/audit?before=abc").status_code == 422


def test_forgetting_a_customer_replaces_it_in_the_audit_too(client):
    client.agent("alice")
    client.event(conversation="c1", customer="cust_9")
    client.api("PUT", "/api/customers/cust_9/blocks/alice")
    alias = client.api("DELETE", "/api/customers/cust_9").get_json()["alias"]
    entries = client.api("GET", "/api/audit").get_json()["items"]
    assert "cust_9" not in str(entries)
    assert {(e["action"], e["target"]) for e in entries} >= {("block.add", alias), ("customer.forget", alias)}


def test_slack_changes_are_audited_as_slack_user_and_status_shows_the_last_settings_change(db_url, clock):
    fake = FakeSlack().start()
    app = create_app(make_config(db_url, slack_bot_token="xoxb-t", slack_signing_secret=SIGNING_SECRET,
                                 slack_api_url=fake.url, admin_slack_ids=frozenset({"U_ADMIN"})), clock=clock)
    client = StickyClient(app.test_client())
    try:
        client.agent("alice", slack="U_ALICE", status="offline")
        slash(client.http, "U_ADMIN", "days 3")
        slash(client.http, "U_ALICE", "online")
        items = client.api("GET", "/api/audit").get_json()["items"]
        assert [(e["actor"], e["action"]) for e in items[:2]] == [("slack:U_ALICE", "agent.update"),
                                                                  ("slack:U_ADMIN", "settings.update")]
        status = slash(client.http, "U_ALICE", "status").get_json()["text"]
        assert "*Last settings change*: sticky_days 7 → 3 by slack:U_ADMIN" in status
        week = slash(client.http, "U_ALICE", "stats").get_json()["text"]
        assert week.startswith("No conversations routed in the last 7 days")
    finally:
        app.extensions["stickybot"].close()
        fake.stop()


def test_stats_in_words_for_the_week(client, clock):
    history(client, clock)
    from bot.slack import words
    from bot.service import stats as stats_service
    rt = client.http.application.extensions["stickybot"]
    text = words.stats(rt.db.read(lambda s: stats_service.stats(s, 7, rt.clock.now())))
    assert "12 conversations routed, 4 from returning customers" in text
    assert "2 of 4 returning customers (50%) reached their agent (1 after waiting for them)" in text
    assert "1 away, 1 flow override" in text and "came back after their window had run out" in text
