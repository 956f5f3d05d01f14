"""The App Home's buttons and its absence modal (CONTRACT.md 9.4): add an absence, end one."""
from __future__ import annotations

import logging

from slack_bolt import App

from integrations.slack.client import SlackFailure
from integrations.slack.home import ABSENCE_MODAL, HomeAction, absence_from_view, absence_modal
from routing.hours import zone

from ..errors import StickyError
from ..runtime import Runtime
from ..service import away
from ..service.agent_actions import agent_for_slack_user

log = logging.getLogger(__name__)

# Which of the modal's inputs an error is about (the absence's fields, as absences.create names them).
_BLOCKS = {"start": "start", "end": "end", "cover": "cover", "note": "note"}


def register(app: App, rt: Runtime) -> None:
    @app.action(str(HomeAction.ADD_ABSENCE))
    def add(ack, body):
        ack()
        _open_modal(rt, (body.get("user") or {}).get("id", ""), body.get("trigger_id"))

    @app.action(str(HomeAction.END_ABSENCE))
    def end(ack, body, action):
        ack()
        user, value = (body.get("user") or {}).get("id", ""), str(action.get("value") or "")
        if not value.isdigit():
            return
        try:
            rt.db.transact(lambda store: away.end_one(store, user, int(value), rt.clock.now()))
        except StickyError as exc:
            log.info("End an absence refused: %s", exc.message[:200])
        rt.wake_deliverer()

    @app.view(ABSENCE_MODAL)
    def submitted(ack, body, view):
        errors = _add_absence(rt, (body.get("user") or {}).get("id", ""), absence_from_view(view))
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        rt.wake_deliverer()


def _open_modal(rt: Runtime, user: str, trigger: object) -> None:
    """The absence modal, opened at once: Slack's trigger id lasts 3 s, so this does not go through the outbox."""
    try:
        view = rt.db.read(lambda store: _modal(store, user, rt.clock.now()))
    except StickyError as exc:
        log.info("Add an absence refused: %s", exc.message[:200])
        return
    if rt.slack_lookup is None or not isinstance(trigger, str):
        log.warning("Add an absence: no SLACK_BOT_TOKEN (or no trigger id), so no modal can open")
        return
    try:
        rt.slack_lookup.open_view(trigger, view)
    except SlackFailure as exc:
        log.warning("could not open the absence modal: %s", exc.error)


def _add_absence(rt: Runtime, user: str, data: dict) -> dict | None:
    """The modal's form as an absence of the user's; the errors to show under its fields, if refused."""
    if not data["start"] or not data["end"]:
        return {"end": "Pick the first and the last day."}
    try:
        rt.db.transact(lambda store: away.set_away(store, user, data["start"], data["end"], data["cover"],
                                                   data["note"], rt.clock.now()))
    except StickyError as exc:
        return {_block(exc): exc.message[:150]}
    return None


def _modal(store, user: str, now) -> dict:
    agent = agent_for_slack_user(store, user)
    covers = [c.slack_user_id for c in (store.agent(a) for a in agent.cover) if c is not None and c.slack_user_id]
    return absence_modal(agent.zone, now.astimezone(zone(agent.zone)).date().isoformat(), covers)


def _block(exc: StickyError) -> str:
    """The modal input an error belongs under (a clash with another absence: the dates)."""
    for detail in exc.details or []:
        head = str(detail.get("field", "")).split("[", 1)[0].split(".", 1)[0]
        if head in _BLOCKS:
            return _BLOCKS[head]
    return "start"
