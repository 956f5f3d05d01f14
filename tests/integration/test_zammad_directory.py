"""Zammad's directory and setup, CONTRACT.md section 10: `stickybot directory sync zammad` (and the worker's job)
and `stickybot zammad setup`, against a fake Zammad over HTTP."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.jobs import make_jobs
from tests.integration.zammad_env import app, rt, zd  # noqa: F401
from tests.zammadkit import SECRET


def env(db_url, zd, **more) -> dict:
    return {"DATABASE_URL": db_url, "ZAMMAD_URL": zd.url, "ZAMMAD_API_TOKEN": zd.token,
            "ZAMMAD_WEBHOOK_SECRET": SECRET, **more}


def sync(db_url, zd):
    result = CliRunner().invoke(main, ["directory", "sync", "zammad"], env=env(db_url, zd), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def agents(client) -> dict:
    return {a["id"]: a for a in client.api("GET", "/api/agents").get_json()}


def teams(client) -> dict:
    return {t["id"]: t["members"] for t in client.api("GET", "/api/teams").get_json()}


# --- directory sync ---------------------------------------------------------------------------------------

def test_sync_loads_agents_from_roles_carrying_ticket_agent_matched_by_email(client, db_url, zd):
    client.agent("ana", email="ANA.SOUZA@acme.example", status="away")
    result = sync(db_url, zd)
    assert result.output == "synced 3 agents (2 new) and 3 teams from Zammad\n"
    found = agents(client)
    # never user 1 ("-"), nor the token's own user (12), nor the customer (42): only agents
    assert set(found) == {"ana", "bruno.lima", "carla.mendes"}
    assert (found["bruno.lima"]["name"], found["bruno.lima"]["email"]) == ("Bruno Lima", "bruno.lima@acme.example")
    ids = {a: client.http.application.extensions["stickybot"].db.read(lambda s, a=a: s.agent(a)).zammad_user_id
           for a in found}
    assert ids == {"ana": 7, "bruno.lima": 9, "carla.mendes": 3}


def test_groups_become_teams_and_full_access_direct_or_through_a_role_is_membership(client, db_url, zd):
    zd.add_user(20, "dora@acme.example", groups={"1": ["read", "change"]})  # no full access: not a member
    zd.add_user(21, "enzo@acme.example", roles=(4,))
    zd.roles[4] = {"id": 4, "name": "Refunds desk", "permissions": ["ticket.agent"], "group_ids": {"3": ["full"]},
                   "active": True}
    sync(db_url, zd)
    assert teams(client) == {"billing": ["ana.souza", "bruno.lima", "carla.mendes"],
                             "billing-refunds": ["ana.souza", "carla.mendes", "enzo"],
                             "users": ["carla.mendes"]}
    names = {t["id"]: t["name"] for t in client.api("GET", "/api/teams").get_json()}
    assert names["billing-refunds"] == "Billing::Refunds"


def test_groups_are_matched_to_teams_by_name(client, db_url, zd):
    client.team("billing", "Billing")
    client.agent("zoe", "billing", email="zoe@elsewhere.example")
    sync(db_url, zd)
    found = teams(client)
    assert "billing" in found and "zoe" in found["billing"]  # stickybot's own agent is left where it is


def test_users_are_read_page_by_page_to_the_end(client, db_url, zd):
    for n in range(1000, 1150):
        zd.add_user(n, f"customer{n}@example.com", roles=(3,))
    zd.add_user(2000, "late.agent@acme.example", groups={"2": ["full"]})  # on the second page
    sync(db_url, zd)
    pages = [c.query["page"][0] for c in zd.of("GET", "/api/v1/users") if c.path == "/api/v1/users"]
    assert pages == ["1", "2"]
    assert "late.agent" in agents(client)


def test_inactive_users_and_users_without_an_email_are_not_agents(client, db_url, zd):
    zd.add_user(30, "gone@acme.example", active=False, groups={"2": ["full"]})
    zd.add_user(31, "", groups={"2": ["full"]})
    sync(db_url, zd)
    assert set(agents(client)) == {"ana.souza", "bruno.lima", "carla.mendes"}


def test_a_new_agent_starts_online_and_a_resync_never_changes_a_status(client, db_url, zd):
    sync(db_url, zd)
    assert agents(client)["bruno.lima"]["status"] == "online"
    client.api("PATCH", "/api/agents/bruno.lima", {"status": "offline"})
    zd.users[9]["lastname"] = "Lima Souza"
    sync(db_url, zd)
    bruno = agents(client)["bruno.lima"]
    assert (bruno["status"], bruno["name"]) == ("offline", "Bruno Lima Souza")


def test_stickybot_agents_with_no_zammad_user_are_left_alone(client, db_url, zd):
    client.agent("zoe", "vip", email="zoe@elsewhere.example", status="away")
    before = agents(client)["zoe"]
    sync(db_url, zd)
    assert agents(client)["zoe"] == before and teams(client)["vip"] == ["zoe"]


def test_a_user_zammad_no_longer_lists_as_agent_loses_its_zammad_id(client, rt, db_url, zd):
    sync(db_url, zd)
    zd.users[9]["role_ids"] = [3]  # Bruno is a customer now
    sync(db_url, zd)
    assert rt.db.read(lambda s: s.agent("bruno.lima")).zammad_user_id is None
    audit = client.api("GET", "/api/audit").get_json()["items"]
    assert any(e["actor"] == "zammad-sync" and e["after"] == {"zammad_user_id": None} for e in audit)


def test_sync_without_configuration_says_what_to_set(db_url):
    result = CliRunner().invoke(main, ["directory", "sync", "zammad"], env={"DATABASE_URL": db_url})
    assert result.exit_code != 0 and "ZAMMAD_API_TOKEN" in result.output


def test_a_refused_token_loads_nothing(client, db_url, zd):
    result = CliRunner().invoke(main, ["directory", "sync", "zammad"], env=env(db_url, zd, ZAMMAD_API_TOKEN="wrong"))
    assert result.exit_code != 0 and "Zammad answered http_401; nothing was loaded" in result.output
    assert agents(client) == {}


def test_the_worker_syncs_zammad_every_zammad_sync_every_s(rt, zd):
    import threading
    from apscheduler.schedulers.background import BackgroundScheduler
    from bot.scheduler import configure
    jobs = make_jobs(rt, threading.Event())
    assert "zammad_sync" in jobs
    jobs["zammad_sync"]()
    assert rt.db.read(lambda s: s.agent("carla.mendes")) is not None
    scheduler = BackgroundScheduler(timezone="UTC")
    configure(scheduler, rt, threading.Event())
    assert scheduler.get_job("zammad_sync").trigger.interval.total_seconds() == 600


def test_without_zammad_the_worker_has_no_zammad_job(db_url):
    import threading
    from bot import create_app
    from tests.conftest import make_config
    app = create_app(make_config(db_url))
    assert "zammad_sync" not in make_jobs(app.extensions["stickybot"], threading.Event())
    app.extensions["stickybot"].close()


def test_zammad_sync_every_s_is_read_from_the_environment():
    from bot.config import Config
    assert Config.from_env({"ZAMMAD_SYNC_EVERY_S": "120"}).zammad_sync_every_s == 120
    assert Config.from_env({}).zammad_sync_every_s == 600


# --- setup ------------------------------------------------------------------------------------------------

def setup(db_url, zd, *more):
    return CliRunner().invoke(main, ["zammad", "setup", "--public-url", "https://sticky.acme.example", *more],
                              env=env(db_url, zd), catch_exceptions=False)


def test_setup_creates_the_webhook_and_the_triggers_and_says_so(db_url, zd):
    result = setup(db_url, zd)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "webhook stickybot: created (id 1)"
    assert lines[1:] == [f"trigger {name}: created (id {n})" for n, name in enumerate(
        ["stickybot 10 ticket created", "stickybot 20 customer article", "stickybot 30 owner changed by person",
         "stickybot 40 state changed without article", "stickybot 50 agent article"], start=1)]
    hook = zd.webhooks[1]
    assert (hook["endpoint"], hook["signature_token"], hook["ssl_verify"]) == \
        ("https://sticky.acme.example/webhooks/zammad", SECRET, True)
    by_name = {t["name"]: t for t in zd.triggers.values()}
    assert all(t["perform"] == {"notification.webhook": {"webhook_id": 1}} for t in by_name.values())
    person = by_name["stickybot 30 owner changed by person"]["condition"]["ticket.updated_by_id"]
    assert person == {"operator": "is not", "pre_condition": "specific", "value": ["12"]}  # the token's own user
    assert SECRET not in result.output


def test_setup_run_again_changes_nothing(db_url, zd):
    setup(db_url, zd)
    writes = len([c for c in zd.calls if c.method in ("POST", "PUT")])
    result = setup(db_url, zd)
    assert [c for c in zd.calls if c.method in ("POST", "PUT")][writes:] == []
    assert all(line.endswith(")") and ": unchanged (id " in line for line in result.output.splitlines())


def test_setup_updates_what_someone_changed_by_hand(db_url, zd):
    setup(db_url, zd)
    zd.triggers[2]["active"] = False
    zd.webhooks[1]["ssl_verify"] = False
    result = setup(db_url, zd)
    assert "webhook stickybot: updated (id 1)" in result.output
    assert "trigger stickybot 20 customer article: updated (id 2)" in result.output
    assert zd.triggers[2]["active"] is True and zd.webhooks[1]["ssl_verify"] is True
    assert "signature_token" not in zd.of("PUT", "/api/v1/webhooks/1")[-1].body  # masked: never overwritten


def test_setup_writes_a_changed_secret_into_the_webhook_only_when_asked_to(db_url, zd):
    setup(db_url, zd)
    zd.webhooks[1]["signature_token"] = "the-old-secret"  # Zammad holds one, and shows it masked
    assert "webhook stickybot: unchanged" in setup(db_url, zd).output
    result = setup(db_url, zd, "--rotate-secret")
    assert "webhook stickybot: updated (id 1)" in result.output and SECRET not in result.output
    assert zd.webhooks[1]["signature_token"] == SECRET


def test_setup_dry_run_prints_the_requests_and_changes_nothing(db_url, zd):
    result = setup(db_url, zd, "--dry-run")
    assert result.exit_code == 0, result.output
    assert [c for c in zd.calls if c.method != "GET"] == []
    first = result.output.splitlines()[0]
    assert first.startswith("webhook stickybot: would POST /api/v1/webhooks ")
    shown = json.loads(first.split(" ", 5)[-1])
    assert shown["signature_token"] == "(the signature token)" and SECRET not in result.output
    assert len(result.output.splitlines()) == 6


@pytest.mark.parametrize("url", ["ftp://x.example", "sticky.example.com", "https://x.example/?a=1"])
def test_setup_refuses_a_public_url_that_is_not_one(db_url, zd, url):
    result = CliRunner().invoke(main, ["zammad", "setup", "--public-url", url], env=env(db_url, zd))
    assert result.exit_code != 0 and "--public-url" in result.output and zd.calls == []


def test_setup_needs_the_webhook_secret(db_url, zd):
    result = CliRunner().invoke(main, ["zammad", "setup", "--public-url", "https://x.example"],
                                env=env(db_url, zd, ZAMMAD_WEBHOOK_SECRET=""))
    assert result.exit_code != 0 and "ZAMMAD_WEBHOOK_SECRET" in result.output
