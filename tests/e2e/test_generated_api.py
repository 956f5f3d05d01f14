"""Generated requests to every /api route (with, without and with a wrong token) and to /healthz, /readyz and
/metrics: never a 500, and nothing stored on a 4xx."""
from __future__ import annotations

import json
from urllib.parse import quote

from hypothesis import given, settings, strategies as st

from tests.conftest import ADMIN_TOKEN, snapshot
from tests.e2e.generated import SETTINGS, check, everything, ids, json_values  # noqa: F401

CALLS = [("PUT", "/api/teams/{}"), ("GET", "/api/teams"), ("PUT", "/api/agents/{}"), ("PATCH", "/api/agents/{}"),
         ("DELETE", "/api/agents/{}"), ("GET", "/api/agents"), ("GET", "/api/agents/{}"), ("GET", "/api/settings"),
         ("PATCH", "/api/settings"), ("GET", "/api/conversations/{}"), ("GET", "/api/unassigned"),
         ("GET", "/api/customers/{}"), ("DELETE", "/api/customers/{}"), ("DELETE", "/api/customers/{}/link"),
         ("PUT", "/api/customers/{}/blocks/{}"), ("DELETE", "/api/customers/{}/blocks/{}"),
         ("GET", "/api/customers/{}/preview"), ("GET", "/api/customers/{}/preview?team={}"), ("GET", "/api/held"),
         ("GET", "/api/stats?days={}"), ("GET", "/api/audit?limit={}&before={}"),
         ("POST", "/api/agents/{}/absences"), ("GET", "/api/agents/{}/absences"),
         ("GET", "/api/agents/{}/absences?past={}"), ("GET", "/api/absences"),
         ("DELETE", "/api/agents/{}/absences/{}"), ("GET", "/api/agents/{}/availability"),
         ("GET", "/api/agents/{}/availability?from={}&to={}")]
METHODS = ["GET", "PUT", "PATCH", "DELETE", "POST", "HEAD", "OPTIONS"]
# Mostly the API's own calls, sometimes any method on any route.
calls = st.sampled_from(CALLS) | st.tuples(st.sampled_from(METHODS), st.sampled_from([r for _, r in CALLS]))

# Path segments as a careless client might write them: encoded, raw, or with broken %-escapes.
segments = ids.map(lambda i: quote(i, safe="")) | st.text(alphabet="ab/%2F0x.", min_size=0, max_size=8)

admin_bodies = st.fixed_dictionaries({}, optional={
    "name": st.text(max_size=250) | json_values, "email": st.emails() | json_values,
    "slack_user_id": st.text(max_size=70) | json_values, "teams": st.lists(ids, max_size=3) | json_values,
    "status": st.sampled_from(["online", "away", "offline"]) | json_values,
    "max_open": st.integers() | json_values, "sticky_days": st.integers() | json_values,
    "availability_check": st.booleans() | json_values, "drain_unassigned": st.booleans() | json_values,
    "sticky_wait_minutes": st.integers() | json_values, "claim_minutes": st.integers() | json_values,
    "successor": ids | json_values,
    "time_zone": st.sampled_from(["Europe/Berlin", "UTC", "Mars/Olympus", "../etc/passwd", ""]) | json_values,
    "hours": st.dictionaries(st.sampled_from(["mon", "tue", "sun", "xyz"]), st.lists(
        st.lists(st.sampled_from(["09:00", "17:30", "24:00", "00:00", "9:00", "٠٩:00"]), max_size=3), max_size=3),
        max_size=3) | json_values,
    "cover": st.lists(ids, max_size=3) | json_values,
    "start": st.sampled_from(["2026-12-20", "2099-12-31", "0001-01-01", "2026-02-30", "2026-12-20T09:00:00+01:00",
                              "2026-12-20T09:00:00", "2026-12-20T09:00:00Z"]) | json_values,
    "end": st.sampled_from(["2026-12-30", "2099-12-31", "9999-12-31", "2027-01-01T00:00:00Z"]) | json_values,
    "note": st.text(max_size=600) | json_values,
}).map(lambda d: json.dumps(d).encode())
raw_bodies = admin_bodies | json_values.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=200)


@settings(SETTINGS, max_examples=150)
@given(call=calls, segment=segments, body=raw_bodies, auth=st.sampled_from(["token"] * 4 + ["none", "wrong"]))
def test_generated_admin_calls_never_500_and_store_nothing_when_refused(everything, call, segment, body, auth):
    app, client = everything
    method, route = call
    headers = {"Content-Type": "application/json"}
    if auth != "none":
        headers["Authorization"] = f"Bearer {ADMIN_TOKEN if auth == 'token' else 'not-the-token'}"
    before = snapshot(app)
    r = client.http.open(route.replace("{}", segment), method=method, data=body, headers=headers)
    check(app, before, r)
    if auth != "token":
        # Routing answers first; anything else needs the token (a wrong one is 429 once guessed too often).
        assert r.status_code in (401, 404, 405, 429)


@SETTINGS
@given(path=st.sampled_from(["/healthz", "/readyz", "/metrics"]), method=st.sampled_from(METHODS),
       query=st.text(max_size=20), body=st.binary(max_size=50))
def test_generated_health_and_metrics_requests_never_500(everything, path, method, query, body):
    app, client = everything
    before = snapshot(app)
    r = client.http.open(path, method=method, query_string={"q": query}, data=body)
    check(app, before, r)
    if method in ("GET", "HEAD"):
        assert r.status_code == 200
