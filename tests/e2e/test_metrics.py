"""GET /metrics: decisions by rule, webhook latency, outbox backlog and failures, queue, links."""
from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families


def scrape(client) -> dict[str, float]:
    text = client.http.get("/metrics").get_data(as_text=True)
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            out[f"{sample.name}{{{labels}}}"] = sample.value
    return out


def test_metrics_need_no_auth_and_count_what_happened(client):
    before = scrape(client)
    client.agent("alice", "billing")
    client.agent("bob", "billing", status="away")
    client.event(conversation="c1", customer="a", team="billing")
    client.event(conversation="c2", customer="b", assign={"agent": "zed"})
    client.signed(b"{broken")
    after = scrape(client)

    def grew(key):
        return after.get(key, 0) - before.get(key, 0)

    assert grew("stickybot_decisions_total{rule=default}") == 1
    assert grew("stickybot_decisions_total{rule=explicit_unknown}") == 1
    assert grew("stickybot_webhook_latency_seconds_count{channel=widget}") == 3
    assert grew("stickybot_webhook_answers_total{channel=widget,status=400}") == 1
    assert after["stickybot_queue_length{}"] == 1
    assert after["stickybot_links_held{}"] == 1
    assert after["stickybot_outbox_backlog{}"] == 2
    assert after["stickybot_outbox_failed{}"] == 0


def test_metrics_are_prometheus_text(client):
    r = client.http.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    assert re.search(r"^# TYPE stickybot_webhook_latency_seconds histogram$", r.get_data(as_text=True), re.M)
