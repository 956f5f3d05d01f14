"""Slack, CONTRACT.md section 5: handoffs from the outbox, /sticky, and the Release button,
against a fake Slack Web API served over real HTTP."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from bot import create_app
from bot.clock import now
from bot.models import OutboxRow
from tests.conftest import orm, StickyClient, make_config
from tests.slackkit import SIGNING_SECRET, click, slash


def slack_app(db_url, slack, **overrides):
    settings = dict(slack_bot_token="xoxb-test-token", slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=slack.url, slack_queue_channel="C_QUEUE", admin_slack_ids=frozenset({"U_ADMIN"}))
    settings.update(overrides)
    return create_app(make_config(db_url, **settings))


@pytest.fixture
def app(db_url, slack):
    app = slack_app(db_url, slack)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def rt(app):
    return app.extensions["stickybot"]


def time_passes(rt):
    """Every pending row is due now (what waiting out the backoff would do)."""
    with orm(rt.db) as session:
        session.execute(update(OutboxRow).where(OutboxRow.state == "pending").values(next_attempt_at=now()))


def outbox(rt):
    with orm(rt.db) as session:
        return session.exec(select(OutboxRow).order_by(OutboxRow.id)).all()


def button_of(post):
    return next(e for b in post["blocks"] if b["type"] == "actions" for e in b["elements"])


# --- handoffs ---------------------------------------------------------------------------------

def test_an_assignment_posts_one_dm_with_context_and_a_release_button(client, rt, slack):
    client.agent("alice", "billing", slack="U_ALICE")
    client.event(conversation="c0", at="2026-11-20T10:00:00Z", team="billing")
    assert slack.posts() == []  # nothing is sent inside the request
    assert rt.outbox.deliver_due() == 1
    client.event(type="conversation.resolved", conversation="c0", at="2026-11-20T11:00:00Z")
    client.event(conversation="conv_77", at="2026-11-22T12:00:00Z", team="billing")
    assert rt.outbox.deliver_due() == 1
    posts = slack.posts("U_ALICE")
    assert len(posts) == 2 and len(slack.posts()) == 2
    text = json.dumps(posts[1]["blocks"])
    assert "Ada Lovelace" in text and "cust_42" in text
    assert "returning customer, you helped them 2 days ago" in text
    assert "https://help.example.com/c/conv_77" in text
    button = button_of(posts[1])
    assert button["action_id"] == "sticky_release" and json.loads(button["value"])["c"] == "conv_77"
    assert slack.calls[0].token == "xoxb-test-token"
    assert rt.outbox.deliver_due() == 0 and len(slack.posts()) == 2


def test_after_a_long_outage_only_handoffs_still_current_are_sent(db_url, slack):
    """No Slack token for a while: conversations came and went. Once it is set, only the DMs that are still
    true go out; the others are skipped, saying why."""
    quiet = create_app(make_config(db_url))  # no SLACK_BOT_TOKEN
    client = StickyClient(quiet.test_client())
    client.agent("alice", "billing", slack="U_ALICE")
    client.agent("bob", "billing", slack="U_BOB")
    client.event(conversation="gone", customer="a", team="billing")
    client.event(type="conversation.resolved", conversation="gone")
    client.event(conversation="moved", customer="b", team="billing")
    client.event(type="conversation.assigned", conversation="moved", agent="alice")
    client.event(conversation="open", customer="c", team="billing")
    quiet.extensions["stickybot"].close()
    app = slack_app(db_url, slack)
    rt = app.extensions["stickybot"]
    try:
        assert rt.outbox.deliver_due() == 3
        assert [p["blocks"][0]["text"]["text"].split("(`")[1].split("`")[0] for p in slack.posts()] == ["c"]
        notes = {r.state: r.last_error for r in outbox(rt) if r.state != "delivered"}
        assert notes == {"skipped": notes["skipped"]} and notes["skipped"].startswith("stale:")
    finally:
        rt.close()


def test_unassigned_goes_to_the_queue_channel(client, rt, slack):
    client.agent("alice", status="away", slack="U_ALICE")
    assert client.event().get_json()["status"] == "unassigned"
    rt.outbox.deliver_due()
    assert len(slack.posts("C_QUEUE")) == 1 and slack.posts("U_ALICE") == []
    assert "Unassigned" in slack.posts("C_QUEUE")[0]["text"]


def test_an_agent_without_a_slack_id_is_announced_in_the_queue_channel(client, rt, slack):
    client.agent("alice")
    client.event()
    rt.outbox.deliver_due()
    assert len(slack.posts("C_QUEUE")) == 1 and "alice" in slack.posts("C_QUEUE")[0]["text"]


def test_with_nowhere_to_post_the_row_is_closed_with_a_note(db_url, slack):
    app = slack_app(db_url, slack, slack_queue_channel=None)
    client, rt = StickyClient(app.test_client()), app.extensions["stickybot"]
    client.agent("alice")
    client.event()
    rt.outbox.deliver_due()
    assert slack.posts() == []
    assert [(r.state, "nowhere to post" in r.last_error) for r in outbox(rt)] == [("skipped", True)]
    rt.close()


def test_without_a_bot_token_handoffs_wait_in_the_outbox(db_url, slack):
    app = slack_app(db_url, slack, slack_bot_token=None)
    client, rt = StickyClient(app.test_client()), app.extensions["stickybot"]
    client.agent("alice", slack="U_ALICE")
    assert client.event().get_json()["agent"] == "alice"
    assert rt.outbox.deliver_due() == 0
    assert [r.state for r in outbox(rt)] == ["pending"] and slack.calls == []
    assert "not configured" in client.http.get("/readyz").get_json()["slack"]
    rt.close()


def test_an_outage_loses_nothing_and_doubles_nothing(client, rt, slack):
    client.agent("alice", slack="U_ALICE")
    slack.fail("chat.postMessage", 3, status=503)
    slack.fail("chat.postMessage", 2, status=429, error="ratelimited", headers={"Retry-After": "1"})
    for n in range(6):
        client.event(conversation=f"c{n}", customer=f"cust{n}")
    for _ in range(10):
        rt.outbox.deliver_due()
        time_passes(rt)
    delivered = [json.loads(button_of(p)["value"])["c"] for p in slack.posts("U_ALICE")]
    assert sorted(delivered) == [f"c{n}" for n in range(6)]
    assert {r.state for r in outbox(rt)} == {"delivered"}
    assert slack.attempts() == 6 + 5


def test_429_is_retried_after_its_retry_after(client, rt, slack):
    client.agent("alice", slack="U_ALICE")
    slack.fail("chat.postMessage", 1, status=429, error="ratelimited", headers={"Retry-After": "30"})
    client.event()
    rt.outbox.deliver_due()
    row = outbox(rt)[0]
    wait = (row.next_attempt_at - now()).total_seconds()
    assert row.state == "pending" and row.last_error == "ratelimited" and 25 < wait <= 30
    assert rt.outbox.deliver_due() == 0


def test_a_5xx_backs_off_exponentially(client, rt, slack):
    client.agent("alice", slack="U_ALICE")
    slack.fail("chat.postMessage", 3, status=500)
    client.event()
    waits = []
    for _ in range(3):
        rt.outbox.deliver_due()
        row = outbox(rt)[0]
        waits.append((row.next_attempt_at - now()).total_seconds())
        time_passes(rt)
    assert waits[0] < waits[1] < waits[2]
    rt.outbox.deliver_due()
    assert outbox(rt)[0].state == "delivered" and len(slack.posts()) == 1


@pytest.mark.parametrize("error", ["channel_not_found", "is_archived", "messages_tab_disabled", "not_in_channel"])
def test_a_permanent_error_stops_retrying_and_shows_in_status(client, rt, slack, error):
    client.agent("alice", slack="U_ALICE")
    slack.fail("chat.postMessage", 1, status=200, error=error)
    client.event()
    rt.outbox.deliver_due()
    time_passes(rt)
    assert rt.outbox.deliver_due() == 0
    assert [(r.state, r.last_error) for r in outbox(rt)] == [("failed", error)]
    assert slack.attempts() == 1
    status = slash(client.http, "U_ALICE", "status").get_json()["text"]
    assert "*Failed deliveries*: 1" in status


@pytest.mark.parametrize("error", ["invalid_auth", "account_inactive", "token_revoked", "missing_scope"])
def test_a_token_problem_stops_posting_raises_the_alarm_and_keeps_the_handoffs(client, rt, slack, error):
    client.agent("alice", slack="U_ALICE")
    slack.fail("chat.postMessage", 1, status=200, error=error)
    client.event(conversation="c1", customer="a")
    client.event(conversation="c2", customer="b")
    rt.outbox.deliver_due()
    time_passes(rt)
    rt.outbox.deliver_due()
    assert slack.attempts() == 1 and slack.posts() == []
    assert {r.state for r in outbox(rt)} == {"pending"}
    status = slash(client.http, "U_ADMIN", "status").get_json()["text"]
    assert "Slack refuses our token" in status and error in status
    rt.outbox.resume(rt.outbox.by_kind["slack.handoff"])  # the pause ends; the token was fixed
    time_passes(rt)
    rt.outbox.deliver_due()
    assert {r.state for r in outbox(rt)} == {"delivered"} and len(slack.posts()) == 2


def test_a_crash_after_commit_still_delivers(db_url, slack):
    """The process dies after the commit and before Slack: the next process sends the handoff."""
    first = slack_app(db_url, slack)
    StickyClient(first.test_client()).agent("alice", slack="U_ALICE")
    StickyClient(first.test_client()).event()
    first.extensions["stickybot"].db.dispose()  # gone, without delivering
    second = slack_app(db_url, slack)
    second.extensions["stickybot"].outbox.deliver_due()
    assert len(slack.posts("U_ALICE")) == 1
    second.extensions["stickybot"].close()


def test_a_row_claimed_by_a_worker_that_died_is_delivered_after_its_lease(client, rt, slack):
    from bot.store import OutboxKind
    client.agent("alice", slack="U_ALICE")
    client.event()
    claimed = rt.db.transact(lambda s: s.claim_next(frozenset({OutboxKind.SLACK_HANDOFF}), now(),
                                                    timedelta(seconds=60)))
    assert claimed is not None  # claimed, then the worker dies
    assert rt.outbox.deliver_due() == 0
    with orm(rt.db) as session:
        session.execute(update(OutboxRow).values(lease_until=now() - timedelta(seconds=1)))
    assert rt.outbox.deliver_due() == 1 and len(slack.posts()) == 1


def test_the_in_process_deliverer_sends_right_after_the_commit(db_url, slack):
    app = slack_app(db_url, slack, deliver_after_commit=True)
    client = StickyClient(app.test_client())
    client.agent("alice", slack="U_ALICE")
    client.event()
    deadline = time.time() + 5
    while not slack.posts() and time.time() < deadline:
        time.sleep(0.02)
    assert len(slack.posts("U_ALICE")) == 1
    app.extensions["stickybot"].close()


# --- signing ----------------------------------------------------------------------------------

SLACK_VECTOR = {  # Slack's documented example (docs.slack.dev, "Verifying requests from Slack")
    "secret": "8f742231b10e8888abcd99yyyzzz85a5", "timestamp": 1531420618,
    "signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    "body": "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
}


@pytest.mark.parametrize("secret,signature,verified", [
    (SLACK_VECTOR["secret"], SLACK_VECTOR["signature"], True),
    (SLACK_VECTOR["secret"], SLACK_VECTOR["signature"][:-1] + "a", False),
    ("another-secret", SLACK_VECTOR["signature"], False),
])
def test_slacks_documented_signing_example_passes_the_apps_own_verification(db_url, slack, monkeypatch,
                                                                            secret, signature, verified):
    app = slack_app(db_url, slack, slack_signing_secret=secret)
    import slack_sdk.signature
    shift = time.time() - SLACK_VECTOR["timestamp"] - 10  # clocks read 10 s after Slack signed it
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() - shift)
    monkeypatch.setattr(slack_sdk.signature, "time", time.time)  # it holds its own reference
    try:
        r = app.test_client().post("/slack/events", data=SLACK_VECTOR["body"].encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(SLACK_VECTOR["timestamp"]), "X-Slack-Signature": signature})
    finally:
        monkeypatch.undo()
        app.extensions["stickybot"].close()
    # verified: past the signature check (the app has no /webhook-collect command, so nothing handles it)
    assert (r.status_code != 401) is verified, (r.status_code, r.get_data(as_text=True))


def test_a_badly_signed_slack_request_is_refused(client):
    assert slash(client.http, "U_ADMIN", "days 3", secret="wrong").status_code == 401
    assert slash(client.http, "U_ADMIN", "days 3", timestamp=int(time.time()) - 600).status_code == 401
    assert client.api("GET", "/api/settings").get_json()["sticky_days"] == 7


def test_without_a_signing_secret_slack_requests_are_refused_and_it_says_why(db_url, slack):
    app = slack_app(db_url, slack, slack_signing_secret=None)
    r = slash(app.test_client(), "U_ADMIN", "days 3")
    assert r.status_code == 503 and "SLACK_SIGNING_SECRET" in r.get_json()["message"]
    app.extensions["stickybot"].close()


# --- /sticky ----------------------------------------------------------------------------------

def say(client, user, text):
    r = slash(client.http, user, text)
    assert r.status_code == 200
    body = r.get_json()
    assert body["response_type"] == "ephemeral"
    return body["text"]


def test_days_shows_and_an_admin_sets_the_window(client):
    assert "7 days" in say(client, "U_SOMEONE", "days")
    assert "30 days" in say(client, "U_ADMIN", "days 30")
    assert client.api("GET", "/api/settings").get_json()["sticky_days"] == 30
    assert "off" in say(client, "U_ADMIN", "days 0")


@pytest.mark.parametrize("text", ["days -1", "days 9999", "days seven", "days 366"])
def test_bad_days_are_refused_with_what_to_type_and_nothing_changes(client, text):
    answer = say(client, "U_ADMIN", text)
    assert "/sticky days 7" in answer
    assert client.api("GET", "/api/settings").get_json()["sticky_days"] == 7


@pytest.mark.parametrize("text", ["days 3", "check off", "forget cust_42", "wait 10", "claim 5"])
def test_non_admins_are_refused(client, slack, text):
    client.agent("alice")
    client.event()
    assert "Only stickybot admins" in say(client, "U_NOBODY", text)
    assert client.api("GET", "/api/settings").get_json() == {"sticky_days": 7, "availability_check": True,
                                                             "drain_unassigned": True, "sticky_wait_minutes": 0,
                                                             "claim_minutes": 0}
    assert client.api("GET", "/api/customers/cust_42").get_json()["sticky"] is not None


def test_workspace_admins_and_owners_are_admins(client, slack):
    slack.users["U_WSADMIN"] = {"id": "U_WSADMIN", "is_admin": True}
    slack.users["U_OWNER"] = {"id": "U_OWNER", "is_owner": True}
    assert "availability check *off*" in say(client, "U_WSADMIN", "check off").lower() or \
        "Availability check *off*" in say(client, "U_WSADMIN", "check off")
    assert "12 days" in say(client, "U_OWNER", "days 12")
    assert client.api("GET", "/api/settings").get_json()["availability_check"] is False


def test_check_on_and_off(client):
    say(client, "U_ADMIN", "check off")
    assert client.api("GET", "/api/settings").get_json()["availability_check"] is False
    say(client, "U_ADMIN", "check on")
    assert client.api("GET", "/api/settings").get_json()["availability_check"] is True


def test_status_tells_settings_online_load_queue_links_and_failures(client):
    client.agent("alice", slack="U_ALICE")
    client.agent("bob", status="away")
    client.event(conversation="c1", customer="a")
    text = say(client, "U_ALICE", "status")
    for part in ("*Window*: 7 days", "*Online*: alice", "alice 1", "*Unassigned queue*: 0", "*links held*: 1",
                 "*Failed deliveries*: 0"):
        assert part in text


def test_an_agent_sets_their_own_status_and_going_online_drains_the_queue(client):
    client.agent("alice", status="away", slack="U_ALICE")
    client.event(conversation="c1", customer="a")
    assert "*away*" in say(client, "U_ALICE", "away")
    answer = say(client, "U_ALICE", "online")
    assert "*online*" in answer and "1 conversation(s)" in answer
    assert client.api("GET", "/api/conversations/c1").get_json()["agent"] == "alice"
    say(client, "U_ALICE", "offline")
    assert client.api("GET", "/api/agents/alice").get_json()["status"] == "offline"


def test_a_caller_who_is_no_agent_cannot_set_a_status(client):
    assert "not linked to an agent" in say(client, "U_STRANGER", "online")


def test_why_explains_the_decisions(client):
    client.agent("alice", status="away")
    client.event(conversation="c1")
    client.api("PATCH", "/api/agents/alice", {"status": "online"})
    text = say(client, "U_X", "why c1")
    assert "`unassigned`" in text and "`queue`" in text and "alice" in text
    assert "no conversation" in say(client, "U_X", "why nope")


def test_an_admin_forgets_a_customer(client):
    client.agent("alice")
    client.event()
    assert "Forgot `cust_42`" in say(client, "U_ADMIN", "forget cust_42")
    assert client.api("GET", "/api/customers/cust_42").get_json()["sticky"] is None
    assert client.api("GET", "/api/conversations/conv_1").get_json()["customer"] != "cust_42"


@pytest.mark.parametrize("text", ["help", "", "dance"])
def test_help_and_unknown_words_list_the_commands(client, text):
    answer = say(client, "U_X", text)
    assert "/sticky days" in answer and "/sticky why" in answer and "/sticky forget" in answer


# --- the Release button -----------------------------------------------------------------------

def test_release_routes_again_without_the_agent_and_updates_the_dm(client, rt, slack):
    client.agent("alice", "billing", slack="U_ALICE")
    client.agent("bob", "billing", slack="U_BOB")
    assert client.event(team="billing").get_json()["agent"] == "alice"
    rt.outbox.deliver_due()
    dm = slack.posts("U_ALICE")[0]
    r = click(client.http, "U_ALICE", "sticky_release", button_of(dm)["value"], "D_ALICE", "111.222")
    assert r.status_code == 200
    conv = client.api("GET", "/api/conversations/conv_1").get_json()
    assert conv["agent"] == "bob" and "alice released it" in conv["decisions"][-1]["reason"]
    rt.outbox.deliver_due()
    assert len(slack.posts("U_BOB")) == 1
    update_call = slack.of("chat.update")[0]
    assert (update_call["channel"], update_call["ts"]) == ("D_ALICE", "111.222")
    assert "went to bob" in update_call["text"]
    loads = {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}
    assert loads == {"alice": 0, "bob": 1}


def test_release_with_nobody_else_sends_it_to_unassigned(client, rt, slack):
    client.agent("alice", slack="U_ALICE")
    client.event()
    rt.outbox.deliver_due()
    click(client.http, "U_ALICE", "sticky_release", button_of(slack.posts("U_ALICE")[0])["value"], "D1", "1.1")
    assert client.api("GET", "/api/conversations/conv_1").get_json()["status"] == "unassigned"
    rt.outbox.deliver_due()
    assert "waiting in Unassigned" in slack.of("chat.update")[0]["text"]
    assert len(slack.posts("C_QUEUE")) == 1


def test_only_the_holder_can_release(client, rt, slack):
    client.agent("alice", slack="U_ALICE")
    client.agent("bob", slack="U_BOB")
    client.event(assign={"agent": "alice"})
    rt.outbox.deliver_due()
    value = button_of(slack.posts("U_ALICE")[0])["value"]
    click(client.http, "U_BOB", "sticky_release", value, "D_BOB", "9.9")
    assert client.api("GET", "/api/conversations/conv_1").get_json()["agent"] == "alice"


def test_a_customers_new_name_reaches_the_next_handoff_and_a_missing_one_keeps_the_old(client, rt, slack):
    from tests.conftest import event_body
    client.agent("alice", slack="U_ALICE")
    client.event(conversation="c1")
    rt.outbox.deliver_due()
    renamed = event_body(conversation="c2")
    renamed["customer"]["name"] = "Ada King"
    client.signed(json.dumps(renamed).encode())
    rt.outbox.deliver_due()
    nameless = event_body(conversation="c3")
    del nameless["customer"]["name"]
    client.signed(json.dumps(nameless).encode())
    rt.outbox.deliver_due()
    texts = [p["text"] for p in slack.posts("U_ALICE")]
    assert "Ada Lovelace" in texts[0] and "Ada King" in texts[1] and "Ada King" in texts[2]
