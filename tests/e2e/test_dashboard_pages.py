"""What the dashboard's pages show and change: every change through the admin API's use-cases, audited as
`dashboard`; a use-case's error shown next to its form, with nothing changed."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import OutboxKind, OutboxState
from tests.conftest import snapshot
from tests.e2e.test_dashboard import Dashboard, text_of

T0 = "2026-11-24T10:00:00Z"


@pytest.fixture
def dash(app) -> Dashboard:
    dash = Dashboard(app.test_client())
    assert dash.sign_in().status_code == 303
    return dash


def last_audit(client) -> dict:
    return client.api("GET", "/api/audit").get_json()["items"][0]


def test_the_overview_shows_settings_agents_with_load_the_queue_held_and_the_week(dash, client):
    client.agent("alice", "billing", status="online", max_open=2)
    client.agent("bob", "billing", status="away")
    client.event(conversation="c1", customer="ada", team="billing")
    client.api("PATCH", "/api/agents/alice", {"status": "offline"})
    client.event(conversation="c2", customer="grace", team="billing")
    page = text_of(dash.get("/"))
    assert "Alice alice billing 1 / 2 offline status offline" in page
    assert "Bob bob billing 0 / ∞ away status away" in page
    assert "Unassigned queue (1, oldest first) Conversation Customer Team Waiting since c2 grace billing" in page
    assert "No conversation is held." in page and "None: every message was delivered" in page
    assert 'id="sticky_days" name="sticky_days" type="number" min="0" max="365" required value="7"' in \
        dash.get("/").text


def test_changing_the_settings_goes_through_the_use_case_and_is_audited_as_the_dashboard(dash, client):
    r = dash.submit("/settings", sticky_days="3", availability_check="off", drain_unassigned="on",
                    sticky_wait_minutes="10", claim_minutes="5")
    assert (r.status_code, r.headers["Location"]) == (303, "/?done=settings")
    assert client.api("GET", "/api/settings").get_json() == {
        "sticky_days": 3, "availability_check": False, "drain_unassigned": True, "sticky_wait_minutes": 10,
        "claim_minutes": 5}
    entry = last_audit(client)
    assert (entry["actor"], entry["action"], entry["after"]["sticky_days"]) == ("dashboard", "settings.update", 3)
    assert "Settings saved." in dash.get(r.headers["Location"]).text


@pytest.mark.parametrize("fields,says", [
    ({"sticky_days": "400"}, "sticky_days"), ({"sticky_days": "seven"}, "sticky_days"),
    ({"claim_minutes": "-1"}, "claim_minutes"), ({"availability_check": "maybe"}, "availability_check"),
    ({"sticky_days": "1\x00"}, "NUL"),
])
def test_a_bad_setting_is_shown_next_to_the_form_with_what_to_fix_and_changes_nothing(app, dash, fields, says):
    before = snapshot(app)
    r = dash.submit("/settings", **fields)
    assert r.status_code == 422 and 'id="settings-error"' in r.text and says in text_of(r)
    assert snapshot(app) == before
    shown = next(iter(fields.values())).replace("\x00", "")
    assert f'value="{shown}"' in r.text or "selected" in r.text  # the form as it was sent


def test_setting_an_agent_online_drains_the_queue_to_it(dash, client):
    client.agent("alice", "billing", status="offline")
    client.event(conversation="c1", customer="ada", team="billing")
    assert len(client.api("GET", "/api/unassigned").get_json()) == 1
    r = dash.submit("/agents/alice/status", status="online")
    assert r.status_code == 303
    assert client.api("GET", "/api/unassigned").get_json() == []
    conv = client.api("GET", "/api/conversations/c1").get_json()
    assert (conv["agent"], [d["rule"] for d in conv["decisions"]]) == ("alice", ["unassigned", "queue"])
    assert [d["trigger"] for d in conv["decisions"]] == ["event", "drain"]
    assert last_audit(client)["actor"] == "dashboard"
    assert "Nobody is waiting." in text_of(dash.get("/"))


def test_a_bad_agent_status_or_an_unknown_agent_is_shown_in_the_agents_row(app, dash, client):
    client.agent("alice", status="away")
    before = snapshot(app)
    r = dash.submit("/agents/alice/status", status="asleep")
    assert r.status_code == 422 and 'id="status-error-1"' in r.text and "status" in text_of(r)
    r = dash.submit("/agents/nobody/status", status="online")
    assert r.status_code == 404 and "no agent 'nobody'" in text_of(r)
    assert snapshot(app) == before


def test_a_conversation_timeline_shows_each_decision_with_rule_reason_time_and_what_made_it(dash, client):
    client.agent("alice", "billing", status="offline")
    client.event(conversation="c1", customer="ada", team="billing", at=T0)
    dash.submit("/agents/alice/status", status="online")
    page = text_of(dash.get("/conversations/c1"))
    assert "Status assigned Agent alice Team billing Customer ada" in page
    assert "2026-11-24 10:00 UTC · rule unassigned To Unassigned (team billing)" in page
    assert "What made stickybot decide: the chat channel: the conversation was opened or reopened" in page
    assert "rule queue Assigned to alice (team billing)" in page
    assert "What made stickybot decide: stickybot: an agent had room for it in the queue" in page
    assert dash.get("/conversations?id=c1").headers["Location"] == "/conversations/c1"
    missing = dash.get("/conversations/nope")
    assert missing.status_code == 404 and "no conversation 'nope'" in text_of(missing)


def test_a_customer_page_shows_the_link_and_a_preview_with_an_optional_team(dash, client):
    client.agent("alice", "billing", status="online")
    client.agent("bob", "sales", status="online")
    now = dash.http.application.extensions["stickybot"].clock.now()  # "inside the window" is by this clock
    client.event(conversation="c1", customer="ada", team="billing", at=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert dash.get("/customers?id=ada").headers["Location"] == "/customers/ada"
    page = text_of(dash.get("/customers/ada"))
    assert "Sticky link Agent alice" in page and "yes, inside the window" in page
    assert "To alice, rule sticky" in page
    with_team = text_of(dash.get("/customers/ada?team=sales"))
    assert "To alice (team sales), rule sticky" in with_team
    assert "No link is stored" in text_of(dash.get("/customers/grace"))


def test_blocking_unblocking_and_breaking_the_link_from_the_customer_page(dash, client):
    client.agent("alice", "billing", status="online")
    client.agent("bob", "billing", status="online")
    client.event(conversation="c1", customer="ada", team="billing")
    r = dash.submit("/customers/ada/blocks", agent="bob")
    assert (r.status_code, r.headers["Location"]) == (303, "/customers/ada?done=blocked")
    assert client.api("GET", "/api/customers/ada").get_json()["blocked_agents"] == ["bob"]
    assert "Block added" in dash.get(r.headers["Location"]).text
    assert dash.submit("/customers/ada/blocks/bob/remove").status_code == 303
    assert client.api("GET", "/api/customers/ada").get_json()["blocked_agents"] == []
    assert dash.submit("/customers/ada/link/break").status_code == 303
    assert client.api("GET", "/api/customers/ada").get_json()["sticky"] is None
    actions = [(e["actor"], e["action"]) for e in client.api("GET", "/api/audit").get_json()["items"][:3]]
    assert actions == [("dashboard", "link.delete"), ("dashboard", "block.remove"), ("dashboard", "block.add")]


def test_link_care_errors_are_shown_next_to_their_form_and_change_nothing(app, dash, client):
    client.agent("alice", status="online")
    before = snapshot(app)
    cases = [("/customers/ada/link/break", {}, 404, "link-error", "no link stored"),
             ("/customers/ada/blocks", {"agent": "nobody"}, 404, "block-error", "no agent 'nobody'"),
             ("/customers/ada/blocks", {"agent": ""}, 422, "block-error", "agent must be"),
             ("/customers/ada/blocks/alice/remove", {}, 404, "blocks-error", "is not blocked")]
    for path, fields, status, box, says in cases:
        r = dash.submit(path, **fields)
        assert (r.status_code, f'id="{box}"' in r.text, says in text_of(r)) == (status, True, True), path
    assert snapshot(app) == before


def test_forgetting_needs_the_customer_id_typed_again(app, dash, client):
    client.agent("alice", status="online")
    client.event(conversation="c1", customer="ada")
    before = snapshot(app)
    for typed in ("", "ad", "ADA"):
        r = dash.submit("/customers/ada/forget", confirm=typed)
        assert r.status_code == 422 and 'id="forget-error"' in r.text and "nothing was forgotten" in r.text
    assert snapshot(app) == before
    r = dash.submit("/customers/ada/forget", confirm="ada")
    assert (r.status_code, r.headers["Location"]) == (303, "/customers/ada?done=forgotten")
    conv = client.api("GET", "/api/conversations/c1").get_json()
    assert conv["customer"].startswith("forgotten-") and client.api("GET", "/api/customers/ada").get_json()["sticky"] is None
    assert last_audit(client)["actor"] == "dashboard" and last_audit(client)["action"] == "customer.forget"


def test_failed_deliveries_are_listed_on_the_overview(app, dash):
    db = app.extensions["stickybot"].db
    db.transact(lambda s: s.enqueue(OutboxKind.SLACK_HANDOFF, {"decision": 1}))
    now = app.extensions["stickybot"].clock.now() + timedelta(days=1)
    item = db.transact(lambda s: s.claim_next(frozenset(OutboxKind), now, timedelta(seconds=60)))
    db.transact(lambda s: s.finish(item, OutboxState.FAILED, "channel_not_found"))
    page = text_of(dash.get("/"))
    assert "Failed deliveries (1, newest first)" in page and "slack.handoff channel_not_found 1" in page


def test_the_stats_page_draws_stickiness_per_day_and_misses_by_cause(dash, client):
    client.agent("alice", "billing", status="online")
    client.agent("bob", "billing", status="online")
    now = dash.http.application.extensions["stickybot"].clock.now()
    day = lambda n: (now - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
    client.event(conversation="c1", customer="ada", team="billing", at=day(3))
    client.event(type="conversation.resolved", conversation="c1", at=day(3))
    client.event(conversation="c2", customer="ada", team="billing", at=day(2))  # back to her agent
    client.event(type="conversation.resolved", conversation="c2", at=day(2))
    linked = client.api("GET", "/api/customers/ada").get_json()["sticky"]["agent"]
    client.api("PATCH", f"/api/agents/{linked}", {"status": "away"})
    client.event(conversation="c3", customer="ada", team="billing", at=day(1))  # her agent is away
    page = dash.get("/stats?days=7")
    assert page.status_code == 200 and page.text.count('<rect class="seg-agent" x=') == 1
    assert page.text.count('<rect class="seg-mate" x=') == 1
    seen = text_of(page)
    assert "Returning customers 2" in seen and "Back to their agent 1 (50%)" in seen
    assert "agent away 1" in seen and "agent offline 0" in seen
    bad = dash.get("/stats?days=91")
    assert bad.status_code == 422 and 'id="days-error"' in bad.text and "1 to 90" in text_of(bad)


def test_the_audit_log_pages_back_from_the_newest(dash, client):
    for n in range(55):
        client.team(f"team{n:02d}")
    first = text_of(dash.get("/audit"))
    assert first.index("team54") < first.index("team53") and "team04" not in first
    older = dash.get("/audit").text.split('href="/audit?before=')[1].split('"')[0]
    second = text_of(dash.get(f"/audit?before={older}"))
    assert "team04" in second and "team00" in second and "team05" not in second


def test_the_timeline_names_who_deactivated_the_agent_behind_a_decision(dash, client):
    client.agent("alice", "billing", status="online")
    client.agent("bob", "billing", status="online")
    client.agent("carol", "billing", status="online")
    client.event(conversation="c1", customer="ada", team="billing", assign={"agent": "alice"})
    assert client.api("DELETE", "/api/agents/alice").status_code == 200
    page = text_of(dash.get("/conversations/c1"))
    assert "an admin deactivated its agent (by api)" in page
    moved_to = client.api("GET", "/api/conversations/c1").get_json()["agent"]
    assert client.api("DELETE", f"/api/agents/{moved_to}", {"successor": "carol" if moved_to == "bob" else "bob"}
                      ).status_code == 200
    page = text_of(dash.get("/conversations/c1"))
    assert "an admin handed its agent's customers to a successor (by api)" in page
    assert page.count("(by api)") == 2  # the first decision, the channel's, names nobody
