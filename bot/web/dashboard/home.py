"""The overview: settings, the first agents with their state, the head of the queue and of the held list,
failed deliveries, the week at a glance. Each list shows a page's head and links to the whole list; nothing is
computed that the page does not show."""
from __future__ import annotations

from flask import redirect, request, url_for

from ...errors import StickyError
from ...service import conversations, directory, overview as overview_figures, stats
from . import agent as agent_views
from .base import bp, by, now, page, read, write
from .lists import agent_list, agents_again
from .words import NOTICES, SETTINGS_FLAGS, SETTINGS_INTS, settings_from

AGENTS_SHOWN = 20  # agents on the overview (the agents page has them all, a page at a time)
SHOWN = 10         # rows of the queue and of the held list shown on the overview


def _overview() -> dict:
    at = now()

    def work(store):
        return {"settings": directory.get_settings(store), "agents": agent_list(store, at, AGENTS_SHOWN, {}),
                "queue": conversations.unassigned_page(store, SHOWN)["items"],
                "held": conversations.held_page(store, SHOWN)["items"],
                "figures": overview_figures.at_a_glance(store), "failed": overview_figures.failed_deliveries(store),
                "week": stats.summary(store, 7, at, by_day=False)["total"]}
    return read(work)


@bp.get("/")
def overview():
    found = _overview()
    return page("overview.html", **found, values=found["settings"], errors={}, back="overview",
                notice=NOTICES.get(request.args.get("done", "")))


def again(error_key: str, exc: StickyError):
    """The overview again, the use-case's error next to the form that failed; nothing was changed."""
    found = _overview()
    if error_key.startswith("agent:") and error_key[6:] not in {a["id"] for a in found["agents"]["items"]}:
        error_key = "agents"  # no row to show it in
    values = found["settings"]
    if error_key == "settings":  # the form as it was sent, where it was sent
        values = {**values, **{k: request.form[k] for k in SETTINGS_INTS + SETTINGS_FLAGS if k in request.form}}
    return page("overview.html", exc.status, **found, values=values, errors={error_key: exc}, back="overview")


@bp.post("/settings")
def save_settings():
    data, who = settings_from(request.form), by()
    try:
        write(lambda store: directory.patch_settings(store, data, who))
    except StickyError as exc:
        return again("settings", exc)
    return redirect(url_for("dashboard.overview", done="settings"), code=303)


def _list_args(form) -> dict:
    """Where a status form on the agents list was sent from: its query, to return to the same page."""
    return {k: form[k] for k in ("q", "deactivated", "cursor") if form.get(k)}


@bp.post("/agents/<id:agent_id>/status")
def set_status(agent_id):
    """From the overview, the agents list or the agent's page: back there, or there again with the error."""
    data, who, back = {"status": request.form.get("status")}, by(), request.form.get("back")
    try:
        write(lambda store: directory.patch_agent(store, agent_id, data, who))
    except StickyError as exc:
        if back == "agents":
            return agents_again(exc.status, {f"agent:{agent_id}": exc}, _list_args(request.form))
        if back == "agent":
            return agent_views.again(agent_id, exc.status, {"status": exc})
        return again(f"agent:{agent_id}", exc)
    if back == "agents":
        return redirect(url_for("dashboard.agents_list", done="status", **_list_args(request.form)), code=303)
    if back == "agent":
        return redirect(url_for("dashboard.agent_page", agent_id=agent_id, done="status"), code=303)
    return redirect(url_for("dashboard.overview", done="status", _anchor="agents"), code=303)
