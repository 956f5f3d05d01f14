"""The overview: settings, agents, the queue and held conversations, failed deliveries, the week at a glance."""
from __future__ import annotations

from flask import redirect, request, url_for

from ...errors import StickyError
from ...service import conversations, directory, overview as overview_figures, stats
from .base import bp, by, now, page, read, write
from .words import NOTICES, SETTINGS_FLAGS, SETTINGS_INTS, settings_from

SHOWN = 100  # rows of the queue and of the held list shown on the page


def _overview() -> dict:
    at = now()

    def work(store):
        return {"settings": directory.get_settings(store),
                "agents": [a for a in directory.agents(store, at) if a["active"]],
                "queue": conversations.unassigned(store)[:SHOWN], "held": conversations.held(store)[:SHOWN],
                "figures": overview_figures.status(store), "failed": overview_figures.failed_deliveries(store),
                "week": stats.stats(store, 7, at)["total"]}
    return read(work)


@bp.get("/")
def overview():
    found = _overview()
    return page("overview.html", **found, values=found["settings"], errors={}, shown=SHOWN,
                notice=NOTICES.get(request.args.get("done", "")))


def _again(error_key: str, exc: StickyError):
    """The overview again, the use-case's error next to the form that failed; nothing was changed."""
    found = _overview()
    if error_key.startswith("agent:") and error_key[6:] not in {a["id"] for a in found["agents"]}:
        error_key = "agents"  # no row to show it in
    values = found["settings"]
    if error_key == "settings":  # the form as it was sent, where it was sent
        values = {**values, **{k: request.form[k] for k in SETTINGS_INTS + SETTINGS_FLAGS if k in request.form}}
    return page("overview.html", exc.status, **found, values=values, errors={error_key: exc}, shown=SHOWN)


@bp.post("/settings")
def save_settings():
    data, who = settings_from(request.form), by()
    try:
        write(lambda store: directory.patch_settings(store, data, who))
    except StickyError as exc:
        return _again("settings", exc)
    return redirect(url_for("dashboard.overview", done="settings"), code=303)


@bp.post("/agents/<id:agent_id>/status")
def set_status(agent_id):
    data, who = {"status": request.form.get("status")}, by()
    try:
        write(lambda store: directory.patch_agent(store, agent_id, data, who))
    except StickyError as exc:
        return _again(f"agent:{agent_id}", exc)
    return redirect(url_for("dashboard.overview", done="status", _anchor="agents"), code=303)
