"""An agent's page: availability now and why, the week ahead on one strip, its absences (add one, end one), and
its working hours and time zone. Changes go through the admin API's use-cases, audited as `dashboard`."""
from __future__ import annotations

from datetime import datetime

from flask import redirect, request, url_for

from ...errors import StickyError
from ...service import absences, agenda, directory
from ...store import AbsenceSource
from .base import bp, by, now, page, read, write
from .forms import DAY_NAMES, absence_from, bad_fields, hours_from, hours_values, sent_values
from .strip import local, strip
from .words import NOTICES


def again(agent_id: str, status: int = 200, errors: dict | None = None, hours: dict | None = None,
          absence: dict | None = None):
    at = now()
    week = read(lambda store: agenda.week(store, agent_id, at))
    errors = errors or {}
    listed = [{**ab, "begun": datetime.fromisoformat(ab["start"]) <= at} for ab in week.absences]
    return page("agent.html", status, a=week.agent, week=week, strip=strip(week.plan, week.days, at, week.zone),
                zone=week.zone, default_zone=week.default_zone, absences=listed, errors=errors,
                local=lambda moment, year=False: local(moment, week.zone, year),
                hours=hours or hours_values(week.agent), absence=absence or {}, days=DAY_NAMES,
                bad=bad_fields(errors.get("hours")), bad_absence=bad_fields(errors.get("absence")),
                notice=NOTICES.get(request.args.get("done", "")))


@bp.get("/agents/<id:agent_id>")
def agent_page(agent_id):
    return again(agent_id)


def _act(agent_id: str, form: str, work, done: str, **kept):
    """Run one change; back to the page with a notice, or with the use-case's error next to the form."""
    try:
        work()
    except StickyError as exc:
        return again(agent_id, exc.status, errors={form: exc}, **kept)
    return redirect(url_for("dashboard.agent_page", agent_id=agent_id, done=done), code=303)


@bp.post("/agents/<id:agent_id>/hours")
def save_hours(agent_id):
    data, who = hours_from(request.form), by()
    return _act(agent_id, "hours", lambda: write(lambda s: directory.patch_agent(s, agent_id, data, who)), "hours",
                hours=sent_values(request.form))


@bp.post("/agents/<id:agent_id>/absences")
def add_absence(agent_id):
    who, form = by(), request.form

    def work(store):
        found = store.agent(agent_id)
        data = absence_from(form, found.zone if found else store.zone)  # an unknown agent: the use-case's 404
        return absences.create(store, agent_id, data, who, AbsenceSource.DASHBOARD)
    return _act(agent_id, "absence", lambda: write(work), "absence_added", absence=dict(form))


@bp.post("/agents/<id:agent_id>/absences/<int:absence_id>/end")
def end_absence(agent_id, absence_id):
    who = by()
    return _act(agent_id, "absences", lambda: write(lambda s: absences.end(s, agent_id, absence_id, who)),
                "absence_ended")
