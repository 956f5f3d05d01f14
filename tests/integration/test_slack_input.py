"""/sticky with ids no database can hold: a plain answer, nothing changed, never a 500 (PostgreSQL refuses NUL)."""
from __future__ import annotations

import pytest

from tests.conftest import snapshot
from tests.integration.test_slack import app  # noqa: F401
from tests.slackkit import slash


@pytest.mark.parametrize("user,text", [("U_ADMIN", "why conv\x00_1"), ("U_ADMIN", "forget cust\x00_42"),
                                       ("U_ALICE\x00", "online"), ("U_ADMIN\x00", "days 3")])
def test_a_nul_character_in_an_id_or_the_caller_gets_an_answer_and_changes_nothing(app, client, user, text):
    client.agent("alice", slack="U_ALICE", status="away")
    client.event(conversation="conv_1", customer="cust_42")
    before = snapshot(app)
    r = slash(client.http, user, text)
    assert r.status_code == 200 and r.get_json()["response_type"] == "ephemeral"
    assert "NUL" in r.get_json()["text"] or "could not be read" in r.get_json()["text"]
    assert snapshot(app) == before
