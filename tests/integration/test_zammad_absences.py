"""Zammad's out-of-office as absences (CONTRACT.md 10 and 9.2): dates in ZAMMAD_TIME_ZONE, the replacement as
cover, kept in step on each sync without touching absences set another way; and a returning customer of an
agent out of office going to the replacement."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot import create_app
from bot.service.helpdesk import people
from tests.conftest import StickyClient, make_config
from tests.integration.zammad_env import conversation, zd  # noqa: F401
from tests.zammadkit import SECRET, deliver, snapshot

ZONE = "America/Sao_Paulo"  # UTC-3 all year
JUNE_20 = datetime(2026, 6, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(db_url, clock, zd):
    clock.set(JUNE_20)
    app = create_app(make_config(db_url, zammad_url=zd.url, zammad_api_token=zd.token, zammad_webhook_secret=SECRET,
                                 zammad_time_zone=ZONE), clock=clock)
    yield app
    app.extensions["stickybot"].close()


@pytest.fixture
def rt(app):
    return app.extensions["stickybot"]


def sync(rt):
    return people.sync(rt.db, rt.desks["zammad"], rt.clock.now())


def absences(client, agent="ana.souza", past=False) -> list[dict]:
    return client.api("GET", f"/api/agents/{agent}/absences" + ("?past=true" if past else "")).get_json()


def test_out_of_office_becomes_an_absence_in_zammads_time_zone_with_the_replacement_as_cover(client, rt):
    sync(rt)  # Ana: out of office 2026-06-22 to 2026-06-26, replaced by Bruno (user 9)
    (found,) = absences(client)
    assert (found["start"], found["end"]) == ("2026-06-22T03:00:00Z", "2026-06-27T03:00:00Z")
    assert (found["cover"], found["source"], found["note"]) == (["bruno.lima"], "zammad", "out of office in Zammad")
    created = [e for e in client.api("GET", "/api/audit").get_json()["items"] if e["action"] == "absence.create"]
    assert created[0]["actor"] == "zammad-sync"


def test_the_time_zone_decides_the_instants(db_url, clock, zd):
    clock.set(JUNE_20)
    app = create_app(make_config(db_url, zammad_url=zd.url, zammad_api_token=zd.token), clock=clock)
    try:
        sync(app.extensions["stickybot"])
        (found,) = absences(StickyClient(app.test_client()))
        assert (found["start"], found["end"]) == ("2026-06-22T00:00:00Z", "2026-06-27T00:00:00Z")  # UTC
    finally:
        app.extensions["stickybot"].close()


def test_a_sync_that_changes_nothing_keeps_the_absence(client, rt):
    sync(rt)
    first = absences(client)
    sync(rt)
    assert absences(client) == first


def test_dates_moved_in_zammad_move_the_absence(client, rt, zd):
    sync(rt)
    (before,) = absences(client)
    zd.users[7]["out_of_office_end_at"] = "2026-06-30"
    zd.users[7]["out_of_office_replacement_id"] = 3
    sync(rt)
    (after,) = absences(client)
    assert (after["id"], after["end"], after["cover"]) == (before["id"], "2026-07-01T03:00:00Z", ["carla.mendes"])


def test_out_of_office_switched_off_before_it_starts_removes_the_absence(client, rt, zd):
    sync(rt)
    zd.users[7]["out_of_office"] = False
    sync(rt)
    assert absences(client, past=True) == []


def test_out_of_office_switched_off_while_it_runs_ends_the_absence_now(client, rt, zd, clock):
    sync(rt)
    clock.set(datetime(2026, 6, 24, 15, 0, tzinfo=timezone.utc))
    zd.users[7]["out_of_office"] = False
    sync(rt)
    assert absences(client) == []
    (ended,) = absences(client, past=True)
    assert ended["end"] == "2026-06-24T15:00:00Z"


def test_an_agent_zammad_no_longer_lists_has_its_zammad_absence_ended(client, rt, zd):
    sync(rt)
    zd.users[7]["role_ids"] = [3]  # no agent role any more
    sync(rt)
    assert absences(client, past=True) == []


def test_absences_set_another_way_are_never_touched(client, rt, zd):
    client.agent("ana.souza", email="ana.souza@acme.example")
    mine = client.api("POST", "/api/agents/ana.souza/absences",
                      {"start": "2026-06-21", "end": "2026-06-28", "note": "holiday"}).get_json()
    sync(rt)  # Zammad's out-of-office lies inside it: nothing more is created
    assert [a["id"] for a in absences(client)] == [mine["id"]]
    zd.users[7]["out_of_office"] = False
    sync(rt)
    assert [(a["id"], a["source"]) for a in absences(client)] == [(mine["id"], "api")]


def test_a_replacement_stickybot_does_not_know_gives_no_cover(client, rt, zd):
    zd.users[7]["out_of_office_replacement_id"] = 42  # a customer: not an agent
    sync(rt)
    assert absences(client)[0]["cover"] == []


@pytest.mark.parametrize("change", [{"out_of_office_start_at": None}, {"out_of_office_end_at": "26/06/2026"},
                                    {"out_of_office_end_at": "2026-06-01"}])
def test_an_out_of_office_without_usable_dates_is_none(client, rt, zd, change):
    zd.users[7].update(change)
    sync(rt)
    assert absences(client) == []


def test_a_returning_customer_of_an_agent_out_of_office_goes_to_the_replacement_and_zammad_is_told(client, rt, zd,
                                                                                                    clock):
    clock.set(datetime(2026, 6, 15, 9, 0, tzinfo=timezone.utc))
    sync(rt)
    client.api("PATCH", "/api/settings", {"sticky_days": 14})
    client.api("PATCH", "/api/agents/carla.mendes", {"status": "away"})
    deliver(client.http, snapshot("webhook_ticket_created", ticket={"owner_id": 7}))  # Ana's ticket
    deliver(client.http, snapshot("webhook_ticket_state_closed"))
    clock.set(datetime(2026, 6, 23, 8, 5, tzinfo=timezone.utc))
    sync(rt)  # the worker's sync during Ana's out-of-office
    r = deliver(client.http, snapshot("webhook_ticket_reopened")).get_json()  # Maria writes again on the 23rd
    assert (r["agent"], r["rule"]) == ("bruno.lima", "cover")
    assert "ana.souza" in r["reason"] and "bruno.lima" in r["reason"]
    link = client.api("GET", "/api/customers/zammad:42").get_json()["sticky"]
    assert link["agent"] == "ana.souza"  # kept through the absence
    rt.outbox.deliver_due()
    assert [c.body for c in zd.of("PUT", "/api/v1/tickets/118")][-1] == {"owner_id": 9}
