"""Chatwoot from the outbox: each decision written back as an assignment, Chatwoot's users learnt, and the
whole directory synced on demand. Chatwoot's API is only ever called from here, never inside a webhook."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from integrations.chatwoot.api import AVAILABILITY, ChatwootApi, ChatwootFailure
from routing import Status

from ..db import Database
from ..outbox import DeliveryFailure, Verdict
from ..store import OutboxItem, OutboxKind, Store, TeamRecord
from . import audit, directory
from .audit import By
from .chatwoot import parse_conversation_key, slug

log = logging.getLogger(__name__)


class ChatwootSender:
    """Applies a decision in Chatwoot: team first, then assignee; never an id Chatwoot does not know (Chatwoot
    reads an unknown assignee id as "unassign")."""

    kinds = frozenset({OutboxKind.CHATWOOT_ASSIGN, OutboxKind.CHATWOOT_LEARN_USERS})

    def __init__(self, db: Database, api: ChatwootApi):
        self.db, self.api = db, api

    def send(self, item: OutboxItem) -> str | None:
        try:
            if item.kind == OutboxKind.CHATWOOT_LEARN_USERS:
                users = self.api.agents()
                self.db.transact(lambda store: remember_users(store, users, self.db.clock.now()))
                return None
            return self._assign(item.payload)
        except ChatwootFailure as exc:
            raise DeliveryFailure(_verdict(exc), exc.error, exc.retry_after) from None

    def _assign(self, payload: dict) -> str | None:
        def read(store: Store):
            decision = store.decision(payload["decision"])
            latest = store.last_decision(payload["conversation"])
            if decision is None or latest is None or latest.id != decision.id:
                return None
            team = store.team(decision.team) if decision.team else None
            return decision, store.agent(decision.agent_id), team

        found = self.db.read(read)
        if found is None:
            return "superseded by a later decision"
        decision, agent, team = found
        _, display = parse_conversation_key(decision.conversation_id)
        if team is not None:
            team_id = team.chatwoot_team_id if team.chatwoot_team_id is not None else self._learn_team(team.id)
            if team_id is not None:
                self.api.assign(display, team_id=team_id)
        user_id = agent.chatwoot_user_id if agent is not None else None
        if user_id is None and agent is not None and agent.email:
            user_id = self._learn_user(agent.id)
        if user_id is None:
            return f"agent {decision.agent_id} has no Chatwoot user with that e-mail; assignee not written"
        self.api.assign(display, assignee_id=user_id)
        return None

    def _learn_user(self, agent_id: str) -> int | None:
        users = self.api.agents()
        self.db.transact(lambda store: remember_users(store, users, self.db.clock.now()))
        agent = self.db.read(lambda store: store.agent(agent_id))
        return agent.chatwoot_user_id if agent else None

    def _learn_team(self, team_id: str) -> int | None:
        teams = self.api.teams()
        self.db.transact(lambda store: remember_teams(store, teams))
        team = self.db.read(lambda store: store.team(team_id))
        return team.chatwoot_team_id if team else None


def _verdict(exc: ChatwootFailure) -> Verdict:
    if exc.retry:
        return Verdict.RETRY
    if exc.status in (401, 403):
        return Verdict.PAUSE  # the token: nothing can be written until it is fixed, and nothing is lost meanwhile
    return Verdict.GIVE_UP


def remember_users(store: Store, users: list[dict], now: datetime) -> None:
    """Match Chatwoot users to agents by e-mail; an agent whose user Chatwoot no longer lists loses its id."""
    by_email = {u["email"].lower(): u["id"] for u in users if isinstance(u.get("email"), str)
                and isinstance(u.get("id"), int) and not isinstance(u.get("id"), bool)}
    for agent in store.agents():
        found = by_email.get(agent.email.lower()) if agent.email else None
        if found != agent.chatwoot_user_id:
            store.save_agent(replace(agent, chatwoot_user_id=found))
            audit.record(store, By("chatwoot-sync", now), "agent.update", agent.id,
                         {"chatwoot_user_id": agent.chatwoot_user_id}, {"chatwoot_user_id": found})


def remember_teams(store: Store, teams: list[dict]) -> None:
    for t in teams:
        row = store.team(slug(str(t.get("name") or "")))
        if row is not None and isinstance(t.get("id"), int):
            store.save_team(replace(row, chatwoot_team_id=t["id"]))


# --- `stickybot directory sync chatwoot` --------------------------------------------------------

def sync(db: Database, api: ChatwootApi, now: datetime) -> dict:
    """Load Chatwoot's agents (matched by e-mail), teams and team members; all or nothing."""
    users, teams = api.agents(), api.teams()
    members = {t["id"]: api.team_members(t["id"]) for t in teams if isinstance(t.get("id"), int)}
    return db.transact(lambda store: _apply_sync(store, users, teams, members, now))


def _apply_sync(store: Store, users: list[dict], teams: list[dict], members: dict[int, list[dict]],
                now: datetime) -> dict:
    by = By("chatwoot-sync", now)
    agent_of: dict[int, str] = {}
    created = 0
    for user in users:
        email = (user.get("email") or "").strip() if isinstance(user.get("email"), str) else ""
        if not email or not isinstance(user.get("id"), int):
            continue
        status = str(AVAILABILITY.get(user.get("availability_status"), Status.OFFLINE))
        name = str(user.get("name") or email)
        agent_id = store.agent_owning_email(email)
        if agent_id is None:
            agent_id = _free_agent_id(store, slug(email.split("@")[0]) or f"chatwoot-{user['id']}")
            directory.put_agent(store, agent_id, {"name": name, "email": email, "status": status, "teams": []}, by)
            created += 1
        else:
            directory.patch_agent(store, agent_id, {"name": name, "status": status}, by)
        known = store.agent(agent_id)
        if known.chatwoot_user_id != user["id"]:
            store.save_agent(replace(known, chatwoot_user_id=user["id"]))
            audit.record(store, by, "agent.update", agent_id, {"chatwoot_user_id": known.chatwoot_user_id},
                         {"chatwoot_user_id": user["id"]})
        agent_of[user["id"]] = agent_id
    seen = set(agent_of.values())
    for agent in store.agents():
        if agent.chatwoot_user_id is not None and agent.id not in seen:
            store.save_agent(replace(agent, chatwoot_user_id=None))  # Chatwoot no longer lists that user
            audit.record(store, by, "agent.update", agent.id, {"chatwoot_user_id": agent.chatwoot_user_id},
                         {"chatwoot_user_id": None})
    synced = 0
    for team in teams:
        if not isinstance(team.get("id"), int):
            continue
        team_id = store.team_for_chatwoot(team["id"]) or slug(str(team.get("name") or "")) \
            or f"chatwoot-team-{team['id']}"
        directory.put_team(store, team_id, {"name": str(team.get("name") or team_id)}, by)
        store.save_team(TeamRecord(team_id, store.team(team_id).name, team["id"]))
        store.set_team_members(team_id, [agent_of[m["id"]] for m in members.get(team["id"], [])
                                         if isinstance(m, dict) and m.get("id") in agent_of])
        synced += 1
    return {"agents": len(agent_of), "created": created, "teams": synced}


def _free_agent_id(store: Store, wanted: str) -> str:
    candidate, n = wanted, 1
    while store.agent(candidate) is not None:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate

