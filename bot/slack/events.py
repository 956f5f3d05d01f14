"""Slack's events (CONTRACT.md 9.4): status and do-not-disturb changes, profile changes (a time zone), and the
App Home opened. The manifest subscribes to exactly EVENTS (tests/unit/test_manifest.py holds it to them)."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from slack_bolt import App

from ..runtime import Runtime
from ..service import home, signals
from ..service.signals import AbsentStatus, Signal

log = logging.getLogger(__name__)

EVENTS = ("app_home_opened", "user_status_changed", "user_change", "dnd_updated_user")


def signal_of(body: dict, kind: str, user_id: object) -> Signal | None:
    """The envelope's event id and time, for the user the event is about; None when Slack's shape is not there."""
    event_id, stamp = body.get("event_id"), body.get("event_time")
    if not (isinstance(event_id, str) and 0 < len(event_id) <= 64 and isinstance(user_id, str) and user_id
            and len(user_id) <= 64 and isinstance(stamp, int) and not isinstance(stamp, bool)
            and 0 < stamp < 4102444800):
        return None
    return Signal(event_id, user_id, kind, datetime.fromtimestamp(stamp, timezone.utc))


def register(app: App, rt: Runtime) -> None:
    absent = AbsentStatus(rt.config.slack_absent_emoji, rt.config.slack_absent_words)

    def apply(what: str, sig: Signal | None, work) -> None:
        if sig is None:
            log.warning("%s event without its envelope's id, time or user: ignored", what)
            return
        outcome = rt.db.transact(lambda store: work(store, sig, rt.clock.now()))
        log.info("%s from Slack user %s (event %s): %s", what, sig.user_id, sig.event_id, outcome)
        rt.wake_deliverer()

    @app.event("user_status_changed")
    def status_changed(body, event):
        user = event.get("user") if isinstance(event.get("user"), dict) else {}
        apply("status", signal_of(body, "status", user.get("id")),
              lambda store, sig, now: signals.status_changed(store, sig, user, absent, now))

    @app.event("user_change")
    def profile_changed(body, event):
        user = event.get("user") if isinstance(event.get("user"), dict) else {}
        apply("profile", signal_of(body, "profile", user.get("id")),
              lambda store, sig, now: signals.zone_reported(store, sig, user.get("tz"), now))

    @app.event("dnd_updated_user")
    def dnd_changed(body, event):
        if not rt.config.slack_dnd:
            return  # STICKY_SLACK_DND=ignore
        dnd = event.get("dnd_status") if isinstance(event.get("dnd_status"), dict) else {}
        apply("do-not-disturb", signal_of(body, "dnd", event.get("user")),
              lambda store, sig, now: signals.dnd_changed(store, sig, dnd, now))

    @app.event("app_home_opened")
    def home_opened(event):
        user = event.get("user")
        if event.get("tab") != "home" or not isinstance(user, str) or not 0 < len(user) <= 64:
            return
        if rt.db.transact(lambda store: home.opened(store, user, rt.clock.now())):
            rt.wake_deliverer()
