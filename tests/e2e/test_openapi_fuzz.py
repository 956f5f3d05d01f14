"""schemathesis, a fuzzer nobody here wrote, holds `stickybot serve` to its own OpenAPI document: every operation
of /api/openapi.json, with the admin token and really signed webhooks, on this run's database. Checks: no 5xx,
every status and content type documented, every answer fits its schema, and requests that break the schema
are refused. Bounded: a few dozen requests per operation, and the server is started once for the module."""
from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import ChecksConfig
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

from bot import create_app
from bot.web.openapi import document
from integrations.signing import sign
from tests.conftest import ADMIN_TOKEN, PG_URL, WEBHOOK_SECRET, reset_postgres
from tests.e2e.test_processes import BIN, _ok, env_for, free_port, wait_until

CHATWOOT_SECRET = "fuzz-chatwoot-secret"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
# How a request that breaks the document may be refused: unreadable, no such route (an empty id), too large,
# too long a request line for the HTTP server, or does not fit.
REFUSALS = ["400", "404", "413", "414", "422"]
EXAMPLES = 30  # per operation and mode (valid and invalid requests): the whole module takes well under a minute
# What signs a delivery to each webhook, as its sender would.
SIGNERS = {"/webhooks/widget": (WEBHOOK_SECRET, "v1", "X-Sticky-Timestamp", "X-Sticky-Signature"),
           "/webhooks/chatwoot": (CHATWOOT_SECRET, "sha256", "X-Chatwoot-Timestamp", "X-Chatwoot-Signature")}


class Sender(requests.Session):
    """A client with the admin token that signs each webhook delivery over the bytes it really sends."""

    def __init__(self):
        super().__init__()
        self.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"

    def send(self, request, **kwargs):
        signer = SIGNERS.get(requests.utils.urlparse(request.url).path)
        if signer is not None:
            secret, prefix, stamp_header, signature_header = signer
            body = request.body or b""
            body = body.encode() if isinstance(body, str) else body
            stamp = int(time.time())
            request.headers[stamp_header] = str(stamp)
            request.headers[signature_header] = f"{prefix}={sign(secret, stamp, body)}"
        return super().send(request, **kwargs)


@pytest.fixture(scope="module")
def served(_template, tmp_path_factory):
    """`stickybot serve` on a database of its own, with every webhook configured and a little data."""
    folder = tmp_path_factory.mktemp("fuzz")
    if PG_URL:
        reset_postgres(PG_URL)
        url = PG_URL
    else:
        (folder / "fuzz.db").write_bytes(open(_template, "rb").read())
        url = f"sqlite:///{folder / 'fuzz.db'}"
    port = free_port()
    log = open(folder / "serve.log", "wb")
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port), "--threads", "2"], cwd=folder, stdout=log,
                            stderr=subprocess.STDOUT, env=env_for(url, CHATWOOT_WEBHOOK_SECRET=CHATWOOT_SECRET,
                                                                  CHATWOOT_URL="http://127.0.0.1:9",
                                                                  CHATWOOT_ACCOUNT_ID="1"))
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _ok(f"{base}/healthz")), (folder / "serve.log").read_text()[-3000:]
        _seed(base)
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()
    errors = (folder / "serve.log").read_text()
    assert "Traceback" not in errors, errors[-5000:]


def _seed(base: str) -> None:
    session = Sender()
    for path, body in [("/api/teams/billing", {"name": "Billing"}),
                       ("/api/agents/alice", {"name": "Alice", "teams": ["billing"], "status": "online"}),
                       ("/api/agents/bob", {"name": "Bob", "teams": ["billing"], "status": "away"})]:
        assert session.put(base + path, json=body, timeout=10).status_code in (200, 201)
    event = {"id": "evt_seed", "type": "conversation.created", "occurred_at": "2026-11-24T10:00:00Z",
             "conversation": {"id": "conv_1"}, "customer": {"id": "cust_42"}, "team": "billing"}
    r = session.post(base + "/webhooks/widget", data=json.dumps(event), timeout=10)
    assert r.status_code == 200, r.text


def _schema():
    """The document, as the code declares it (test_openapi.py checks the server serves exactly this)."""
    schema = schemathesis.openapi.from_dict(document(create_app({"database_url": "sqlite://"})))
    schema.config.generation.update(max_examples=EXAMPLES, with_security_parameters=False)
    schema.config.checks = ChecksConfig.from_dict({"negative_data_rejection": {"expected-statuses": REFUSALS}})
    return schema


schema = _schema()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_server_holds_to_its_openapi_document(case, served):
    case.call_and_validate(base_url=served, session=Sender(), checks=CHECKS, timeout=30)


def test_the_fuzzed_server_still_answers(served):
    """Whatever the fuzzer sent, the data it was seeded with still reads back."""
    assert _ok(f"{served}/healthz")
    assert requests.get(f"{served}/api/agents/alice", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                        timeout=10).json()["id"] == "alice"




def test_the_servers_own_refusals_are_json_in_the_apis_shape(served):
    """A request line or headers too long for the HTTP server: refused before Flask, in the same error shape."""
    r = requests.get(f"{served}/api/audit?limit={'5' * 5000}", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                     timeout=10)
    assert (r.status_code, r.headers["Content-Type"], r.json()["error"]) == (414, "application/json", "uri_too_long")
    assert "too long" in r.json()["message"]
    r = requests.get(f"{served}/healthz", headers={f"X-Many-{n}": "x" for n in range(150)}, timeout=10)
    assert (r.status_code, r.json()["error"]) == (431, "headers_too_large")
