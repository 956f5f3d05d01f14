"""Forgetting a customer for real: exact replacement in the history, no urls, nothing left in the files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PG_URL, event_body


def post(client, **fields):
    return client.signed(json.dumps(event_body(**fields)).encode())


def test_forgetting_a_customer_whose_id_is_a_common_word_leaves_other_text_intact(client):
    client.agent("alice")
    first = post(client, id="evt_o1", conversation="c1", customer="o").get_json()
    assert first["reason"].startswith("no earlier agent on record for o;")
    alias = client.api("DELETE", "/api/customers/o").get_json()["alias"]
    reasons = [d["reason"] for d in client.api("GET", "/api/conversations/c1").get_json()["decisions"]]
    assert reasons == [first["reason"].replace("for o;", f"for {alias};")]
    replay = post(client, id="evt_o1", conversation="c1", customer="o").get_json()
    assert replay["duplicate"] is True and replay["reason"] == reasons[0]


def test_the_alias_cannot_be_traced_back_to_the_customer_id(client, clock):
    """Two customers forgotten at the same moment, and the same id forgotten twice at the same moment (seen
    again in between), get unrelated aliases: nothing about them follows from the id or the time."""
    client.agent("alice")
    aliases = []
    for customer in ("cust_a", "cust_b", "cust_a"):
        client.event(conversation=f"c-{customer}-{len(aliases)}", customer=customer)
        aliases.append(client.api("DELETE", f"/api/customers/{customer}").get_json()["alias"])
    assert len(set(aliases)) == 3 and all(a.startswith("forgotten-") and len(a) == 26 for a in aliases)
    audit = json.dumps(client.api("GET", "/api/audit").get_json())
    assert "cust_a" not in audit and "cust_b" not in audit


def test_forgetting_clears_the_conversation_urls(client):
    client.agent("alice")
    client.event(conversation="c1", customer="cust_9")
    assert client.api("GET", "/api/conversations/c1").get_json()["url"].startswith("https://")
    client.api("DELETE", "/api/customers/cust_9")
    assert client.api("GET", "/api/conversations/c1").get_json()["url"] is None


@pytest.mark.skipif(bool(PG_URL), reason="the SQLite files")
def test_a_forgotten_customers_name_and_email_leave_the_sqlite_files(client, db_url):
    client.agent("alice")
    body = event_body(conversation="c1", customer="cust_zz")
    body["customer"].update(name="Zebulon Quasimodo", email="zebulon.q@example.org")
    client.signed(json.dumps(body).encode())
    path = Path(db_url.removeprefix("sqlite:///"))

    def traces() -> list[bytes]:
        files = [path, Path(f"{path}-wal")]
        data = b"".join(f.read_bytes() for f in files if f.exists())
        return [word for word in (b"Zebulon Quasimodo", b"zebulon.q@example.org") if word in data]

    assert traces()  # stored while the customer is known
    assert client.api("DELETE", "/api/customers/cust_zz").status_code == 200
    assert traces() == []
