"""The admin API's absences and availability (CONTRACT.md 9.2-9.3), behind the same bearer token."""
from __future__ import annotations

from flask import jsonify, request

from ..errors import Invalid
from ..service import absences
from ..store import AbsenceSource
from .admin import _body, _by, _now, _read, _write, bp


@bp.post("/agents/<id:agent_id>/absences")
def add_absence(agent_id):
    body = _body()
    return jsonify(_write(lambda s: absences.create(s, agent_id, body, _by(), AbsenceSource.API))), 201


@bp.get("/agents/<id:agent_id>/absences")
def agent_absences(agent_id):
    past = _flag("past")
    return jsonify(_read(lambda s: absences.listed(s, agent_id, _now(), past)))


@bp.get("/absences")
def all_absences():
    return jsonify(_read(lambda s: absences.listed(s, None, _now())))


@bp.delete("/agents/<id:agent_id>/absences/<int:absence_id>")
def end_absence(agent_id, absence_id):
    _write(lambda s: absences.end(s, agent_id, absence_id, _by()))
    return "", 204


@bp.get("/agents/<id:agent_id>/availability")
def agent_availability(agent_id):
    start, end = request.args.get("from"), request.args.get("to")
    return jsonify(_read(lambda s: absences.planned(s, agent_id, start, end, _now())))


def _flag(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise Invalid(f"{name} is true or false", details=[{"field": name, "message": "must be true or false"}])
