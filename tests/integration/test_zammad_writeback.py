"""Zammad write-back, CONTRACT.md section 10: each decision applied from the outbox with PUT /api/v1/tickets/{id}
against a fake Zammad over HTTP that keeps Zammad's rules, its silent refusal of an owner included."""
from __future__ import annotations

from datetime import datetime, timezone

from click.testing import CliRunner

from bot import create_app
from bot.cli import main
from bot.service.helpdesk.writeback import Write
from bot.store import Seen
from tests.conftest import StickyClient, make_config
from tests.integration.zammad_env import app, conversation, rt, story_agents, zd  # noqa: F401
from tests.zammadkit import SECRET, deliver, snapshot

CREATED = "webhook_ticket_created"


def puts(zd, ticket=118) -> list[dict]:
    return [c.body for c in zd.of("PUT", f"/api/v1/tickets/{ticket}")]


def rows(rt, kind="zammad.assign") -> list[tuple[str, str | None]]:
    from sqlmodel import select
    from bot.models import OutboxRow
    from tests.conftest import orm
    with orm(rt.db) as session:
        return [(r.state, r.last_error) for r in session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()
                if r.kind == kind]


def test_a_decision_is_written_from_the_outbox_as_the_tickets_owner(client, rt, zd):
    story_agents(client, rt, bruno="away")
    r = deliver(client.http, snapshot(CREATED)).get_json()
    assert r["agent"] == "ana" and puts(zd) == []  # nothing is written while the webhook waits
    rt.outbox.deliver_due()
    assert puts(zd) == [{"owner_id": 7}]  # the ticket's own group: no group_id
    assert zd.tickets[118]["owner_id"] == 7 and rows(rt) == [("delivered", None)]
    assert all(c.path != "/api/v1/tickets/118" or c.status == 200 for c in zd.calls)


def test_the_answer_to_stickybots_write_is_remembered_so_a_later_snapshot_is_no_reassignment(client, rt, zd):
    story_agents(client, rt, bruno="away")
    deliver(client.http, snapshot(CREATED))
    rt.outbox.deliver_due()
    reply = snapshot("webhook_article_customer_email")  # built after the write: owner 7
    assert deliver(client.http, reply).get_json()["status"] == "assigned"
    assert [d["rule"] for d in conversation(client)["decisions"]] == ["default"]


def test_group_id_is_sent_only_when_the_decision_names_another_group(rt, zd):
    desk = rt.desks["zammad"]
    at = datetime(2026, 6, 15, 9, 0, tzinfo=timezone.utc)
    assert isinstance(desk.write(Write("zammad:118", 1, "ana", 7, 2, Seen(at, None, 2))), Seen)
    assert isinstance(desk.write(Write("zammad:118", 2, "ana", 7, 3, Seen(at, 7, 2))), Seen)
    assert puts(zd) == [{"owner_id": 7}, {"owner_id": 7, "group_id": 3}]
    assert zd.tickets[118]["group_id"] == 3


def test_an_owner_zammad_silently_refuses_is_left_out_and_the_conversation_routed_again(client, rt, zd):
    story_agents(client, rt)
    zd.users[9]["group_ids"] = {}  # Bruno lost his access to Billing in Zammad; stickybot does not know yet
    client.api("PATCH", "/api/agents/ana", {"status": "away"})
    assert deliver(client.http, snapshot(CREATED)).get_json()["agent"] == "bruno"
    client.api("PATCH", "/api/agents/ana", {"status": "online"})
    rt.outbox.deliver_due()
    assert puts(zd) == [{"owner_id": 9}, {"owner_id": 7}]  # refused (200, owner 1), then Ana
    conv = conversation(client)
    assert (conv["agent"], conv["left_out"]) == ("ana", ["bruno"])
    last = conv["decisions"][-1]
    assert last["trigger"] == "refused" and "Zammad refused bruno as owner" in last["reason"]
    assert rows(rt) == [("skipped", "Zammad refused bruno as owner (inactive there, without the agent role, or "
                                    "without full access to the group); routed again"),
                        ("delivered", None)]
    metrics = client.http.get("/metrics").get_data(as_text=True)
    assert 'stickybot_owner_refusals_total{helpdesk="zammad"}' in metrics


def test_a_refusal_after_the_conversation_was_resolved_routes_nothing(client, rt, zd):
    story_agents(client, rt, ana="away")
    client.api("PATCH", "/api/agents/carla.mendes", {"status": "away"})
    zd.users[9]["group_ids"] = {}
    deliver(client.http, snapshot(CREATED))
    deliver(client.http, snapshot("webhook_ticket_state_closed", ticket={"owner_id": 1}))  # resolved meanwhile
    rt.outbox.deliver_due()
    assert puts(zd) == [{"owner_id": 9}]
    conv = conversation(client)
    assert (conv["status"], len(conv["decisions"]), conv["left_out"]) == ("resolved", 1, [])
    assert rows(rt)[0][1].endswith("; the conversation has moved on since")


def test_a_decision_superseded_before_it_is_written_is_not_written(client, rt, zd):
    story_agents(client, rt, ana="away")
    deliver(client.http, snapshot(CREATED))
    deliver(client.http, snapshot("webhook_ticket_owner_changed", ticket={"last_close_at": None}))  # to Carla
    rt.outbox.deliver_due()
    assert puts(zd) == [] and rows(rt) == [("skipped", "superseded by a later decision")]


def test_an_unassigned_decision_writes_nothing(client, rt, zd):
    story_agents(client, rt, ana="offline", bruno="offline")
    client.api("PATCH", "/api/agents/carla.mendes", {"status": "offline"})
    assert deliver(client.http, snapshot(CREATED)).get_json()["status"] == "unassigned"
    rt.outbox.deliver_due()
    assert puts(zd) == [] and rows(rt) == []


def test_a_refused_token_pauses_zammad_write_back_in_every_process_and_keeps_every_row(client, rt, zd, db_url):
    story_agents(client, rt, bruno="away")
    zd.token = "rotated"  # the token stickybot holds no longer works: 401
    deliver(client.http, snapshot(CREATED))
    rt.outbox.deliver_due()
    assert rows(rt) == [("pending", "http_401")]
    deliver(client.http, snapshot(CREATED, ticket={"id": 119, "number": "31119"}, article={"id": 1901}))
    other = create_app(make_config(db_url, zammad_url=zd.url, zammad_api_token="zammad-token",
                                   zammad_webhook_secret=SECRET))
    try:
        assert other.extensions["stickybot"].outbox.deliver_due() == 0  # another process: paused as well
    finally:
        other.extensions["stickybot"].close()
    assert rt.outbox.deliver_due() == 0 and len(zd.of("PUT", "/api/v1/tickets")) == 1
    assert [state for state, _ in rows(rt)] == ["pending", "pending"]


def test_outbox_retry_ends_a_pause_at_once_and_resends_what_was_kept(client, rt, zd, db_url):
    story_agents(client, rt, bruno="away")
    zd.script("PUT", "/api/v1/tickets", 403)
    deliver(client.http, snapshot(CREATED))
    rt.outbox.deliver_due()
    assert rows(rt) == [("pending", "http_403")] and rt.outbox.deliver_due() == 0
    result = CliRunner().invoke(main, ["outbox", "retry", "--channel", "zammad"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output
    assert "the paused zammad deliveries resume now" in result.output
    rt.clock.advance(seconds=1)  # the command ran on the real clock, a moment after this app's frozen one
    rt.outbox.deliver_due()
    assert rows(rt) == [("delivered", None)] and zd.tickets[118]["owner_id"] == 7


def test_a_404_gives_the_row_up_and_outbox_retry_sends_it_again(client, rt, zd, db_url):
    story_agents(client, rt, bruno="away")
    zd.script("PUT", "/api/v1/tickets", 404)
    deliver(client.http, snapshot(CREATED))
    rt.outbox.deliver_due()
    assert rows(rt) == [("failed", "http_404")]
    result = CliRunner().invoke(main, ["outbox", "retry", "--channel", "zammad"], env={"DATABASE_URL": db_url})
    assert result.output.startswith("1 failed deliveries are due again")
    rt.clock.advance(seconds=1)
    rt.outbox.deliver_due()
    assert rows(rt) == [("delivered", None)]


def test_a_5xx_is_retried(client, rt, zd):
    from sqlalchemy import update
    from bot.models import OutboxRow
    from tests.conftest import orm
    story_agents(client, rt, bruno="away")
    zd.script("PUT", "/api/v1/tickets", 502)
    deliver(client.http, snapshot(CREATED))
    rt.outbox.deliver_due()
    assert rows(rt) == [("pending", "http_502")]
    with orm(rt.db) as session:
        session.execute(update(OutboxRow).where(OutboxRow.state == "pending").values(next_attempt_at=rt.clock.now()))
    rt.outbox.deliver_due()
    assert rows(rt) == [("delivered", None)] and puts(zd) == [{"owner_id": 7}, {"owner_id": 7}]


def test_an_owner_stickybot_does_not_know_is_learnt_from_the_outbox_never_inside_the_request(client, rt, zd):
    story_agents(client, rt, sync=False)
    r = deliver(client.http, snapshot(CREATED, ticket={"owner_id": 7})).get_json()
    assert (r["status"], r["rule"]) == ("unassigned", "explicit_unknown")
    assert zd.of("GET", "/api/v1/users") == []  # the request called nobody
    rt.outbox.deliver_due()
    assert len(zd.of("GET", "/api/v1/users")) >= 1
    assert rt.db.read(lambda s: s.agent("ana")).zammad_user_id == 7
    again = deliver(client.http, snapshot(CREATED, ticket={"id": 120, "number": "31120", "owner_id": 7},
                                          article={"id": 1902})).get_json()
    assert (again["agent"], again["rule"]) == ("ana", "explicit_agent")


def test_an_agent_with_no_zammad_user_is_never_written(client, rt, zd):
    client.agent("zoe", "billing", email="zoe@elsewhere.example")
    deliver(client.http, snapshot(CREATED))
    rt.outbox.deliver_due()
    assert puts(zd) == [] and rows(rt)[0][1].startswith("agent zoe has no Zammad user")


def test_the_handoff_names_the_ticket_by_its_number_and_links_to_it(client, rt):
    from bot.slack.sender import render_handoff
    story_agents(client, rt, bruno="away")
    deliver(client.http, snapshot(CREATED))
    decision = rt.db.read(lambda s: s.last_decision("zammad:118"))
    channel, text, blocks = rt.db.read(lambda s: render_handoff(s, {"decision": decision.id}, "C_QUEUE"))
    shown = str(blocks)
    assert "Open Ticket#31118" in shown and "/#ticket/zoom/118|" in shown


def test_without_zammad_configured_nothing_is_written_and_rows_wait(db_url):
    app = create_app(make_config(db_url, zammad_webhook_secret=SECRET))
    client = StickyClient(app.test_client())
    client.agent("ana", "billing", email="ana.souza@acme.example")
    deliver(client.http, snapshot(CREATED))
    rt = app.extensions["stickybot"]
    assert "zammad" not in rt.desks and rt.outbox.deliver_due() == 0
    assert rows(rt) == [("pending", None)]
    app.extensions["stickybot"].close()


def test_a_refused_owner_does_not_become_the_returning_customers_agent(client, rt, zd):
    story_agents(client, rt)
    client.api("PATCH", "/api/settings", {"sticky_days": 14})
    client.api("PATCH", "/api/agents/carla.mendes", {"status": "away"})
    deliver(client.http, snapshot(CREATED, ticket={"owner_id": 7}))  # Maria's first ticket: Ana
    deliver(client.http, snapshot("webhook_ticket_state_closed"))
    client.api("PATCH", "/api/agents/ana", {"status": "away"})
    zd.users[9]["group_ids"] = {}
    zd.add_ticket(119)
    second = snapshot(CREATED, ticket={"id": 119, "number": "31119", "created_at": "2026-06-16T09:00:00.000Z",
                                       "updated_at": "2026-06-16T09:00:00.100Z"}, article={"id": 1001})
    assert deliver(client.http, second).get_json()["agent"] == "bruno"  # Ana away: her teammate
    rt.outbox.deliver_due()  # Zammad refuses Bruno
    link = client.api("GET", "/api/customers/zammad:42").get_json()["sticky"]
    assert link["agent"] == "ana"
    last = conversation(client, "zammad:119")["decisions"][-1]
    assert last["trigger"] == "refused" and "ana" in last["reason"]
