"""Chatwoot in stickybot's terms: ids, the mapping onto inbound events, write-back, directory sync."""
from __future__ import annotations

import hashlib
import logging
import re

from sqlalchemy import delete, func
from sqlmodel import Session, select

from integrations.chatwoot.api import AVAILABILITY, ChatwootApi
from integrations.chatwoot.webhook import Happening, What
from integrations.inbound import EventType, Inbound

from .. import clock
from ..models import AgentRow, Conversation, DecisionRow, Membership, Team
from . import directory

log = logging.getLogger(__name__)
CHANNEL = "chatwoot"


def conversation_key(account: str, display_id: int) -> str:
    return f"chatwoot:{account}:{display_id}"


def customer_key(account: str, contact_id: str) -> str:
    return f"chatwoot:{account}:contact:{contact_id}"


def parse_conversation_key(key: str) -> tuple[str, int]:
    _, account, display = key.split(":")
    return account, int(display)


def agent_for_user(session: Session, user_id: int) -> str | None:
    return session.exec(select(AgentRow.id).where(AgentRow.chatwoot_user_id == user_id)).first()


def team_for(session: Session, team: tuple[int, str]) -> str:
    """Our team id for a Chatwoot team: by its remembered id, else by name (Chatwoot names are lowercase)."""
    found = session.exec(select(Team.id).where(Team.chatwoot_team_id == team[0])).first()
    return found or slug(team[1]) or f"chatwoot-team-{team[0]}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.strip().lower()).strip("-")[:128]


def to_inbound(session: Session, h: Happening, key: str, base_url: str | None) -> Inbound | str:
    """The inbound event for a happening, or the reason it needs no routing."""
    conv_id = conversation_key(h.account_id, h.conversation)
    known = session.get(Conversation, conv_id)
    at = h.occurred_at or clock.now()
    customer = customer_key(h.account_id, h.contact.id) if h.contact else (known.customer_id if known else None)
    common = dict(key=key, occurred_at=at, conversation_id=conv_id, customer_id=customer, channel=CHANNEL,
                  customer_name=h.contact.name if h.contact else None,
                  customer_email=h.contact.email if h.contact else None)
    if h.what in (What.CREATED, What.OPENED):
        if customer is None:
            return "the conversation has no contact"
        if known is None and h.assignee_is_bot:
            return "an agent bot holds the conversation; it is routed when a person is needed"
        url = f"{base_url.rstrip('/')}/app/accounts/{h.account_id}/conversations/{h.conversation}" if base_url else None
        explicit = {}
        if known is None:  # what Chatwoot already decided (a rule, a bot, auto-assignment) is the flow's choice
            if h.assignee is not None:
                explicit["assign_agent"] = agent_for_user(session, h.assignee) or f"chatwoot-user-{h.assignee}"
            elif h.team is not None:
                explicit["assign_team"] = team_for(session, h.team)
        kind = EventType.CREATED if h.what == What.CREATED else EventType.REOPENED
        return Inbound(type=kind, conversation_url=url, **explicit, **common)
    if h.what == What.RESOLVED:
        return Inbound(type=EventType.RESOLVED, **common)
    if h.what == What.MESSAGE:
        return Inbound(type=EventType.MESSAGE, **common)
    if h.what == What.ASSIGNED:
        agent = agent_for_user(session, h.assignee) or f"chatwoot-user-{h.assignee}"
        if known is not None and is_echo(session, conv_id, agent):
            return f"echo of stickybot's own assignment to {agent}"
        return Inbound(type=EventType.ASSIGNED, agent=agent, **common)
    return h.reason or "nothing to do"


def is_echo(session: Session, conversation_id: str, agent_id: str) -> bool:
    """Did stickybot itself assign `agent_id` here since the last reassignment made by a person?"""
    rows = session.exec(select(DecisionRow.rule, DecisionRow.agent_id)
                        .where(DecisionRow.conversation_id == conversation_id).order_by(DecisionRow.id.desc())).all()
    for rule, agent in rows:
        if rule == "manual":
            return False
        if agent == agent_id:
            return True
    return False


# --- write-back -------------------------------------------------------------------------------

class ChatwootSender:
    """Applies a decision in Chatwoot: team first, then assignee; never an id Chatwoot does not know."""

    def __init__(self, rt, api: ChatwootApi):
        self.rt = rt
        self.api = api

    def send(self, item) -> str | None:
        with self.rt.db.read() as session:
            decision = session.get(DecisionRow, item.payload["decision"])
            latest = session.exec(select(func.max(DecisionRow.id))
                                  .where(DecisionRow.conversation_id == item.payload["conversation"])).one()
            if decision is None or decision.id != latest:
                return "superseded by a later decision"
            agent = session.get(AgentRow, decision.agent_id)
            team = session.get(Team, decision.team) if decision.team else None
        _, display = parse_conversation_key(decision.conversation_id)
        team_id = self._team_id(team) if team is not None else None
        user_id = self._user_id(agent)
        if team_id is not None:
            self.api.assign(display, team_id=team_id)
        if user_id is None:
            return f"agent {decision.agent_id} has no Chatwoot user with that e-mail; assignee not written"
        self.api.assign(display, assignee_id=user_id)
        return None

    def _user_id(self, agent: AgentRow | None) -> int | None:
        if agent is None:
            return None
        if agent.chatwoot_user_id is None and agent.email:
            remember_users(self.rt.db, self.api.agents())
            with self.rt.db.read() as session:
                agent = session.get(AgentRow, agent.id)
        return agent.chatwoot_user_id

    def _team_id(self, team: Team) -> int | None:
        if team.chatwoot_team_id is None:
            remember_teams(self.rt.db, self.api.teams())
            with self.rt.db.read() as session:
                team = session.get(Team, team.id)
        return team.chatwoot_team_id


def remember_users(db, users: list[dict]) -> None:
    by_email = {u["email"].lower(): u["id"] for u in users if u.get("email") and isinstance(u.get("id"), int)}

    def work(session: Session) -> None:
        for agent in session.exec(select(AgentRow).where(AgentRow.email.is_not(None))).all():
            found = by_email.get(agent.email.lower())
            if found is not None and agent.chatwoot_user_id != found:
                agent.chatwoot_user_id = found
                session.add(agent)

    db.transact(work)


def remember_teams(db, teams: list[dict]) -> None:
    def work(session: Session) -> None:
        for t in teams:
            row = session.get(Team, slug(str(t.get("name") or "")))
            if row is not None and isinstance(t.get("id"), int):
                row.chatwoot_team_id = t["id"]
                session.add(row)

    db.transact(work)


# --- `stickybot directory sync chatwoot` --------------------------------------------------------

def sync(db, api: ChatwootApi) -> dict:
    """Load Chatwoot's agents (matched by e-mail), teams and team members; all or nothing."""
    users, teams = api.agents(), api.teams()
    members = {t["id"]: api.team_members(t["id"]) for t in teams if isinstance(t.get("id"), int)}
    return db.transact(lambda session: _apply_sync(session, users, teams, members))


def _apply_sync(session: Session, users: list[dict], teams: list[dict], members: dict[int, list[dict]]) -> dict:
    agent_of: dict[int, str] = {}
    created = 0
    for user in users:
        email = (user.get("email") or "").strip()
        if not email or not isinstance(user.get("id"), int):
            continue
        row = session.exec(select(AgentRow).where(func.lower(AgentRow.email) == email.lower())).first()
        status = AVAILABILITY.get(user.get("availability_status"), "offline")
        name = user.get("name") or email
        if row is None:
            agent_id = _free_agent_id(session, slug(email.split("@")[0]) or f"chatwoot-{user['id']}")
            directory.put_agent(session, agent_id, {"name": name, "email": email, "status": status, "teams": []})
            row = session.get(AgentRow, agent_id)
            created += 1
        else:
            directory.patch_agent(session, row.id, {"name": name, "status": status})
        row.chatwoot_user_id = user["id"]
        session.add(row)
        agent_of[user["id"]] = row.id
    for team in teams:
        if not isinstance(team.get("id"), int):
            continue
        team_id = session.exec(select(Team.id).where(Team.chatwoot_team_id == team["id"])).first() \
            or slug(str(team.get("name") or "")) or f"chatwoot-team-{team['id']}"
        directory.put_team(session, team_id, {"name": str(team.get("name") or team_id)})
        row = session.get(Team, team_id)
        row.chatwoot_team_id = team["id"]
        session.add(row)
        session.execute(delete(Membership).where(Membership.team_id == team_id))
        session.flush()
        for member in members.get(team["id"], []):
            agent_id = agent_of.get(member.get("id"))
            if agent_id:
                session.add(Membership(agent_id=agent_id, team_id=team_id))
        session.flush()
    return {"agents": len(agent_of), "created": created, "teams": len([t for t in teams if isinstance(t.get("id"), int)])}


def _free_agent_id(session: Session, wanted: str) -> str:
    candidate, n = wanted, 1
    while session.get(AgentRow, candidate) is not None:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def delivery_key(delivery: str | None, body: bytes) -> str:
    if delivery:
        return f"chatwoot:{delivery.strip()[:200]}"
    return "chatwoot:body:" + hashlib.sha256(body).hexdigest()


def answer_ignored(h: Happening, reason: str) -> dict:
    conv = conversation_key(h.account_id, h.conversation) if h.account_id and h.conversation else None
    return {"conversation": conv, "status": "ignored", "agent": None, "reason": reason, "duplicate": False}
