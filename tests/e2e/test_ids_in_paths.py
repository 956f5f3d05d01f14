"""Every id reachable: customer, conversation, agent and team ids hold any character a chat channel may send
(`/` and `%` included) and every `{id}` route takes them percent-encoded; through the test client, werkzeug's
server and `stickybot serve`."""
from __future__ import annotations

import json
import subprocess
import threading
import time
from urllib.parse import quote

import pytest
import requests
from werkzeug.serving import make_server

from bot import create_app
from bot.web.ids import escaped_path_info
from integrations.signing import sign
from tests.conftest import ADMIN_TOKEN, WEBHOOK_SECRET, event_body, make_config, snapshot
from tests.e2e.test_processes import BIN, _ok, env_for, free_port, wait_until

ODD_IDS = ["acme/ada", "/leading", "trailing/", "a//b", "50%", "%2F", "%252F", "a b", "a?b=c#d", "..", ".",
           "ünï/cødé", "+&;=@:", "x" * 128]


def e(value: str) -> str:
    return quote(value, safe="")


class Http:
    """The same calls over the Flask test client or real HTTP (requests keeps %2F as sent)."""

    def __init__(self, client=None, base=None):
        self.client, self.base = client, base

    def __call__(self, method, path, body=None, headers=None):
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **(headers or {})}
        if self.client is not None:
            r = self.client.open(path, method=method, data=body, headers=headers)
            return r.status_code, r.get_json()
        r = requests.request(method, self.base + path, data=body, headers=headers, timeout=5)
        return r.status_code, r.json()

    def json(self, method, path, payload):
        return self(method, path, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def event(self, **fields):
        event = event_body(**fields)
        event["conversation"]["url"] = "https://help.example.com/c/" + e(event["conversation"]["id"])
        body = json.dumps(event).encode()
        stamp = int(time.time())
        return self("POST", "/webhooks/widget", body, {
            "Content-Type": "application/json", "X-Sticky-Timestamp": str(stamp),
            "X-Sticky-Signature": f"v1={sign(WEBHOOK_SECRET, stamp, body)}"})


def round_trip(http: Http, odd: str) -> None:
    """Every {id} route, with `odd` as the team, agent, customer and conversation id."""
    assert http.json("PUT", f"/api/teams/{e(odd)}", {"name": "Odd"})[0] == 201
    assert http.json("PUT", f"/api/agents/{e(odd)}", {"name": "Odd", "teams": [odd], "status": "online"})[0] == 201
    assert {"id": odd, "name": "Odd", "members": [odd]} in http("GET", "/api/teams")[1]
    status, answer = http.event(conversation=odd, customer=odd, team=odd)
    assert status == 200 and (answer["agent"], answer["conversation"]) == (odd, odd)
    status, conversation = http("GET", f"/api/conversations/{e(odd)}")
    assert status == 200 and (conversation["conversation"], conversation["customer"]) == (odd, odd)
    status, customer = http("GET", f"/api/customers/{e(odd)}")
    assert status == 200 and (customer["customer"], customer["sticky"]["agent"]) == (odd, odd)
    assert http.json("PATCH", f"/api/agents/{e(odd)}", {"status": "away"})[1]["status"] == "away"
    assert http("GET", f"/api/agents/{e(odd)}")[1]["id"] == odd
    assert http("DELETE", f"/api/customers/{e(odd)}")[1]["forgotten"] is True
    assert http("GET", f"/api/customers/{e(odd)}")[1]["sticky"] is None
    assert http("DELETE", f"/api/agents/{e(odd)}")[1]["active"] is False


@pytest.mark.parametrize("odd", ODD_IDS)
def test_every_id_route_takes_any_id_percent_encoded(client, odd):
    round_trip(Http(client.http), odd)


def test_an_unencoded_slash_is_a_path_separator_not_part_of_the_id(client):
    client.agent("acme")
    status, body = Http(client.http)("GET", "/api/agents/acme/ada")
    assert status == 404 and body["error"] == "not_found" and "endpoint" in body["message"]


ID_ROUTES = [("PUT", "/api/teams/{}"), ("PUT", "/api/agents/{}"), ("PATCH", "/api/agents/{}"),
             ("DELETE", "/api/agents/{}"), ("GET", "/api/agents/{}"), ("GET", "/api/conversations/{}"),
             ("GET", "/api/customers/{}"), ("DELETE", "/api/customers/{}"), ("DELETE", "/api/customers/{}/link"),
             ("GET", "/api/customers/{}/preview"), ("PUT", "/api/customers/{}/blocks/alice"),
             ("DELETE", "/api/customers/{}/blocks/alice"), ("PUT", "/api/customers/ada/blocks/{}"),
             ("DELETE", "/api/customers/ada/blocks/{}")]


@pytest.mark.parametrize("method,route", ID_ROUTES)
def test_an_id_with_a_nul_character_is_422_on_every_route_and_stores_nothing(app, client, method, route):
    client.agent("alice", "billing")
    before = snapshot(app)
    status, body = Http(client.http).json(method, route.format("a%00b"), {"name": "A"})
    assert status == 422 and body["error"] == "validation_failed" and "NUL" in body["message"]
    assert body["details"][0]["field"].endswith("_id")
    assert snapshot(app) == before


def test_an_id_with_a_nul_character_is_still_401_without_the_token(client):
    status, _ = Http(client.http)("PUT", "/api/teams/a%00b", headers={"Authorization": "Bearer wrong"})
    assert status == 401


@pytest.mark.parametrize("environ,expected", [
    ({"PATH_INFO": "/api/customers/acme/ada", "RAW_URI": "/api/customers/acme%2Fada?x=1"}, "/api/customers/acme%2Fada"),
    ({"PATH_INFO": "/api/customers/acme/ada", "REQUEST_URI": "/api/customers/acme%2fada"}, "/api/customers/acme%2Fada"),
    ({"PATH_INFO": "/api/x/a/b", "SCRIPT_NAME": "/app", "RAW_URI": "/app/api/x/a%2Fb"}, "/api/x/a%2Fb"),
    ({"PATH_INFO": "/api/x/a/b", "RAW_URI": "http://host/api/x/a%2Fb"}, "/api/x/a%2Fb"),
    ({"PATH_INFO": "/api/customers/50%"}, "/api/customers/50%25"),
    ({"PATH_INFO": "/api/x/a/b", "RAW_URI": "/api/x/other"}, "/api/x/a/b"),
    ({"PATH_INFO": "/api/x/a/b", "RAW_URI": "http://[::1/api"}, "/api/x/a/b"),
])
def test_the_raw_path_decides_the_segments_and_without_one_only_percent_is_escaped(environ, expected):
    assert escaped_path_info(environ) == expected


def test_werkzeugs_own_server_keeps_encoded_slashes_in_ids(db_url):
    app = create_app(make_config(db_url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        round_trip(Http(base=f"http://127.0.0.1:{server.server_port}"), "acme/ada")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["stickybot"].close()


def test_stickybot_serve_keeps_encoded_slashes_in_ids(db_url, tmp_path):
    port = free_port()
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port)], cwd=tmp_path, env=env_for(db_url),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _ok(f"{base}/healthz")), "serve did not come up"
        round_trip(Http(base=base), "acme/ada")
        round_trip(Http(base=base), "50%/%2F")
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_an_empty_segment_is_not_merged_into_another_id(app, client):
    before = snapshot(app)
    status, body = Http(client.http).json("PUT", "/api/teams//x", {"name": "X"})
    assert status == 404 and body["error"] == "not_found"
    assert snapshot(app) == before


def test_routes_with_segments_after_an_id_split_on_the_raw_slashes_only():
    from flask import Flask, jsonify

    from bot.web import ids
    app = Flask("segments")
    ids.install(app)

    @app.get("/api/customers/<id:customer_id>/blocks/<id:agent_id>")
    def block(customer_id, agent_id):
        return jsonify([customer_id, agent_id])

    http = app.test_client()
    assert http.get("/api/customers/acme%2Fada/blocks/bob%2F%252F").get_json() == ["acme/ada", "bob/%2F"]
    assert http.get("/api/customers/acme/ada/blocks/bob").status_code == 404
