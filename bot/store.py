"""Reads and writes the use-cases share. Every function takes the open Session."""
from __future__ import annotations

from datetime import datetime
from typing import Sequence

from sqlalchemy import func, update
from sqlmodel import Session, select

import routing
from . import clock
from .store_errors import Contention  # noqa: F401  (raised by the use-cases)
from .models import AgentRow, Conversation, Membership, StickyLink, Team, WorkspaceSettings


def settings(session: Session) -> routing.Settings:
    row = session.get(WorkspaceSettings, 1)
    if row is None:
        return routing.Settings()
    return routing.Settings(row.sticky_days, row.availability_check, row.drain_unassigned)


def as_agent(row: AgentRow) -> routing.Agent:
    return routing.Agent(
        id=row.id, status=routing.Status(row.status), active=row.active, max_open=row.max_open,
        open_load=row.open_load, last_assigned=row.last_assigned, email=row.email,
    )


class DbDirectory:
    """routing.Directory over the database, loading only what a decision asks for."""

    def __init__(self, session: Session):
        self.session = session
        self.seen: dict[str, routing.Agent] = {}

    def _keep(self, rows: Sequence[AgentRow]) -> list[routing.Agent]:
        agents = [as_agent(r) for r in rows]
        self.seen.update((a.id, a) for a in agents)
        return agents

    def agent(self, ref: str) -> routing.Agent | None:
        row = self.session.get(AgentRow, ref)
        if row is None and "@" in ref:
            row = self.session.exec(select(AgentRow).where(func.lower(AgentRow.email) == ref.lower())).first()
        return self._keep([row])[0] if row is not None else None

    def team_exists(self, team_id: str) -> bool:
        return self.session.get(Team, team_id) is not None

    def members(self, team_id: str) -> list[routing.Agent]:
        rows = self.session.exec(
            select(AgentRow).join(Membership, Membership.agent_id == AgentRow.id)
            .where(Membership.team_id == team_id, AgentRow.active == True)  # noqa: E712
        ).all()
        return self._keep(rows)

    def teams_of(self, agent_id: str) -> list[str]:
        return list(self.session.exec(
            select(Membership.team_id).where(Membership.agent_id == agent_id).order_by(Membership.team_id)
        ).all())

    def everyone(self) -> list[routing.Agent]:
        return self._keep(self.session.exec(select(AgentRow).where(AgentRow.active == True)).all())  # noqa: E712


def lock_agent(session: Session, agent_id: str) -> AgentRow | None:
    """The agent's row, read fresh and locked until commit (PostgreSQL; SQLite holds the write lock already)."""
    return session.exec(
        select(AgentRow).where(AgentRow.id == agent_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def conversation(session: Session, conversation_id: str) -> Conversation | None:
    return session.exec(
        select(Conversation).where(Conversation.id == conversation_id)
        .with_for_update().execution_options(populate_existing=True)
    ).first()


def add_load(session: Session, agent_id: str | None, delta: int) -> None:
    if agent_id is None or delta == 0:
        return
    session.execute(update(AgentRow).where(AgentRow.id == agent_id).values(open_load=AgentRow.open_load + delta))


def mark_assigned(session: Session, agent_id: str, seq: int) -> None:
    session.execute(update(AgentRow).where(AgentRow.id == agent_id).values(last_assigned=seq))


def link(session: Session, customer_id: str) -> routing.Link | None:
    row = session.get(StickyLink, customer_id)
    if row is None:
        return None
    return routing.Link(row.agent_id, clock.utc(row.last_interaction_at))


def set_link(session: Session, customer_id: str, agent_id: str, at: datetime) -> None:
    """Point the customer's link at `agent_id` as of `at`, unless the link is already newer."""
    stamp = clock.utc(at)
    row = session.exec(
        select(StickyLink).where(StickyLink.customer_id == customer_id)
        .with_for_update().execution_options(populate_existing=True)
    ).first()
    if row is None:
        session.add(StickyLink(customer_id=customer_id, agent_id=agent_id, last_interaction_at=stamp))
        session.flush()
    elif stamp >= row.last_interaction_at:
        row.agent_id = agent_id
        row.last_interaction_at = stamp
        session.add(row)


def refresh_link(session: Session, customer_id: str, agent_id: str | None, at: datetime) -> None:
    """Move the link's time forward when the conversation's agent is the linked agent."""
    if agent_id is None:
        return
    stamp = clock.utc(at)
    session.execute(
        update(StickyLink)
        .where(StickyLink.customer_id == customer_id, StickyLink.agent_id == agent_id,
               StickyLink.last_interaction_at < stamp)
        .values(last_interaction_at=stamp)
    )
