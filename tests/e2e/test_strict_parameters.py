"""Parameters read strictly, and no 500 on PostgreSQL from what SQLite accepts: numbers within their columns and
in ASCII digits, a parameter given once, no NUL anywhere, ids in paths as long as in events, UTF-8 paths.
Every case runs on both databases."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import example, given, strategies as st

from tests.conftest import ADMIN_TOKEN, snapshot
from tests.e2e.generated import SETTINGS, check, everything  # noqa: F401
from tests.e2e.test_dashboard import Dashboard


@pytest.fixture
def team(client):
    client.agent("alice", "billing")
    client.event(conversation="conv_1", customer="cust_42", team="billing")
    return client


def refused(r, field: str) -> dict:
    body = r.get_json()
    assert r.status_code == 422, (r.status_code, body)
    assert body["error"] == "validation_failed" and field in [d["field"] for d in body["details"]], body
    return body


@pytest.mark.parametrize("query", ["before=2147483648", "before=9223372036854775808", "before=0", "limit=201",
                                   "limit=0", "before=-1", "before=1e3", "before=", "limit=%20 5"])
def test_audit_numbers_beyond_their_column_or_range_are_422(team, query):
    body = refused(team.api("GET", f"/api/audit?{query}"), query.split("=")[0])
    assert "whole number from" in body["message"] or "whole number from" in body["details"][0]["message"]


def test_the_largest_audit_id_the_column_holds_is_read(team):
    r = team.api("GET", f"/api/audit?before={2**31 - 1}")
    assert r.status_code == 200 and r.get_json()["items"]


@pytest.mark.parametrize("query", ["days=%D9%A7", "days=%EF%BC%90%EF%BC%97", "days=%E0%A5%AD", "days=+7",
                                   "days=7.0", "days=1_0"])
def test_days_are_ascii_digits_only(team, query):
    refused(team.api("GET", f"/api/stats?{query}"), "days")


@pytest.mark.parametrize("query", ["limit=%EF%BC%95", "limit=%D9%A5", "before=%EF%BC%91"])
def test_audit_numbers_are_ascii_digits_only(team, query):
    refused(team.api("GET", f"/api/audit?{query}"), query.split("=")[0])


@pytest.mark.parametrize("path,query,field", [("/api/stats", "days=7&days=500", "days"),
                                              ("/api/audit", "limit=5&limit=5", "limit"),
                                              ("/api/customers/cust_42/preview", "team=billing&team=x", "team")])
def test_a_parameter_given_twice_is_422_not_first_wins(team, path, query, field):
    body = refused(team.api("GET", f"{path}?{query}"), field)
    assert "give it once" in body["details"][0]["message"]


@pytest.mark.parametrize("path", ["/api/customers/cust_42/preview?team=%00", "/api/stats?days=7&x=%00",
                                  "/api/teams?%00=1", "/api/customers/cust_42/preview?team=bill%00ing"])
def test_a_nul_in_the_query_is_422(team, path):
    refused(team.api("GET", path), "(query)")


def test_numbers_in_paths_are_ascii_digits_only(team):
    r = team.api("POST", "/api/agents/alice/absences", {"start": "2026-12-20", "end": "2026-12-21"})
    assert r.status_code == 201
    absence = team.api("GET", "/api/agents/alice/absences").get_json()[0]["id"]
    assert absence == 1
    assert team.api("DELETE", "/api/agents/alice/absences/%D9%A1").status_code == 404  # ١, not absence 1
    assert team.api("DELETE", "/api/agents/alice/absences/%EF%BC%91").status_code == 404  # １
    assert len(team.api("GET", "/api/agents/alice/absences").get_json()) == 1


@pytest.mark.parametrize("query,field", [("past=yes", "past"), ("past=true&past=false", "past"),
                                         ("from=2026-12-20T09:00:00Z&from=2026-12-21T09:00:00Z", "from")])
def test_the_absence_calls_read_their_parameters_strictly(team, query, field):
    path = "/api/agents/alice/absences" if field == "past" else "/api/agents/alice/availability"
    refused(team.api("GET", f"{path}?{query}"), field)


def test_a_query_string_that_is_not_utf8_is_422(team):
    refused(team.api("GET", "/api/customers/cust_42/preview?team=%FF"), "(query)")


@pytest.mark.parametrize("method,path,body", [("DELETE", "/api/agents/alice", {"successor": "s\u0000b"}),
                                              ("PATCH", "/api/agents/alice", {"name": "a\u0000"}),
                                              ("PUT", "/api/teams/t", {"name": "x\u0000y"}),
                                              ("PUT", "/api/agents/bob", {"teams": ["bill\u0000ing"]})])
def test_a_nul_in_a_json_body_is_422_and_changes_nothing(app, team, method, path, body):
    before = snapshot(app)
    assert team.api(method, path, body).status_code == 422
    assert snapshot(app) == before


@pytest.mark.parametrize("method,route,field,longest", [
    ("PUT", "/api/customers/{}/blocks/alice", "customer_id", 128),
    ("PUT", "/api/customers/cust_42/blocks/{}", "agent_id", 128),
    ("DELETE", "/api/customers/cust_42/blocks/{}", "agent_id", 128),
    ("GET", "/api/customers/{}", "customer_id", 128), ("DELETE", "/api/customers/{}", "customer_id", 128),
    ("GET", "/api/customers/{}/preview", "customer_id", 128), ("DELETE", "/api/customers/{}/link", "customer_id", 128),
    ("GET", "/api/agents/{}", "agent_id", 128), ("PATCH", "/api/agents/{}", "agent_id", 128),
    ("DELETE", "/api/agents/{}", "agent_id", 128), ("PUT", "/api/teams/{}", "team_id", 128),
    ("GET", "/api/conversations/{}", "conversation_id", 200)])
def test_ids_in_paths_are_as_long_as_in_events_and_no_longer(app, team, method, route, field, longest):
    body = {"name": "X"} if method == "PUT" else None
    before = snapshot(app)
    r = team.api(method, route.format("x" * (longest + 1)), body)
    refused(r, field)
    assert f"1-{longest} characters" in r.get_json()["message"]
    assert snapshot(app) == before
    assert team.api(method, route.format("x" * longest), body).status_code < 500


def test_a_300_character_customer_cannot_be_blocked(app, team):
    r = team.api("PUT", f"/api/customers/{'c' * 300}/blocks/alice")
    refused(r, "customer_id")


@pytest.mark.parametrize("raw", ["%FF", "%C3%28", "%E2%82", "ok%FE"])
def test_a_path_that_is_not_utf8_is_422(team, raw):
    refused(team.api("GET", f"/api/customers/{raw}"), "(path)")
    refused(team.api("PUT", f"/api/customers/{raw}/blocks/alice"), "(path)")


def test_different_invalid_bytes_no_longer_name_the_same_customer(team):
    assert team.api("PUT", "/api/customers/%FF/blocks/alice").status_code == 422
    assert team.api("GET", "/api/customers/%FE").status_code == 422


def test_the_dashboards_audit_page_bounds_before_by_its_column(team):
    dashboard = Dashboard(team.http)
    dashboard.sign_in()
    assert dashboard.get("/audit").status_code == 200
    r = dashboard.get("/audit?before=2147483648")
    assert r.status_code == 422 and "whole number from 1 to 2147483647" in r.text
    assert dashboard.get(f"/audit?before={2**31 - 1}").status_code == 200
    assert dashboard.get("/audit?before=%D9%A7").status_code == 422
    assert dashboard.get("/stats?days=7&days=500").status_code == 422


# Query strings as a careless or hostile client writes them: huge, signed, non-ASCII digits, NUL, repeated.
numbers = st.sampled_from(["7", "0", "-1", "2147483647", "2147483648", "9" * 30, "٧", "０７", "+7", "7.0", "", "%00",
                           "1e9", "%FF", "%EF%BC%95"]) | st.integers(min_value=-2**70, max_value=2**70).map(str)
texts = st.text(max_size=140).map(lambda t: quote(t, safe="")) | st.sampled_from(["%00", "%FF", "x" * 200])
pairs = st.lists(st.tuples(st.sampled_from(["days", "limit", "before", "team", "other"]), numbers | texts),
                 max_size=4)
ROUTES = ["/api/stats", "/api/audit", "/api/customers/cust_42/preview", "/api/teams"]


@SETTINGS
@given(route=st.sampled_from(ROUTES), pairs=pairs)
@example(route="/api/audit", pairs=[("before", "2147483648")])  # a 500 on PostgreSQL once
@example(route="/api/customers/cust_42/preview", pairs=[("team", "%00")])
def test_generated_query_strings_never_500_on_either_database(everything, route, pairs):
    app, client = everything
    before = snapshot(app)
    query = "&".join(f"{k}={v}" for k, v in pairs)
    r = client.http.get(f"{route}?{query}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    check(app, before, r, allowed={200, 422})
    if r.status_code == 422:
        assert r.get_json()["details"]
