"""Generated deliveries to /webhooks/zammad, signed and not: never a 500, nothing stored on a 4xx, and nothing
but a 401 without the right signature."""
from __future__ import annotations

import copy
import json
import uuid

from hypothesis import given, settings, strategies as st

from tests.conftest import snapshot
from tests.e2e.generated import EXTREMES, SETTINGS, ZAMMAD_SECRET, check, everything, json_values  # noqa: F401
from tests.e2e.test_generated_webhooks import where
from tests.zammadkit import TRIGGERS, deliver, ruby_json, sample

# The fields stickybot reads, and some around them.
PATHS = ["ticket", "ticket.id", "ticket.number", "ticket.customer_id", "ticket.customer", "ticket.customer.email",
         "ticket.customer.firstname", "ticket.customer.lastname", "ticket.owner_id", "ticket.group_id",
         "ticket.group", "ticket.group.name", "ticket.state", "ticket.created_at", "ticket.updated_at",
         "ticket.updated_by_id", "article", "article.id", "article.sender", "article.internal",
         "article.created_by_id", "article.created_at", "article.body"]
DROP = object()
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
deliveries = st.none() | st.uuids().map(str) | header_text | st.sampled_from(["d" * 200, "é" * 10])


@st.composite
def zammad_bodies(draw):
    """One of Zammad's own snapshots, about a ticket of its own, with one to three fields stickybot reads
    replaced by anything, or removed; written as Zammad writes JSON."""
    payload = copy.deepcopy(sample(draw(st.sampled_from(sorted(TRIGGERS)))))
    payload["ticket"]["id"] = draw(st.integers(min_value=1000, max_value=2**31 - 1))
    if payload["article"]:
        payload["article"]["id"] = draw(st.integers(min_value=1000, max_value=2**31 - 1))
    present = [path for path in PATHS if where(payload, path)[0] is not None]
    for path in draw(st.lists(st.sampled_from(present), min_size=1, max_size=3, unique=True)):
        target, key = where(payload, path)
        if target is not None:
            value = draw(json_values | EXTREMES | st.just(DROP))
            if value is DROP:
                target.pop(key, None)
            else:
                target[key] = copy.deepcopy(value)
    return ruby_json(payload)


@settings(SETTINGS, max_examples=150)
@given(body=zammad_bodies(), delivery=deliveries)
def test_generated_signed_zammad_deliveries_never_500_and_store_nothing_when_refused(everything, body, delivery):
    app, client = everything
    before = snapshot(app)
    r = deliver(client.http, body, secret=ZAMMAD_SECRET, delivery=delivery or str(uuid.uuid4()))
    check(app, before, r, allowed=(200, 400, 422))


@SETTINGS
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode()))
def test_generated_signed_zammad_bodies_of_any_shape_never_500(everything, body):
    app, client = everything
    before = snapshot(app)
    check(app, before, deliver(client.http, body, secret=ZAMMAD_SECRET), allowed=(200, 400, 422))


@SETTINGS
@given(body=zammad_bodies() | st.binary(max_size=200), signature=st.none() | header_text,
       secret=st.sampled_from(["", "not-the-secret", ZAMMAD_SECRET + "x"]))
def test_generated_unsigned_or_badly_signed_zammad_deliveries_are_401(everything, body, signature, secret):
    app, client = everything
    before = snapshot(app)
    r = deliver(client.http, body, signed=bool(secret) or signature is not None, signature=signature,
                secret=secret or "x")
    check(app, before, r, allowed=(401,))
