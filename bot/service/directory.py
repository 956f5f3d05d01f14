"""Teams, agents and settings: the admin side of the directory."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from dataclasses import replace
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from integrations.widget import nul_field
from routing import Status, lit

from ..errors import Conflict, Invalid, NotFound
from ..store import AgentRecord, ConversationStatus, Store, TeamRecord, Trigger
from . import assignment

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
    sticky_wait_minutes: Annotated[int, Field(ge=0, le=1440)] | None = None
    claim_minutes: Annotated[int, Field(ge=0, le=240)] | None = None


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


def put_team(store: Store, team_id: str, data: Any) -> tuple[dict, bool]:
    _check_id(team_id, "team")
    fields = validate(TeamIn, data)
    before = store.team(team_id)
    store.save_team(TeamRecord(team_id, fields["name"], before.chatwoot_team_id if before else None))
    return team_json(store.team(team_id)), before is None


def teams(store: Store) -> list[dict]:
    return [team_json(t) for t in store.teams()]


def team_json(team: TeamRecord) -> dict:
    return {"id": team.id, "name": team.name, "members": list(team.members)}


def put_agent(store: Store, agent_id: str, data: Any, now: datetime) -> tuple[dict, bool]:
    _check_id(agent_id, "agent")
    fields = validate(AgentIn, data)
    before = store.agent(agent_id, for_update=True)
    base = replace(before, active=True) if before else AgentRecord(id=agent_id, name=agent_id)
    after, _ = change_agent(store, base, fields, before.available if before else False, now)
    return agent_json(after), before is None


def patch_agent(store: Store, agent_id: str, data: Any, now: datetime) -> dict:
    fields = validate(AgentIn, data, partial=True)
    before = store.agent(agent_id, for_update=True)
    if before is None:
        raise NotFound(f"no agent '{agent_id}'; create it with PUT /api/agents/{agent_id}")
    return agent_json(change_agent(store, before, fields, before.available, now)[0])


def change_agent(store: Store, base: AgentRecord, fields: dict, was_available: bool,
                 now: datetime) -> tuple[AgentRecord, list[assignment.Assigned]]:
    """Save `base` with `fields` applied; an agent that came online or got room takes waiting conversations."""
    if "teams" in fields:
        unknown = sorted({t for t in fields["teams"] if store.team(t) is None})
        if unknown:
            raise Invalid(f"unknown team(s): {', '.join(unknown)}; create them with PUT /api/teams/{{id}} first",
                          details=[{"field": "teams", "message": f"unknown team: {t}"} for t in unknown])
    email = fields.get("email")
    if email is not None:
        clash = store.agent_owning_email(email, other_than=base.id)
        if clash:
            raise Conflict(f"e-mail {email} already belongs to agent '{clash}'; agents are matched by e-mail")
    changes = {name: fields[name] for name in ("email", "slack_user_id", "max_open") if name in fields}
    if "name" in fields:
        changes["name"] = fields["name"] or base.id
    if "status" in fields:
        changes["status"] = Status(fields["status"])
    if "teams" in fields:
        changes["teams"] = tuple(dict.fromkeys(fields["teams"]))
    after = replace(base, **changes)
    store.save_agent(after)
    if "teams" in fields:
        store.set_memberships(after.id, list(after.teams))
    drained: list[assignment.Assigned] = []
    if (fields.get("status") == Status.ONLINE or not was_available) and after.available:
        why = "came online" if fields.get("status") == Status.ONLINE else "has room again"
        drained = assignment.drain(store, after.id, now, why)
    return (store.agent(after.id) if drained else after), drained


def deactivate_agent(store: Store, agent_id: str, now: datetime) -> dict:
    before = store.agent(agent_id, for_update=True)
    if before is None:
        raise NotFound(f"no agent '{agent_id}'")
    store.save_agent(replace(before, active=False))
    open_or_held = (store.conversations_of(agent_id, ConversationStatus.ASSIGNED, for_update=True)
                    + store.conversations_of(agent_id, ConversationStatus.HELD, for_update=True))
    moved = [assignment.reroute(store, conv, now, agent_id, f"{lit(agent_id)} was deactivated", Trigger.DEACTIVATION)
             for conv in open_or_held]
    out = agent_json(store.agent(agent_id))
    out["rerouted"] = [{"conversation": d.conversation_id, "status": d.status, "agent": d.agent_id,
                        "rule": d.rule} for d in moved]
    return out


def agents(store: Store) -> list[dict]:
    return [agent_json(a) for a in store.agents()]


def agent(store: Store, agent_id: str) -> dict:
    found = store.agent(agent_id)
    if found is None:
        raise NotFound(f"no agent '{agent_id}'")
    return agent_json(found)


def agent_json(a: AgentRecord) -> dict:
    return {"id": a.id, "name": a.name, "email": a.email, "slack_user_id": a.slack_user_id,
            "teams": list(a.teams), "status": str(a.status), "max_open": a.max_open, "active": a.active,
            "open_load": a.open_load, "available": a.available}


def get_settings(store: Store) -> dict:
    s = store.settings()
    return {"sticky_days": s.sticky_days, "availability_check": s.availability_check,
            "drain_unassigned": s.drain_unassigned, "sticky_wait_minutes": s.sticky_wait_minutes,
            "claim_minutes": s.claim_minutes}


def patch_settings(store: Store, data: Any) -> dict:
    fields = validate(SettingsIn, data, partial=True)
    nulls = [k for k, v in fields.items() if v is None]
    if nulls:
        raise Invalid(f"{', '.join(nulls)} cannot be null",
                      details=[{"field": k, "message": "cannot be null"} for k in nulls])
    return update_settings(store, **fields)


def update_settings(store: Store, **fields) -> dict:
    store.save_settings(**fields)
    return get_settings(store)


def _check_id(value: str, what: str) -> None:
    """An id from a URL or a file: 1-128 characters of any kind but NUL (a `/` is sent as %2F in a URL)."""
    if not value or len(value) > 128 or "\x00" in value:
        raise Invalid(f"a {what} id is 1-128 characters, without NUL",
                      details=[{"field": "id", "message": "must be 1-128 characters, without NUL"}])
