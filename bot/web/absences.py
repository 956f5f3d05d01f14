"""The admin API's absences and availability (CONTRACT.md 9.2-9.3), behind the same bearer token."""
from __future__ import annotations

from typing import Literal

from flask import jsonify
from pydantic import Field

from ..service import absences
from ..service.absences import AbsenceIn
from ..store import AbsenceSource
from . import answers as out
from .admin import _by, _now, _read, _write, bp
from .declare import declare
from .params import Query, absent

_NO_AGENT = {404: "No agent has that id."}


class AbsencesQuery(Query):
    past: Literal["true", "false"] = Field("false", description="`true`: ended absences too.")


class PlanQuery(Query):
    start: str = Field(None, alias="from", max_length=40, json_schema_extra=absent,
                       description="A time with an offset (2026-12-20T09:00:00+01:00); default: now.")
    end: str = Field(None, alias="to", max_length=40, json_schema_extra=absent,
                     description="A time with an offset; default: 7 days after `from`, at most 31.")


@bp.post("/agents/<id:agent_id>/absences")
@declare("Add an absence", description="Dates are whole days in the agent's zone; times need an offset. It may "
         "not end in the past or overlap another of the agent's absences.", body=AbsenceIn,
         answers={201: out.Absence}, errors={**_NO_AGENT, 409: "It overlaps another absence of the agent."})
def add_absence(agent_id, body):
    return jsonify(_write(lambda s: absences.create(s, agent_id, body, _by(), AbsenceSource.API))), 201


@bp.get("/agents/<id:agent_id>/absences")
@declare("An agent's current and future absences", query=AbsencesQuery, answers={200: list[out.Absence]},
         errors=_NO_AGENT)
def agent_absences(agent_id, query: AbsencesQuery):
    return jsonify(_read(lambda s: absences.listed(s, agent_id, _now(), query.past == "true")))


@bp.get("/absences")
@declare("Everyone's current and future absences", answers={200: list[out.Absence]})
def all_absences():
    return jsonify(_read(lambda s: absences.listed(s, None, _now())))


@bp.delete("/agents/<id:agent_id>/absences/<int:absence_id>")
@declare("End an absence now, or remove a future one", answers={204: None},
         errors={404: "The agent has no absence with that id.", 409: "The absence is already over."})
def end_absence(agent_id, absence_id):
    _write(lambda s: absences.end(s, agent_id, absence_id, _by()))
    return "", 204


@bp.get("/agents/<id:agent_id>/availability")
@declare("An agent's plan: hours and absences over a period", query=PlanQuery, answers={200: out.Plan},
         errors=_NO_AGENT)
def agent_availability(agent_id, query: PlanQuery):
    return jsonify(_read(lambda s: absences.planned(s, agent_id, query.start, query.end, _now())))
