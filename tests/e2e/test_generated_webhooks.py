"""Generated deliveries to /webhooks/chatwoot, /slack/events and (unsigned) /webhooks/widget, signed and not:
never a 500, and nothing stored on a 4xx. (Signed widget events are generated in test_robustness.py.)"""
from __future__ import annotations

import copy
import json
import time
import uuid
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings, strategies as st

from integrations.signing import sign
from tests import slackkit
from tests.conftest import snapshot
from tests.e2e.generated import CHATWOOT_SECRET, EXTREMES, SETTINGS, check, everything, ids, json_values, sample  # noqa: F401

SAMPLES = ["conversation_created"] * 3 + ["conversation_status_changed_open", "conversation_status_changed_resolved",
           "conversation_updated_assignee", "message_created_incoming", "message_created_outgoing"]
PATHS = ["event", "id", "status", "created_at", "updated_at", "last_activity_at", "changed_attributes", "messages",
         "account", "account.id", "meta", "meta.sender", "meta.sender.id", "meta.sender.name", "meta.sender.email",
         "meta.assignee", "meta.assignee.id", "meta.assignee_type", "meta.team", "meta.team.id", "meta.team.name",
         "conversation", "conversation.id", "conversation.meta", "sender", "message_type", "private"]
DROP = object()
header_values = st.text(st.characters(blacklist_characters="\r\n"), max_size=250)  # what a header can carry
deliveries = st.none() | st.uuids().map(str) | header_values | st.sampled_from(["d" * 200, "a\x00b", "é" * 150])
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


def where(payload: dict, path: str) -> tuple[dict | None, str]:
    """The object holding `path`'s last key (None when a parent is missing), and that key."""
    *parents, last = path.split(".")
    target = payload
    for key in parents:
        target = target.get(key) if isinstance(target, dict) else None
    return (target if isinstance(target, dict) else None), last


@st.composite
def chatwoot_payloads(draw):
    """One of Chatwoot's own payloads with one to three of the fields stickybot reads replaced by anything, or
    removed."""
    payload = copy.deepcopy(sample(draw(st.sampled_from(SAMPLES))))
    if "meta" in payload:  # a new conversation each time, or it would only be a duplicate
        payload["id"] = draw(st.integers(min_value=1000, max_value=2**31 - 1))
    present = [path for path in PATHS if where(payload, path)[0] is not None]
    for path in draw(st.lists(st.sampled_from(present), min_size=1, max_size=3, unique=True)):
        target, key = where(payload, path)
        if target is not None:
            value = draw(json_values | EXTREMES | st.just(DROP))
            if value is DROP:
                target.pop(key, None)
            else:
                target[key] = copy.deepcopy(value)
    return json.dumps(payload).encode()


def post_chatwoot(client, body: bytes, signed: bool, headers: dict | None = None):
    sent = {"Content-Type": "application/json", "X-Chatwoot-Delivery": str(uuid.uuid4())}
    if signed:
        stamp = int(time.time())
        sent.update({"X-Chatwoot-Timestamp": str(stamp),
                     "X-Chatwoot-Signature": f"sha256={sign(CHATWOOT_SECRET, stamp, body)}"})
    sent.update(headers or {})
    return client.http.post("/webhooks/chatwoot", data=body, headers=sent)


@settings(SETTINGS, max_examples=150)
@given(body=chatwoot_payloads(), delivery=deliveries)
def test_generated_signed_chatwoot_payloads_never_500_and_store_nothing_when_refused(everything, body, delivery):
    app, client = everything
    before = snapshot(app)
    headers = {} if delivery is None else {"X-Chatwoot-Delivery": delivery}
    check(app, before, post_chatwoot(client, body, signed=True, headers=headers), allowed=(200, 400, 422))


@SETTINGS
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_generated_signed_chatwoot_bodies_of_any_shape_never_500(everything, body):
    app, client = everything
    before = snapshot(app)
    check(app, before, post_chatwoot(client, body, signed=True), allowed=(200, 400, 422))


@SETTINGS
@given(body=chatwoot_payloads(), timestamp=st.none() | header_text, signature=st.none() | header_text)
def test_generated_unsigned_or_badly_signed_chatwoot_deliveries_are_401(everything, body, timestamp, signature):
    app, client = everything
    headers = {k: v for k, v in (("X-Chatwoot-Timestamp", timestamp), ("X-Chatwoot-Signature", signature)) if v}
    before = snapshot(app)
    check(app, before, post_chatwoot(client, body, signed=False, headers=headers), allowed=(401,))


@SETTINGS
@given(user=st.sampled_from(["U_ADMIN", "U_ALICE", "U_NOBODY"]) | st.text(max_size=12),
       words=st.sampled_from(["days", "check", "status", "online", "away", "why", "forget", "help"]),
       rest=st.text(max_size=30) | ids)
def test_generated_signed_slash_commands_never_500(everything, user, words, rest):
    app, client = everything
    before = snapshot(app)
    r = slackkit.slash(client.http, user, f"{words} {rest}")
    check(app, before, r)


@SETTINGS
@given(user=st.sampled_from(["U_ALICE", "U_NOBODY"]) | st.text(max_size=12),
       action=st.sampled_from(["sticky_release"]) | st.text(max_size=12),
       value=json_values.map(json.dumps) | st.text(max_size=40) | st.just('{"c": "conv_1"}'),
       channel=st.text(max_size=10), ts=st.text(max_size=10))
def test_generated_signed_button_clicks_never_500(everything, user, action, value, channel, ts):
    app, client = everything
    before = snapshot(app)
    check(app, before, slackkit.click(client.http, user, action, value, channel or "D1", ts or "1.0"))


@SETTINGS
@given(body=st.text(max_size=200).map(lambda t: urlencode({"command": "/sticky", "text": t})) | st.text(max_size=200),
       timestamp=st.none() | header_text, signature=st.none() | header_text)
def test_generated_unsigned_or_badly_signed_slack_requests_are_401(everything, body, timestamp, signature):
    app, client = everything
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers.update({k: v for k, v in (("X-Slack-Request-Timestamp", timestamp), ("X-Slack-Signature", signature)) if v})
    before = snapshot(app)
    check(app, before, client.http.post("/slack/events", data=body.encode(), headers=headers), allowed=(401,))


@SETTINGS
@given(body=st.binary(max_size=300), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_generated_unsigned_widget_bodies_are_401_and_store_nothing(everything, body, content_type):
    app, client = everything
    before = snapshot(app)
    r = client.http.post("/webhooks/widget", data=body, headers={"Content-Type": content_type})
    check(app, before, r, allowed=(401,))


@SETTINGS
@given(body=st.binary(max_size=200) | json_values.map(json.dumps).map(str.encode)
       | json_values.map(lambda v: urlencode({"payload": json.dumps(v)}).encode()),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json", "text/plain"]))
def test_generated_signed_slack_bodies_of_any_shape_never_500(everything, body, content_type):
    app, client = everything
    stamp = int(time.time())
    text = body.decode("utf-8", "replace")
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(stamp),
               "X-Slack-Signature": slackkit.slack_signature(slackkit.SIGNING_SECRET, stamp, text)}
    before = snapshot(app)
    check(app, before, client.http.post("/slack/events", data=text.encode(), headers=headers))
