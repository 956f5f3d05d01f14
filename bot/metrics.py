"""Prometheus metrics. Counters and the latency histogram live in each process (prometheus-client's
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set, as under gunicorn); the gauges are read from the
database at scrape time, so every process reports the same backlog, queue and links."""
from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from .runtime import runtime
from .store import OutboxState

DECISIONS = Counter("stickybot_decisions", "Routing decisions committed, by rule", ["rule"])
WEBHOOK_LATENCY = Histogram(
    "stickybot_webhook_latency_seconds", "Time to answer a chat-channel webhook", ["channel"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5))
WEBHOOK_ANSWERS = Counter("stickybot_webhook_answers", "Webhook answers by channel and HTTP status",
                          ["channel", "status"])

bp = Blueprint("metrics", __name__)
_CHANNELS = {"/webhooks/widget": "widget", "/webhooks/chatwoot": "chatwoot"}


def count_decisions(rules: list[str]) -> None:
    for rule in rules:
        DECISIONS.labels(rule).inc()


class DatabaseGauges:
    """Read at scrape time: outbox backlog and failures, queue length, links held."""

    def __init__(self, db):
        self.db = db

    def collect(self):
        counts = self.db.read(lambda store: store.counts())
        backlog = GaugeMetricFamily("stickybot_outbox_backlog", "Outbox rows waiting to be delivered")
        backlog.add_metric([], counts.outbox.get(OutboxState.PENDING, 0))
        failed = GaugeMetricFamily("stickybot_outbox_failed", "Outbox rows given up on (permanent errors)")
        failed.add_metric([], counts.outbox.get(OutboxState.FAILED, 0))
        waiting = GaugeMetricFamily("stickybot_queue_length", "Conversations waiting in Unassigned")
        waiting.add_metric([], counts.queue)
        held = GaugeMetricFamily("stickybot_links_held", "Sticky links stored")
        held.add_metric([], counts.links)
        return [backlog, failed, waiting, held]


@bp.get("/metrics")
def metrics():
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (DECISIONS, WEBHOOK_LATENCY, WEBHOOK_ANSWERS):
            registry.register(metric)
    registry.register(DatabaseGauges(runtime().db))
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def install(app: Flask) -> None:
    @app.before_request
    def _start():
        if request.path in _CHANNELS:
            g.sticky_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("sticky_started", None)
        if started is not None:
            channel = _CHANNELS[request.path]
            WEBHOOK_LATENCY.labels(channel).observe(time.perf_counter() - started)
            WEBHOOK_ANSWERS.labels(channel, str(response.status_code)).inc()
        return response
