"""Prometheus metrics. Counters and the latency histogram live in each process (prometheus-client's
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set, as under gunicorn); the gauges are read from the
database at scrape time, so every process reports the same backlog, queue and links."""
from __future__ import annotations

import os
import sys
import time

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from .runtime import runtime
from .store import OutboxState


def multiprocess_folder() -> None:
    """PROMETHEUS_MULTIPROC_DIR, when set, names the folder every process keeps its counters' files in: made if
    it does not exist yet (a fresh release container), or, if it cannot be, stickybot says why and exits 2."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    try:
        os.makedirs(folder, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(f"{folder} is not writable by this user")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        sys.stderr.write(f"stickybot: PROMETHEUS_MULTIPROC_DIR={folder} cannot hold the metrics files "
                         f"({reason}); name a folder this user may create and write, or unset it\n")
        raise SystemExit(2) from None


multiprocess_folder()  # before the metrics below: in multiprocess mode each opens its file there at once
DECISIONS = Counter("stickybot_decisions", "Routing decisions committed, by rule", ["rule"])
WEBHOOK_LATENCY = Histogram(
    "stickybot_webhook_latency_seconds", "Time to answer a chat-channel webhook", ["channel"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5))
WEBHOOK_ANSWERS = Counter("stickybot_webhook_answers", "Webhook answers by channel and HTTP status",
                          ["channel", "status"])
HOLDS = Counter("stickybot_holds", "Conversations held for a returning customer's agent")
HOLD_OUTCOMES = Counter("stickybot_hold_outcomes", "How holds ended: the agent came back, the customer fell back "
                        "to a teammate or the queue, or the conversation was resolved while it waited", ["outcome"])
CLAIM_LAPSES = Counter("stickybot_claim_lapses", "Assignments not taken in time, routed again")
# Stickiness as /api/stats counts it, as it happens: a created or reopened conversation's first decision.
RETURNING = Counter("stickybot_returning_customers", "Conversations of returning customers (a link inside the "
                    "window when decided)")
RETURNING_OUTCOMES = Counter("stickybot_returning_outcomes", "Where returning customers went: to_their_agent "
                             "(straight), after_hold, to_cover, to_teammate, to_unassigned; a hold counts when it ends",
                             ["outcome"])
MISSES = Counter("stickybot_sticky_misses", "Why returning customers did not reach their agent (a hold's cause "
                 "counts when it falls back)", ["cause"])
WINDOW_PASSED = Counter("stickybot_window_passed", "Customers who came back after their link had run out")
_COUNTED = {"hold": HOLDS, "hold_came_back": HOLD_OUTCOMES.labels("came_back"),
            "hold_fell_back": HOLD_OUTCOMES.labels("fell_back"), "hold_resolved": HOLD_OUTCOMES.labels("resolved"),
            "claim_lapse": CLAIM_LAPSES, "returning": RETURNING, "window_passed": WINDOW_PASSED}
_OWN = (DECISIONS, WEBHOOK_LATENCY, WEBHOOK_ANSWERS, HOLDS, HOLD_OUTCOMES, CLAIM_LAPSES, RETURNING,
        RETURNING_OUTCOMES, MISSES, WINDOW_PASSED)

bp = Blueprint("metrics", __name__)
_CHANNELS = {"/webhooks/widget": "widget", "/webhooks/chatwoot": "chatwoot"}


def committed(info: dict) -> None:
    """Count what a committed transaction did (bot.store's `info`: rules decided, holds, claims, stickiness)."""
    for rule in info.get("decided", ()):
        DECISIONS.labels(rule).inc()
    for name in info.get("counted", ()):
        _COUNTED[name].inc()
    for outcome in info.get("returning_outcome", ()):
        RETURNING_OUTCOMES.labels(outcome).inc()
    for cause in info.get("missed", ()):
        MISSES.labels(cause).inc()


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
        holding = GaugeMetricFamily("stickybot_held_now", "Conversations held for their returning customer's agent")
        holding.add_metric([], counts.held)
        held = GaugeMetricFamily("stickybot_links_held", "Sticky links stored")
        held.add_metric([], counts.links)
        return [backlog, failed, waiting, holding, held]


@bp.get("/metrics")
def metrics():
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in _OWN:
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
