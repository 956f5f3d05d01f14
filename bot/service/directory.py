"""Teams, agents and settings: the admin side of the directory."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from integrations.widget import nul_field
from routing import Decision, Hours, HoursError, Outcome, Rule, Status, availability, lit
from routing.hours import known_zone

from .. import clock
from ..errors import Conflict, Invalid, NotFound
from ..store import AgentRecord, Conversation, ConversationStatus, Store, TeamRecord, Trigger
from . import assignment, audit, home, paging
from .audit import By

# Team and agent ids take any character a chat channel's event may carry (`/` and spaces included; NUL, which
# no database stores, is refused with the whole body), as long as they fit their 128-character columns.
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
MAX_INT = 2**31 - 1  # the integer columns (max_open) are 32-bit on PostgreSQL
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


def _no_default(schema: dict) -> None:
    """A field that may be left out but never be null: its JSON schema has no `default: null`."""
    schema.pop("default", None)


class TeamIn(_Strict):
    name: Name


class AgentIn(_Strict):
    name: Name | None = None
    email: Email | None = None
    slack_user_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    teams: list[Id] = Field(default_factory=list)
    status: Literal["online", "away", "offline"] = "offline"
    max_open: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None
    time_zone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    hours: dict[str, Any] | None = None  # checked by routing.Hours.parse, which names the bad day and range
    cover: list[Id] = Field(default_factory=list, max_length=20)


class SettingsIn(_Strict):
    """Only the settings given change (none can be null)."""

    sticky_days: Annotated[int, Field(ge=0, le=365)] = Field(None, json_schema_extra=_no_default)
    availability_check: bool = Field(None, json_schema_extra=_no_default)
    drain_unassigned: bool = Field(None, json_schema_extra=_no_default)
    sticky_wait_minutes: Annotated[int, Field(ge=0, le=1440)] = Field(None, json_schema_extra=_no_default)
    claim_minutes: Annotated[int, Field(ge=0, le=240)] = Field(None, json_schema_extra=_no_default)


class Handover(_Strict):
    """Deactivating an agent: nothing, or the agent its customers and conversations go to."""

    successor: Id = Field(None, json_schema_extra=_no_default)


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


def put_team(store: Store, team_id: str, data: Any, by: By) -> tuple[dict, bool]:
    _check_id(team_id, "team")
    fields = validate(TeamIn, data)
    before = store.team(team_id)
    store.save_team(replace(before, name=fields["name"]) if before else TeamRecord(team_id, fields["name"]))
    audit.record(store, by, "team.update" if before else "team.create", team_id,
                 {"name": before.name} if before else None, {"name": fields["name"]})
    return team_json(store.team(team_id)), before is None


def teams(store: Store) -> list[dict]:
    return [team_json(t) for t in store.teams()]


def team_names(store: Store) -> list[dict]:
    """Every team's id and name, without its members."""
    return [{"id": t.id, "name": t.name} for t in store.teams(members=False)]


def team_json(team: TeamRecord) -> dict:
    return {"id": team.id, "name": team.name, "members": list(team.members)}


def put_agent(store: Store, agent_id: str, data: Any, by: By) -> tuple[dict, bool]:
    _check_id(agent_id, "agent")
    fields = validate(AgentIn, data)
    before = store.agent(agent_id, for_update=True, at=by.at)
    base = replace(before, active=True) if before else AgentRecord(id=agent_id, name=agent_id, zone=store.zone)
    after, _ = change_agent(store, base, fields, before, by)
    return agent_json(after, by.at), before is None


def patch_agent(store: Store, agent_id: str, data: Any, by: By) -> dict:
    fields = validate(AgentIn, data, partial=True)
    before = store.agent(agent_id, for_update=True, at=by.at)
    if before is None:
        raise NotFound(f"no agent '{agent_id}'; create it with PUT /api/agents/{agent_id}")
    return agent_json(change_agent(store, before, fields, before, by)[0], by.at)


def change_agent(store: Store, base: AgentRecord, fields: dict, before: AgentRecord | None,
                 by: By) -> tuple[AgentRecord, list[assignment.Assigned]]:
    """Save `base` with `fields` applied (`before`: the agent as it was, None if new); an agent that came online
    or got room takes what waits for it (held customers, then the queue)."""
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
    changes.update(_when_and_who(store, base.id, fields))
    after = replace(base, **changes)
    if after != before:  # a re-sync that changes nothing writes nothing
        store.save_agent(after)
        if "teams" in fields:
            store.set_memberships(after.id, list(after.teams))
        audit.record(store, by, "agent.update" if before else "agent.create", after.id,
                     profile(before) if before else None, profile(after))
        if before is not None and after.slack_user_id:
            store.want_home(after.slack_user_id, by.at, home.EVERY_S, opened=False)  # its Home shows the change
    drained: list[assignment.Assigned] = []
    was_available = before.available_at(by.at) if before else False
    if (fields.get("status") == Status.ONLINE or not was_available) and after.available_at(by.at):
        why = "came online" if fields.get("status") == Status.ONLINE else "is available again"
        drained = assignment.drain(store, after.id, by.at, why)
    return (store.agent(after.id, at=by.at) if drained else after), drained


def _when_and_who(store: Store, agent_id: str, fields: dict) -> dict:
    """The zone, hours and default cover among `fields`, checked (CONTRACT.md 9.1, 9.4)."""
    changes: dict = {}
    if "time_zone" in fields:
        zone = fields["time_zone"]
        if zone is not None and not known_zone(zone):
            raise Invalid(f"unknown time zone '{zone}'; use an IANA name such as Europe/Berlin, or null",
                          details=[{"field": "time_zone", "message": "not an IANA time zone"}])
        changes["time_zone"] = zone
        changes["zone"] = zone or store.zone
    if "hours" in fields:
        try:
            changes["hours"] = Hours.parse(fields["hours"]) if fields["hours"] is not None else None
        except HoursError as exc:
            raise Invalid(f"hours.{exc.field}: {exc.message}",
                          details=[{"field": f"hours.{exc.field}", "message": exc.message}]) from None
    if "cover" in fields:
        changes["cover"] = tuple(check_cover(store, agent_id, fields["cover"] or [], "cover"))
    return changes


def check_cover(store: Store, agent_id: str, cover: list[str], field: str) -> list[str]:
    """A cover list: active agents other than the agent itself, each once, in the order given."""
    problems = []
    for n, ref in enumerate(cover):
        found = store.agent(ref)
        problem = ("is not an agent" if found is None else "is deactivated" if not found.active
                   else "is the agent itself" if found.id == agent_id else None)
        if problem:
            problems.append({"field": f"{field}[{n}]", "message": f"'{ref}' {problem}"})
    if problems:
        raise Invalid(f"{field} names agents who cannot cover: "
                      + "; ".join(p["message"] for p in problems) + "; name active agents", details=problems)
    return list(dict.fromkeys(cover))


def deactivate_agent(store: Store, agent_id: str, by: By, successor: str | None = None) -> dict:
    """Deactivate an agent: its open and held conversations go through routing again at once without it, or,
    with a successor, to the successor (rule successor) where it is available; its links move to the
    successor, times kept. An unknown or inactive successor changes nothing."""
    before = store.agent(agent_id, for_update=True)
    if before is None:
        raise NotFound(f"no agent '{agent_id}'")
    heir = _successor(store, agent_id, successor)
    store.save_agent(replace(before, active=False))
    audit.record(store, by, "agent.deactivate", agent_id, {"active": True} if before.active else None,
                 {"active": False, **({"successor": heir.id} if heir else {})})
    if heir is not None:
        moved_links = store.hand_links_over(agent_id, heir.id)
        audit.record(store, by, "agent.handover", agent_id, None, {"successor": heir.id, "links": moved_links})
    open_or_held = (store.conversations_of(agent_id, ConversationStatus.ASSIGNED, for_update=True)
                    + store.conversations_of(agent_id, ConversationStatus.HELD, for_update=True))
    moved = [_move_on(store, conv, agent_id, heir, by.at) for conv in open_or_held]
    out = agent_json(store.agent(agent_id, at=by.at), by.at)
    out["rerouted"] = [{"conversation": d.conversation_id, "status": d.status, "agent": d.agent_id,
                        "rule": d.rule} for d in moved]
    return out


def _successor(store: Store, departing: str, successor: str | None) -> AgentRecord | None:
    if successor is None:
        return None
    heir = store.agent(successor, for_update=True) if isinstance(successor, str) and successor else None
    problem = ("is not an agent" if heir is None else "is deactivated" if not heir.active
               else "is the agent leaving" if heir.id == departing else None)
    if problem:
        raise Invalid(f"the successor '{successor}' {problem}; name an active agent, or leave it out",
                      details=[{"field": "successor", "message": problem}])
    return heir


def _move_on(store: Store, conv: Conversation, leaving: str, heir: AgentRecord | None,
             at: datetime) -> assignment.Assigned:
    """A departing agent's conversation: to the successor while it has room (and the customer has not blocked
    it), else through routing as for any deactivation."""
    if heir is not None and heir.id not in store.blocked(conv.customer_id) \
            and heir.id not in store.left_out(conv.id):
        decision = Decision(Outcome.ASSIGNED, heir.id, conv.team, Rule.SUCCESSOR,
                            f"{lit(leaving)} left and named {lit(heir.id)} as successor", needs_room=True)
        decision_id = store.record_decision(conv.id, decision, at, None, rotation=True, trigger=Trigger.SUCCESSOR)
        if decision_id is not None:
            return assignment.settle(store, conv, decision, decision_id, at, store.settings())
    return assignment.reroute(store, conv, at, leaving, f"{lit(leaving)} was deactivated", Trigger.DEACTIVATION)


def agents_page(store: Store, at: datetime, limit: int = paging.DEFAULT_LIMIT, cursor: str | None = None,
                search: str | None = None, active_only: bool = False) -> dict:
    """Agents a page at a time, by id, as agents() shows them: `{"items", "next", "total"}`, `total` being how
    many agents match. `search` keeps those whose id, name or e-mail contains it (any case)."""
    after = paging.decode(cursor, "agents", (str,))
    rows = store.agents_page(limit + 1, after[0] if after else None, search=search, active_only=active_only, at=at)
    page = paging.paged(rows, limit, "agents", lambda a: (a.id,))
    return {**page.as_json(lambda a: agent_json(a, at)),
            "total": store.count_agents(search=search, active_only=active_only)}


def agent(store: Store, agent_id: str, at: datetime) -> dict:
    found = store.agent(agent_id, at=at)
    if found is None:
        raise NotFound(f"no agent '{agent_id}'")
    return agent_json(found, at)


def agent_json(a: AgentRecord, at: datetime) -> dict:
    """An agent as the API shows it, with its availability at `at` (its absences read for `at`)."""
    now = availability.explain(a.routing, at)
    return {"id": a.id, "name": a.name, "email": a.email, "slack_user_id": a.slack_user_id,
            "teams": list(a.teams), "status": str(a.status), "max_open": a.max_open, "active": a.active,
            "open_load": a.open_load, "available": now.available, "time_zone": a.time_zone,
            "hours": a.hours.to_json() if a.hours is not None else None, "cover": list(a.cover),
            "availability": {"state": str(now.state), "until": clock.iso(now.until), "why": now.why,
                             "source": str(now.source)}}


def profile(a: AgentRecord) -> dict:
    """What a person sets about an agent (its load is routing's)."""
    return {"name": a.name, "email": a.email, "slack_user_id": a.slack_user_id, "teams": list(a.teams),
            "status": str(a.status), "max_open": a.max_open, "active": a.active, "time_zone": a.time_zone,
            "hours": a.hours.to_json() if a.hours is not None else None, "cover": list(a.cover)}


def get_settings(store: Store) -> dict:
    s = store.settings()
    return {"sticky_days": s.sticky_days, "availability_check": s.availability_check,
            "drain_unassigned": s.drain_unassigned, "sticky_wait_minutes": s.sticky_wait_minutes,
            "claim_minutes": s.claim_minutes}


def patch_settings(store: Store, data: Any, by: By) -> dict:
    return update_settings(store, by, **validate(SettingsIn, data, partial=True))


def update_settings(store: Store, by: By, **fields) -> dict:
    before = get_settings(store)
    store.save_settings(**fields)
    after = get_settings(store)
    audit.record(store, by, "settings.update", "settings", before, after)
    return after


def _check_id(value: str, what: str) -> None:
    """An id from a URL or a file: 1-128 characters of any kind but NUL (a `/` is sent as %2F in a URL)."""
    if not value or len(value) > 128 or "\x00" in value:
        raise Invalid(f"a {what} id is 1-128 characters, without NUL",
                      details=[{"field": "id", "message": "must be 1-128 characters, without NUL"}])
