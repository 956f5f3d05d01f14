"""Teams, agents and settings: the admin side of the directory."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from sqlalchemy import delete, func
from sqlmodel import Session, select

from integrations.widget import nul_field

from .. import clock, store
from ..errors import Conflict, Invalid, NotFound
from ..models import AgentRow, Membership, Team, WorkspaceSettings
from . import core

# Team and agent ids take any character a chat channel's event may carry (`/` and spaces included; NUL, which
# no database stores, is refused with the whole body), as long as they fit their 128-character columns.
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
MAX_INT = 2**31 - 1  # the integer columns (max_open) are 32-bit on PostgreSQL
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class TeamIn(_Strict):
    name: Name


class AgentIn(_Strict):
    name: Name | None = None
    email: Email | None = None
    slack_user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    teams: list[Id] = Field(default_factory=list)
    status: Literal["online", "away", "offline"] = "offline"
    max_open: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class SettingsIn(_Strict):
    sticky_days: Annotated[int, Field(ge=0, le=365)] | None = None
    availability_check: bool | None = None
    drain_unassigned: bool | None = None


def validate(model: type[BaseModel], data: Any, partial: bool = False) -> dict:
    """The fields given, checked; Invalid with every bad field otherwise."""
    if not isinstance(data, dict):
        raise Invalid("send a JSON object", details=[{"field": "(body)", "message": "must be a JSON object"}])
    bad = nul_field(data)
    if bad is not None:
        raise Invalid(f"{bad} contains a NUL character; remove it",
                      details=[{"field": bad, "message": "contains a NUL character"}])
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        details = [{"field": ".".join(str(p) for p in e["loc"]) or "(body)",
                    "message": e["msg"].removeprefix("Value error, ")} for e in exc.errors(include_url=False)]
        raise Invalid("the request does not fit: check " + ", ".join(d["field"] for d in details),
                      details=details) from None
    fields = parsed.model_fields_set if partial else set(type(parsed).model_fields)
    return {name: getattr(parsed, name) for name in fields}


def put_team(session: Session, team_id: str, data: Any) -> tuple[dict, bool]:
    _check_id(team_id, "team")
    fields = validate(TeamIn, data)
    team = session.get(Team, team_id)
    created = team is None
    team = team or Team(id=team_id, name=fields["name"])
    team.name = fields["name"]
    session.add(team)
    session.flush()
    return team_json(session, team), created


def teams(session: Session) -> list[dict]:
    return [team_json(session, t) for t in session.exec(select(Team).order_by(Team.id)).all()]


def team_json(session: Session, team: Team) -> dict:
    members = session.exec(select(Membership.agent_id).where(Membership.team_id == team.id)
                           .order_by(Membership.agent_id)).all()
    return {"id": team.id, "name": team.name, "members": list(members)}


def put_agent(session: Session, agent_id: str, data: Any) -> tuple[dict, bool]:
    _check_id(agent_id, "agent")
    fields = validate(AgentIn, data)
    before = store.lock_agent(session, agent_id)
    created = before is None
    was_available = False if created else before.available
    row = session.get(AgentRow, agent_id) or AgentRow(id=agent_id, name=agent_id)
    row.active = True
    return _save_agent(session, row, fields, was_available), created


def patch_agent(session: Session, agent_id: str, data: Any) -> dict:
    fields = validate(AgentIn, data, partial=True)
    before = store.lock_agent(session, agent_id)
    if before is None:
        raise NotFound(f"no agent '{agent_id}'; create it with PUT /api/agents/{agent_id}")
    return _save_agent(session, session.get(AgentRow, agent_id), fields, before.available)


def _save_agent(session: Session, row: AgentRow, fields: dict, was_available: bool) -> dict:
    if "teams" in fields:
        unknown = sorted({t for t in fields["teams"] if session.get(Team, t) is None})
        if unknown:
            raise Invalid(f"unknown team(s): {', '.join(unknown)}; create them with PUT /api/teams/{{id}} first",
                          details=[{"field": "teams", "message": f"unknown team: {t}"} for t in unknown])
    email = fields.get("email")
    if email is not None:
        clash = session.exec(select(AgentRow.id).where(func.lower(AgentRow.email) == email.lower(),
                                                       AgentRow.id != row.id)).first()
        if clash:
            raise Conflict(f"e-mail {email} already belongs to agent '{clash}'; agents are matched by e-mail")
    for name in ("name", "email", "slack_user_id", "status", "max_open"):
        if name in fields:
            setattr(row, name, fields[name] if name != "name" or fields[name] else row.id)
    session.add(row)
    session.flush()
    if "teams" in fields:
        session.execute(delete(Membership).where(Membership.agent_id == row.id))
        for team in dict.fromkeys(fields["teams"]):
            session.add(Membership(agent_id=row.id, team_id=team))
        session.flush()
    now_available = store.as_agent(row).available
    if (fields.get("status") == "online" or not was_available) and now_available:
        why = "came online" if fields.get("status") == "online" else "has room again"
        core.drain(session, row.id, clock.now(), why)
        session.refresh(row)
    return agent_json(session, row)


def deactivate_agent(session: Session, agent_id: str) -> dict:
    if store.lock_agent(session, agent_id) is None:
        raise NotFound(f"no agent '{agent_id}'")
    row = session.get(AgentRow, agent_id)
    row.active = False
    session.add(row)
    session.flush()
    now = clock.now()
    moved = [core.reroute(session, conv, now, agent_id, f"{agent_id} was deactivated")
             for conv in store.held_by(session, agent_id)]
    session.refresh(row)
    out = agent_json(session, row)
    out["rerouted"] = [{"conversation": d.conversation_id, "status": d.status, "agent": d.agent_id,
                        "rule": d.rule} for d in moved]
    return out


def agents(session: Session) -> list[dict]:
    rows = session.exec(select(AgentRow).order_by(AgentRow.id)).all()
    teams_of: dict[str, list[str]] = {}
    for m in session.exec(select(Membership).order_by(Membership.team_id)).all():
        teams_of.setdefault(m.agent_id, []).append(m.team_id)
    return [_agent_dict(r, teams_of.get(r.id, [])) for r in rows]


def agent(session: Session, agent_id: str) -> dict:
    row = session.get(AgentRow, agent_id)
    if row is None:
        raise NotFound(f"no agent '{agent_id}'")
    return agent_json(session, row)


def agent_json(session: Session, row: AgentRow) -> dict:
    return _agent_dict(row, store.DbDirectory(session).teams_of(row.id))


def _agent_dict(row: AgentRow, teams: list[str]) -> dict:
    return {"id": row.id, "name": row.name, "email": row.email, "slack_user_id": row.slack_user_id,
            "teams": teams, "status": row.status, "max_open": row.max_open, "active": row.active,
            "open_load": row.open_load, "available": store.as_agent(row).available}


def get_settings(session: Session) -> dict:
    s = store.settings(session)
    return {"sticky_days": s.sticky_days, "availability_check": s.availability_check,
            "drain_unassigned": s.drain_unassigned}


def patch_settings(session: Session, data: Any) -> dict:
    fields = {k: v for k, v in validate(SettingsIn, data, partial=True).items()}
    nulls = [k for k, v in fields.items() if v is None]
    if nulls:
        raise Invalid(f"{', '.join(nulls)} cannot be null",
                      details=[{"field": k, "message": "cannot be null"} for k in nulls])
    return update_settings(session, **fields)


def update_settings(session: Session, **fields) -> dict:
    row = session.get(WorkspaceSettings, 1, with_for_update=True) or WorkspaceSettings(id=1)
    for name, value in fields.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return get_settings(session)


def _check_id(value: str, what: str) -> None:
    """An id from a URL or a file: 1-128 characters of any kind but NUL (a `/` is sent as %2F in a URL)."""
    if not value or len(value) > 128 or "\x00" in value:
        raise Invalid(f"a {what} id is 1-128 characters, without NUL",
                      details=[{"field": "id", "message": "must be 1-128 characters, without NUL"}])
