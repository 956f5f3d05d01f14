"""Loading a whole directory (teams, agents, settings) in one transaction."""
from __future__ import annotations

from typing import Any

from ..errors import Invalid
from ..store import Store
from . import directory
from .audit import By


def load_directory(store: Store, data: Any, by: By) -> dict:
    if not isinstance(data, dict):
        raise Invalid("the file must be a mapping with 'teams' and 'agents' lists")
    unknown = set(data) - {"teams", "agents", "settings"}
    if unknown:
        raise Invalid(f"unknown section(s): {', '.join(sorted(unknown))}; use teams, agents and settings")
    teams = _entries(data, "teams")
    agents = _entries(data, "agents")
    for n, team in enumerate(teams):
        team_id = _id_of(team, "teams", n)
        name = team.get("name", team_id)
        _within(f"teams[{n}]", lambda t=team_id, body={"name": name}: directory.put_team(store, t, body, by))
    covers = {}
    for n, agent in enumerate(agents):
        agent_id = _id_of(agent, "agents", n)
        fields = {k: v for k, v in agent.items() if k not in ("id", "cover")}
        _within(f"agents[{n}] ({agent_id})", lambda a=agent_id, body=fields: directory.put_agent(store, a, body, by))
        covers[(n, agent_id)] = agent.get("cover", [])
    # Covers name agents, so they are set once every agent of the file exists.
    for (n, agent_id), cover in covers.items():
        _within(f"agents[{n}] ({agent_id})", lambda a=agent_id, c=cover: directory.patch_agent(
            store, a, {"cover": c}, by))
    if data.get("settings") is not None:
        _within("settings", lambda: directory.patch_settings(store, data["settings"], by))
    return {"teams": len(teams), "agents": len(agents)}


def _entries(data: dict, name: str) -> list[dict]:
    entries = data.get(name) or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Invalid(f"'{name}' must be a list of mappings")
    return entries


def _id_of(entry: dict, section: str, n: int) -> str:
    value = entry.get("id")
    if not isinstance(value, str) or not value:
        raise Invalid(f"{section}[{n}] needs an 'id' (a string)")
    return value


def _within(where: str, work) -> None:
    try:
        work()
    except Invalid as exc:
        details = [{"field": f"{where}.{d['field']}", "message": d["message"]} for d in (exc.details or [])]
        raise Invalid(f"{where}: {exc.message}", details=details or None) from None
