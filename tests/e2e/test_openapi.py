"""GET /api/openapi.json: a valid OpenAPI 3.1 document of every call, readable without the admin token, with no
secret in it, written from the routes' own declarations (so a route without one fails here)."""
from __future__ import annotations

from markupsafe import escape

import json

import pytest
from flask import jsonify
from openapi_spec_validator import validate

from bot import create_app
from bot.web.openapi import document, undeclared
from tests.conftest import make_config

# Every call of the contract (sections 3, 4, 7 and 8), as the document names it.
CONTRACT = [
    ("post", "/webhooks/widget"), ("post", "/webhooks/chatwoot"), ("post", "/webhooks/zammad"),
    ("put", "/api/teams/{team_id}"), ("get", "/api/teams"), ("put", "/api/agents/{agent_id}"),
    ("patch", "/api/agents/{agent_id}"), ("delete", "/api/agents/{agent_id}"), ("get", "/api/agents"),
    ("get", "/api/agents/{agent_id}"), ("get", "/api/settings"), ("patch", "/api/settings"),
    ("get", "/api/conversations/{conversation_id}"), ("get", "/api/unassigned"), ("get", "/api/held"),
    ("get", "/api/customers/{customer_id}"), ("delete", "/api/customers/{customer_id}"),
    ("delete", "/api/customers/{customer_id}/link"), ("put", "/api/customers/{customer_id}/blocks/{agent_id}"),
    ("delete", "/api/customers/{customer_id}/blocks/{agent_id}"), ("get", "/api/customers/{customer_id}/preview"),
    ("get", "/api/stats"), ("get", "/api/audit"),
    # section 9
    ("post", "/api/agents/{agent_id}/absences"), ("get", "/api/agents/{agent_id}/absences"), ("get", "/api/absences"),
    ("delete", "/api/agents/{agent_id}/absences/{absence_id}"), ("get", "/api/agents/{agent_id}/availability"),
]
SECRETS = {"admin_token": "admin-token-never-shown-0123456789", "webhook_secret": "widget-secret-never-shown",
           "chatwoot_webhook_secret": "chatwoot-secret-never-shown", "chatwoot_api_token": "chatwoot-token-never-shown",
           "slack_bot_token": "xoxb-never-shown", "slack_signing_secret": "slack-signing-never-shown"}


@pytest.fixture
def served(db_url):
    app = create_app(make_config(db_url, **SECRETS))
    yield app, app.test_client()
    app.extensions["stickybot"].close()


@pytest.mark.parametrize("auth", [None, "Bearer wrong-token"])
def test_the_document_is_served_without_the_admin_token_and_is_valid_openapi_3_1(served, auth):
    app, http = served
    r = http.get("/api/openapi.json", headers={"Authorization": auth} if auth else {})
    assert r.status_code == 200 and r.mimetype == "application/json"
    doc = r.get_json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # openapi-spec-validator, OpenAPI 3.1 with JSON Schema 2020-12
    assert doc == json.loads(json.dumps(document(app)))  # what the fuzzer is given (test_openapi_fuzz.py)


def test_no_secret_is_in_the_document(served):
    text = served[1].get("/api/openapi.json").get_data(as_text=True)
    assert not [name for name, value in SECRETS.items() if value in text]


def test_every_call_of_the_contract_is_documented_with_its_answers_and_errors(served):
    doc = served[1].get("/api/openapi.json").get_json()
    for method, path in CONTRACT:
        op = doc["paths"][path][method]
        assert op["summary"] and op["operationId"], (method, path)
        statuses = set(op["responses"])
        assert {"401", "503"} <= statuses and statuses & {"200", "201", "204"}, (method, path, statuses)
        for status, answer in op["responses"].items():
            assert status == "204" or "schema" in answer["content"]["application/json"], (method, path, status)
            if status >= "400":
                assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
        if "{" in path or op.get("parameters"):
            assert "422" in statuses, (method, path)
        if method in ("put", "patch", "post") and "blocks" not in path:
            assert {"400", "413", "422"} <= statuses and "requestBody" in op, (method, path)
    assert {"409", "404"} <= set(doc["paths"]["/api/agents/{agent_id}"]["patch"]["responses"])


def test_the_bearer_scheme_and_the_webhook_signing_headers_are_declared(served):
    doc = served[1].get("/api/openapi.json").get_json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["adminToken"] == {**schemes["adminToken"], "type": "http", "scheme": "bearer"}
    headers = {s["name"] for s in schemes.values() if s["type"] == "apiKey"}
    assert headers == {"X-Sticky-Timestamp", "X-Sticky-Signature", "X-Chatwoot-Timestamp", "X-Chatwoot-Signature",
                       "X-Hub-Signature"}
    assert doc["paths"]["/webhooks/zammad"]["post"]["security"] == [{"zammadSignature": []}]
    assert doc["paths"]["/webhooks/widget"]["post"]["security"] == [{"widgetTimestamp": [], "widgetSignature": []}]
    assert doc["paths"]["/api/teams"]["get"]["security"] == [{"adminToken": []}]
    assert doc["paths"]["/api/openapi.json"]["get"]["security"] == []


def test_parameters_and_bodies_come_from_the_models_that_check_them(served):
    doc = served[1].get("/api/openapi.json").get_json()
    stats = {p["name"]: p for p in doc["paths"]["/api/stats"]["get"]["parameters"]}
    assert stats["days"]["schema"] | {"minimum": 1, "maximum": 90, "type": "integer"} == stats["days"]["schema"]
    audit = {p["name"]: p["schema"] for p in doc["paths"]["/api/audit"]["get"]["parameters"]}
    assert audit["before"]["maximum"] == 2**31 - 1  # the audit id column is 32-bit on PostgreSQL
    path = {p["name"]: p["schema"] for p in doc["paths"]["/api/customers/{customer_id}/blocks/{agent_id}"]["put"][
        "parameters"]}
    conversation = doc["paths"]["/api/conversations/{conversation_id}"]["get"]["parameters"][0]["schema"]
    longest = (path["customer_id"]["maxLength"], path["agent_id"]["maxLength"], conversation["maxLength"])
    assert longest == (128, 128, 200)
    body = doc["paths"]["/api/agents/{agent_id}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    agent_in = doc["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert agent_in["additionalProperties"] is False and "max_open" in agent_in["properties"]


def test_a_route_under_api_or_webhooks_without_a_declaration_is_found(db_url):
    app = create_app(make_config(db_url))
    assert undeclared(app) == []
    app.add_url_rule("/api/undeclared", "undeclared", lambda: jsonify({}))
    app.add_url_rule("/webhooks/other", "other", lambda: jsonify({}), methods=["POST"])
    app.add_url_rule("/elsewhere", "elsewhere", lambda: jsonify({}))  # not the API's: not documented
    assert undeclared(app) == ["['GET'] /api/undeclared", "['POST'] /webhooks/other"]


def test_the_reference_page_shows_every_call_of_the_document_to_anyone(client):
    doc = client.http.get("/api/openapi.json").get_json()
    r = client.http.get("/reference")
    assert r.status_code == 200 and r.content_type.startswith("text/html")
    html = r.get_data(as_text=True)
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert f"<code>{method.upper()} {path}</code>" in html
            assert escape(op["summary"]) in html
    assert all(f'id="schema-{name}"' in html for name in doc["components"]["schemas"])
    assert "<script" not in html and 'href="http' not in html and 'src="http' not in html  # nothing from outside
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'")
