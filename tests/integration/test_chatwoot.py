"""Chatwoot, CONTRACT.md section 7: real payload shapes, signed as Chatwoot signs them, and its API
answered by `responses`."""
from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
import responses

from bot import create_app
from integrations import signing
from integrations.signing import sign
from tests.conftest import orm, StickyClient, make_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "chatwoot"
SECRET = "Ghx3pN8vQk2LmR7sT9wYbC4d"
CW = "https://chatwoot.test"
ASSIGN = f"{CW}/api/v1/accounts/1/conversations/118/assignments"


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def app(db_url, clock):
    app = create_app(make_config(db_url, chatwoot_url=CW, chatwoot_account_id="1", chatwoot_api_token="cw-token",
                                 chatwoot_webhook_secret=SECRET), clock=clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def rt(app):
    return app.extensions["stickybot"]


@pytest.fixture
def cw():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{CW}/api/v1/accounts/1/agents", json=sample("agents_list"))
        mock.get(f"{CW}/api/v1/accounts/1/teams", json=sample("teams_list"))
        yield mock


def post(client, payload: dict | bytes, *, delivery=None, secret=SECRET, timestamp=None, signed=True):
    body = payload if isinstance(payload, bytes) else json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json",
               "X-Chatwoot-Delivery": str(uuid.uuid4()) if delivery is None else delivery}
    if signed:
        stamp = int(time.time()) if timestamp is None else timestamp
        headers.update({"X-Chatwoot-Timestamp": str(stamp), "X-Chatwoot-Signature": f"sha256={sign(secret, stamp, body)}"})
    return client.http.post("/webhooks/chatwoot", data=body, headers=headers)


def team_of_agents(client, *, ana_status="online"):
    """Two agents, matched to their Chatwoot users by e-mail (what a directory sync, or the outbox after a first
    sighting of an unknown user, does)."""
    from bot.service.chatwoot_writeback import remember_users
    client.agent("ana", "billing", email="ana.souza@acme.example", status=ana_status)
    client.agent("bruno", "billing", email="bruno.lima@acme.example")
    rt = client.http.application.extensions["stickybot"]
    rt.db.transact(lambda s: remember_users(s, sample("agents_list"), rt.clock.now()))


def assignment_bodies(cw) -> list[dict]:
    return [json.loads(c.request.body) for c in cw.calls if c.request.url == ASSIGN]


def created(**meta) -> dict:
    payload = sample("conversation_created")
    payload["meta"].update(meta)
    return payload


# --- authenticity -----------------------------------------------------------------------------

def verify_sample(secret: str, body: bytes, signature: str) -> None:
    """The check the endpoint makes, at the moment the sample was signed."""
    stamp = sample("signature_example")["headers"]["X-Chatwoot-Timestamp"]
    signing.verify(secret, stamp, signature, body, int(stamp), "sha256", "X-Chatwoot-Timestamp", "X-Chatwoot-Signature")


def test_chatwoots_sample_signature_verifies():
    vector = sample("signature_example")
    verify_sample(vector["secret"], vector["raw_body"].encode(), vector["headers"]["X-Chatwoot-Signature"])


@pytest.mark.parametrize("change", ["body", "secret", "signature"])
def test_chatwoots_sample_with_anything_changed_does_not_verify(change):
    vector = sample("signature_example")
    body, secret, signature = vector["raw_body"].encode(), vector["secret"], vector["headers"]["X-Chatwoot-Signature"]
    body = body.replace(b"Maria", b"Mario") if change == "body" else body
    secret = secret[:-1] if change == "secret" else secret
    signature = signature[:-1] + ("0" if signature[-1] != "0" else "1") if change == "signature" else signature
    with pytest.raises(signing.SignatureError):
        verify_sample(secret, body, signature)


def test_the_sample_body_signed_now_is_routed(client, cw):
    team_of_agents(client)
    raw = sample("signature_example")["raw_body"].encode()
    r = post(client, raw)
    assert r.status_code == 200 and r.get_json()["status"] == "assigned"


def test_a_wrong_signature_is_refused(client):
    r = post(client, created(), secret="not-the-secret")
    assert r.status_code == 401 and r.get_json()["error"] == "bad_signature"


def test_a_stale_timestamp_is_refused(client):
    r = post(client, created(), timestamp=int(time.time()) - 301)
    assert r.status_code == 401 and r.get_json()["error"] == "stale_timestamp"


def test_a_replayed_delivery_changes_nothing(client, cw):
    team_of_agents(client)
    first = post(client, created(), delivery="d-1").get_json()
    again = post(client, created(), delivery="d-1").get_json()
    assert again == {**first, "duplicate": True}
    assert sum(a["open_load"] for a in client.api("GET", "/api/agents").get_json()) == 1


def test_a_captured_delivery_resent_under_a_new_delivery_id_or_none_changes_nothing(client, cw):
    """A resolve captured and replayed (within the signature's 300 s) after the conversation was reopened."""
    team_of_agents(client)
    post(client, created())
    stamp = int(time.time())
    resolve = json.dumps(sample("conversation_status_changed_resolved"), separators=(",", ":")).encode()
    assert post(client, resolve, delivery="d-res", timestamp=stamp).get_json()["status"] == "resolved"
    assert post(client, sample("conversation_status_changed_open")).get_json()["status"] == "assigned"
    for replay in ("d-other", ""):
        r = post(client, resolve, delivery=replay, timestamp=stamp).get_json()
        assert r["duplicate"] is True and r["status"] == "resolved"
    conv = client.api("GET", "/api/conversations/chatwoot:1:118").get_json()
    assert conv["status"] == "assigned"


def test_unsigned_deliveries_are_refused_by_default(client):
    r = post(client, created(), signed=False)
    assert r.status_code == 401


def test_unsigned_deliveries_are_taken_only_from_configured_sources_when_opted_in(db_url, cw):
    app = create_app(make_config(db_url, chatwoot_url=CW, chatwoot_account_id="1", chatwoot_api_token="t",
                                 chatwoot_allow_unsigned=True, chatwoot_unsigned_sources=frozenset({"10.0.0.0/8"})))
    client = StickyClient(app.test_client())
    team_of_agents(client)
    body = json.dumps(created()).encode()
    refused = client.http.post("/webhooks/chatwoot", data=body, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    taken = client.http.post("/webhooks/chatwoot", data=body, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert refused.status_code == 401 and taken.status_code == 200
    app.extensions["stickybot"].close()


def test_without_a_secret_the_endpoint_is_closed_and_says_why(db_url):
    app = create_app(make_config(db_url))
    r = post(StickyClient(app.test_client()), created())
    assert r.status_code == 503 and "CHATWOOT_WEBHOOK_SECRET" in r.get_json()["message"]
    assert SECRET not in r.get_data(as_text=True)
    app.extensions["stickybot"].close()


# --- mapping ----------------------------------------------------------------------------------

def test_an_unassigned_new_conversation_is_routed_by_the_rules_and_written_back(client, rt, cw):
    team_of_agents(client)
    r = post(client, created()).get_json()
    assert (r["status"], r["rule"], r["conversation"]) == ("assigned", "default", "chatwoot:1:118")
    assert assignment_bodies(cw) == []  # nothing is written inside the request
    cw.post(ASSIGN, json=sample("assignment_response"))
    rt.outbox.deliver_due()
    assert assignment_bodies(cw) == [{"assignee_id": 7 if r["agent"] == "ana" else 9}]
    assert all(c.request.headers["api_access_token"] == "cw-token" for c in cw.calls)


def test_the_customer_is_the_contact_not_the_conversation(client, cw):
    team_of_agents(client)
    first = post(client, created()).get_json()
    later = created()
    later["id"] = 119
    later["created_at"] += 2 * 86400
    r = post(client, later).get_json()
    assert (r["rule"], r["agent"]) == ("sticky", first["agent"])
    link = client.api("GET", "/api/customers/chatwoot:1:contact:42").get_json()["sticky"]
    assert link["agent"] == first["agent"]


def test_an_assignee_already_set_is_the_flows_explicit_choice(client, rt, cw):
    team_of_agents(client, ana_status="offline")
    payload = created(assignee={"id": 7, "name": "Ana Souza", "type": "user"}, assignee_type="User")
    r = post(client, payload).get_json()
    assert (r["agent"], r["rule"]) == ("ana", "explicit_agent")


def test_an_assignee_unknown_to_stickybot_goes_to_unassigned_and_nothing_is_written(client, rt, cw):
    team_of_agents(client)
    payload = created(assignee={"id": 555, "name": "Stranger", "type": "user"}, assignee_type="User")
    r = post(client, payload).get_json()
    assert (r["status"], r["rule"]) == ("unassigned", "explicit_unknown")
    rt.outbox.deliver_due()
    assert assignment_bodies(cw) == []


def test_an_unknown_chatwoot_user_is_learnt_from_the_outbox_never_inside_the_request(client, rt, cw):
    client.agent("ana", "billing", email="ana.souza@acme.example", status="offline")
    agents_url = f"{CW}/api/v1/accounts/1/agents"
    payload = created(assignee={"id": 7, "name": "Ana Souza", "type": "user"}, assignee_type="User")
    first = post(client, payload).get_json()
    assert (first["status"], first["rule"]) == ("unassigned", "explicit_unknown")
    assert [c for c in cw.calls if c.request.url == agents_url] == []  # the request called nobody
    rt.outbox.deliver_due()
    assert len([c for c in cw.calls if c.request.url == agents_url]) == 1
    learnt = client.api("GET", "/api/audit").get_json()["items"][0]
    assert (learnt["actor"], learnt["action"], learnt["target"]) == ("chatwoot-sync", "agent.update", "ana")
    assert learnt["after"] == {"chatwoot_user_id": 7}
    payload["id"] = 119
    again = post(client, payload).get_json()
    assert (again["agent"], again["rule"]) == ("ana", "explicit_agent")
    post(client, {**payload, "id": 120, "meta": {**payload["meta"], "assignee": {"id": 555, "type": "user"}}})
    post(client, {**payload, "id": 121, "meta": {**payload["meta"], "assignee": {"id": 556, "type": "user"}}})
    rt.outbox.deliver_due()
    assert len([c for c in cw.calls if c.request.url == agents_url]) == 1  # at most one look-up an hour


def test_a_team_without_an_assignee_is_rule_2_and_written_team_first(client, rt, cw):
    team_of_agents(client)
    r = post(client, created(team={"id": 2, "name": "billing"})).get_json()
    assert (r["rule"], r["team"]) == ("explicit_team", "billing")
    cw.post(ASSIGN, json=sample("assignment_response_team"))
    rt.outbox.deliver_due()
    bodies = assignment_bodies(cw)
    assert bodies[0] == {"team_id": 2} and list(bodies[1]) == ["assignee_id"] and len(bodies) == 2


def test_a_conversation_held_by_an_agent_bot_is_left_to_the_bot(client, cw):
    team_of_agents(client)
    payload = created(assignee={"id": 5, "name": "Bot", "type": "agent_bot"}, assignee_type="AgentBot")
    r = post(client, payload).get_json()
    assert r["status"] == "ignored" and "bot" in r["reason"]


def test_resolved_then_reopened_goes_back_to_the_same_agent(client, cw):
    team_of_agents(client)
    first = post(client, created()).get_json()
    r = post(client, sample("conversation_status_changed_resolved")).get_json()
    assert r["status"] == "resolved"
    assert client.api("GET", f"/api/agents/{first['agent']}").get_json()["open_load"] == 0
    r = post(client, sample("conversation_status_changed_open")).get_json()
    assert (r["status"], r["agent"], r["rule"]) == ("assigned", first["agent"], "sticky")


def test_the_companion_conversation_updated_of_a_status_change_does_not_route_twice(client, cw):
    team_of_agents(client)
    post(client, created())
    post(client, sample("conversation_status_changed_resolved"))
    post(client, sample("conversation_updated_resolved"))
    post(client, sample("conversation_status_changed_open"))
    reopened = sample("conversation_status_changed_open")
    reopened["event"] = "conversation_updated"
    reopened["changed_attributes"] = [{"status": {"previous_value": "resolved", "current_value": "open"}}]
    post(client, reopened)
    conv = client.api("GET", "/api/conversations/chatwoot:1:118").get_json()
    assert [d["rule"] for d in conv["decisions"]] == ["default", "sticky"]


def test_giving_a_conversation_back_to_an_agent_stickybot_chose_earlier_is_a_reassignment(client, rt, cw, clock):
    from datetime import datetime, timezone
    from bot.service import assignment
    team_of_agents(client)
    post(client, created(assignee={"id": 7, "name": "Ana", "type": "user"}, assignee_type="User"))
    clock.set(datetime.fromtimestamp(sample("conversation_created")["updated_at"] + 30, timezone.utc))
    rt.db.transact(lambda store: assignment.reroute(store, store.conversation("chatwoot:1:118", for_update=True),
                                                    rt.clock.now(), "ana", "ana released it", "release"))
    assert client.api("GET", "/api/conversations/chatwoot:1:118").get_json()["agent"] == "bruno"
    back = sample("conversation_updated_assignee")  # later, a person gives it back to Ana (user 7) in Chatwoot
    back["updated_at"] = sample("conversation_created")["updated_at"] + 60
    r = post(client, back).get_json()
    assert (r["status"], r["agent"]) == ("assigned", "ana")
    loads = {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}
    assert loads == {"ana": 1, "bruno": 0}


def test_a_sync_forgets_the_chatwoot_id_of_a_user_who_left(client, rt, cw):
    from bot.service.chatwoot_writeback import remember_users
    team_of_agents(client)
    ana_left = [u for u in sample("agents_list") if u["email"] != "ana.souza@acme.example"]
    rt.db.transact(lambda store: remember_users(store, ana_left, rt.clock.now()))
    assert rt.db.read(lambda store: store.agent("ana")).chatwoot_user_id is None
    post(client, created(assignee={"id": 9, "name": "Bruno", "type": "user"}, assignee_type="User"))
    post(client, {**sample("conversation_updated_assignee"), "updated_at": 1_800_000_000})
    rt.outbox.deliver_due()
    assert all(b.get("assignee_id") != 7 for b in assignment_bodies(cw))  # never an id Chatwoot no longer has


def test_an_assignee_change_made_by_someone_else_is_a_reassignment(client, cw):
    team_of_agents(client)
    payload = created(assignee={"id": 9, "name": "Bruno", "type": "user"}, assignee_type="User")
    post(client, payload)
    r = post(client, sample("conversation_updated_assignee")).get_json()
    assert (r["status"], r["agent"]) == ("assigned", "ana")
    loads = {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}
    assert loads == {"ana": 1, "bruno": 0}
    assert client.api("GET", "/api/conversations/chatwoot:1:118").get_json()["decisions"][-1]["rule"] == "manual"


def test_the_echo_of_our_own_write_is_ignored(client, rt, cw):
    team_of_agents(client, ana_status="away")
    post(client, created(assignee={"id": 7, "name": "Ana", "type": "user"}, assignee_type="User"))
    # stickybot then moves it on (ana released it); the late echo of the first write must not pull it back
    from bot.service import assignment
    rt.db.transact(lambda store: assignment.reroute(store, store.conversation("chatwoot:1:118", for_update=True),
                                                    rt.clock.now(), "ana", "ana released it", "release"))
    r = post(client, sample("conversation_updated_assignee")).get_json()
    assert r["status"] == "ignored" and "echo" in r["reason"]
    assert client.api("GET", "/api/conversations/chatwoot:1:118").get_json()["agent"] == "bruno"


def test_an_incoming_message_refreshes_the_link_and_an_outgoing_one_is_ignored(client, cw):
    team_of_agents(client)
    post(client, created())
    before = client.api("GET", "/api/customers/chatwoot:1:contact:42").get_json()["sticky"]["last_interaction_at"]
    incoming = sample("message_created_incoming")
    incoming["created_at"] = "2026-06-18T09:00:00.000Z"
    r = post(client, incoming).get_json()
    assert r["status"] == "assigned"
    after = client.api("GET", "/api/customers/chatwoot:1:contact:42").get_json()["sticky"]["last_interaction_at"]
    assert before < after == "2026-06-18T09:00:00Z"
    assert post(client, {**sample("message_created_outgoing"), "private": True}).get_json()["status"] == "ignored"


def test_another_accounts_events_are_ignored(client, cw):
    team_of_agents(client)
    payload = created()
    payload["account"] = {"id": 99, "name": "Other"}
    assert post(client, payload).get_json()["status"] == "ignored"
    assert client.api("GET", "/api/unassigned").get_json() == []


# --- writing back -----------------------------------------------------------------------------

def test_write_back_is_retried_after_a_5xx(client, rt, cw):
    from sqlalchemy import update
    from bot.models import OutboxRow
    team_of_agents(client)
    post(client, created())
    cw.post(ASSIGN, status=502)
    rt.outbox.deliver_due()
    assert len(assignment_bodies(cw)) == 1
    cw.replace(responses.POST, ASSIGN, json=sample("assignment_response"))
    with orm(rt.db) as session:
        session.execute(update(OutboxRow).where(OutboxRow.state == "pending").values(next_attempt_at=rt.clock.now()))
    rt.outbox.deliver_due()
    assert len(assignment_bodies(cw)) == 2
    rt.outbox.deliver_due()
    assert len(assignment_bodies(cw)) == 2


def test_a_refused_token_pauses_write_back_keeps_every_row_and_resumes(client, rt, cw, clock):
    team_of_agents(client)
    post(client, created())
    cw.post(ASSIGN, status=401)
    rt.outbox.deliver_due()
    rows = outbox_rows(rt)
    assert [(r.state, r.last_error) for r in rows] == [("pending", "http_401")]
    post(client, {**created(), "id": 119})
    assert rt.outbox.deliver_due() == 0  # paused: nothing is tried, nothing is dropped
    cw.replace(responses.POST, ASSIGN, json=sample("assignment_response"))
    cw.post(f"{CW}/api/v1/accounts/1/conversations/119/assignments", json=sample("assignment_response"))
    clock.advance(minutes=6)  # the token was fixed; the pause is over
    rt.outbox.deliver_due()
    assert {r.state for r in outbox_rows(rt)} == {"delivered"}


def test_rows_given_up_on_are_sent_again_by_the_retry_command(client, rt, cw, db_url, clock):
    from click.testing import CliRunner
    from bot.cli import main
    team_of_agents(client)
    post(client, created())
    cw.post(ASSIGN, status=404)
    rt.outbox.deliver_due()
    assert [r.state for r in outbox_rows(rt)] == ["failed"]
    result = CliRunner().invoke(main, ["outbox", "retry", "--channel", "chatwoot"], env={"DATABASE_URL": db_url})
    assert result.exit_code == 0 and result.output.startswith("1 failed deliveries are due again")
    cw.replace(responses.POST, ASSIGN, json=sample("assignment_response"))
    clock.advance(seconds=5)  # the command ran on the real clock, a moment after this app's frozen one
    rt.outbox.deliver_due()
    assert [r.state for r in outbox_rows(rt)] == ["delivered"]


def outbox_rows(rt):
    from sqlmodel import select
    from bot.models import OutboxRow
    with orm(rt.db) as session:
        return [r for r in session.exec(select(OutboxRow).order_by(OutboxRow.id)).all() if r.kind == "chatwoot.assign"]


def test_an_agent_without_a_chatwoot_user_is_never_written_as_an_unknown_id(client, rt, cw):
    client.agent("zoe", email="zoe@elsewhere.example")
    post(client, created())
    rt.outbox.deliver_due()
    assert assignment_bodies(cw) == []


# --- directory sync ---------------------------------------------------------------------------

def test_directory_sync_loads_agents_teams_and_members(db_url, client, cw):
    from click.testing import CliRunner
    from bot.cli import main
    client.agent("ana", email="ANA.SOUZA@acme.example", status="offline")
    cw.get(f"{CW}/api/v1/accounts/1/teams/2/team_members", json=sample("team_members_list"))
    cw.get(f"{CW}/api/v1/accounts/1/teams/4/team_members", json=[])
    env = {"DATABASE_URL": db_url, "CHATWOOT_URL": CW, "CHATWOOT_ACCOUNT_ID": "1", "CHATWOOT_API_TOKEN": "cw-token"}
    result = CliRunner().invoke(main, ["directory", "sync", "chatwoot"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    agents = {a["id"]: a for a in client.api("GET", "/api/agents").get_json()}
    assert set(agents) == {"ana", "bruno.lima", "carla.mendes"}
    assert (agents["ana"]["status"], agents["bruno.lima"]["status"], agents["carla.mendes"]["status"]) == \
        ("online", "away", "offline")
    teams = {t["id"]: t for t in client.api("GET", "/api/teams").get_json()}
    assert teams["billing"]["members"] == ["ana", "bruno.lima"]
    assert teams["technical-support"]["members"] == []


def test_directory_sync_without_configuration_says_what_to_set(db_url):
    from click.testing import CliRunner
    from bot.cli import main
    result = CliRunner().invoke(main, ["directory", "sync", "chatwoot"], env={"DATABASE_URL": db_url})
    assert result.exit_code != 0 and "CHATWOOT_API_TOKEN" in result.output


def test_a_nul_character_is_refused_with_422(client):
    payload = created()
    payload["meta"]["sender"]["name"] = "Maria\u0000"
    r = post(client, payload)
    assert r.status_code == 422 and r.get_json()["details"][0]["field"] == "meta.sender.name"


# --- Chatwoot's own behaviour: the inbox bot, unassigning, agents' replies ----------------------------

def test_a_pending_conversation_is_the_bots_until_it_hands_over_and_then_it_is_routed(client, cw):
    team_of_agents(client)
    pending = {**created(), "status": "pending"}
    r = post(client, pending).get_json()
    assert r["status"] == "ignored" and "bot" in r["reason"]
    assert client.api("GET", "/api/conversations/chatwoot:1:118").status_code == 404
    handover = sample("conversation_status_changed_open")
    handover["meta"]["assignee"] = None
    r = post(client, handover).get_json()
    assert r["status"] == "assigned" and r["rule"] == "default"


def test_resolved_to_pending_is_not_a_reopen(client, cw):
    team_of_agents(client)
    post(client, created())
    post(client, sample("conversation_status_changed_resolved"))
    back_to_bot = {**sample("conversation_status_changed_open"), "status": "pending"}
    r = post(client, back_to_bot).get_json()
    assert r["status"] == "ignored"
    assert client.api("GET", "/api/conversations/chatwoot:1:118").get_json()["status"] == "resolved"


def test_a_person_unassigning_frees_the_agent_and_the_conversation_waits_for_someone_else(client, cw):
    team_of_agents(client)
    first = post(client, created()).get_json()
    unassign = sample("conversation_updated_assignee")
    unassign["meta"]["assignee"] = None
    unassign["updated_at"] = sample("conversation_created")["updated_at"] + 60
    r = post(client, unassign).get_json()
    assert (r["status"], r["agent"]) == ("unassigned", None)
    loads = {a["id"]: a["open_load"] for a in client.api("GET", "/api/agents").get_json()}
    assert loads[first["agent"]] == 0
    conv = client.api("GET", "/api/conversations/chatwoot:1:118").get_json()
    assert conv["left_out"] == [first["agent"]] and conv["decisions"][-1]["rule"] == "manual"
    other = "bruno" if first["agent"] == "ana" else "ana"
    client.api("PATCH", f"/api/agents/{other}", {"status": "online"})
    assert client.api("GET", "/api/conversations/chatwoot:1:118").get_json()["agent"] == other


def test_the_assignees_reply_claims_and_a_private_note_or_another_agents_reply_does_not(client, cw):
    team_of_agents(client)
    client.api("PATCH", "/api/settings", {"claim_minutes": 5})
    post(client, created(assignee={"id": 7, "name": "Ana", "type": "user"}, assignee_type="User"))
    client.api("PATCH", "/api/agents/bruno", {"status": "away"})
    post(client, {**created(), "id": 119})  # routed by the rules: ana (bruno is away), claim due
    reply = sample("message_created_outgoing")
    reply["conversation"]["id"] = 119
    note = {**reply, "private": True}
    other = {**reply, "sender": {"id": 9, "name": "Bruno", "type": "user"}}
    for message in (note, other):
        post(client, message)
        assert client.api("GET", "/api/conversations/chatwoot:1:119").get_json()["claimed_at"] is None
    post(client, reply)
    assert client.api("GET", "/api/conversations/chatwoot:1:119").get_json()["claimed_at"] is not None


def test_widget_events_never_touch_a_chatwoot_conversation(client, cw):
    team_of_agents(client)
    r = post(client, created()).get_json()
    conv_id, agent = r["conversation"], r["agent"]
    other = "bruno" if agent == "ana" else "ana"
    for kind, extra in (("conversation.resolved", {}), ("conversation.assigned", {"agent": other}),
                        ("conversation.message", {"author": "agent"}), ("conversation.reopened", {}),
                        ("conversation.created", {"team": "billing"})):
        answer = client.event(type=kind, conversation=conv_id, **extra)
        assert answer.status_code == 200 and answer.get_json()["status"] == "ignored", kind
        assert "chatwoot channel" in answer.get_json()["reason"], kind
    seen = client.api("GET", f"/api/conversations/{conv_id}").get_json()
    assert (seen["status"], seen["agent"], seen["channel"], len(seen["decisions"])) == ("assigned", agent,
                                                                                        "chatwoot", 1)
