"""The store's statements on agents, teams and memberships, and the routing engine's view of them."""
from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update

import routing
from routing import Status

from ..models import AgentRow, Membership, Team
from .records import OUTSIDE_TEAM, OUTSIDE_USER, AgentRecord, TeamRecord
from .runner import Runner

AGENT, TEAM, MEMBERSHIP = AgentRow.__table__, Team.__table__, Membership.__table__
_ROUTING_COLUMNS = "id, status, active, max_open, open_load, last_assigned, email"
_PROFILE_COLUMNS = ("id", "name", "email", "slack_user_id", "status", "max_open", "active", "open_load",
                    "last_assigned", *OUTSIDE_USER.values())

_TEAM_COLUMNS = (TEAM.c.id, TEAM.c.name, *(TEAM.c[column] for column in OUTSIDE_TEAM.values()))


def _routing_agent(row) -> routing.Agent:
    return routing.Agent(id=row[0], status=Status(row[1]), active=bool(row[2]), max_open=row[3],
                         open_load=row[4], last_assigned=row[5], email=row[6])


# What an event's decision will most likely ask the directory, read with the event's preflight (one round
# trip): the members of the event's team, its linked agent and that agent's teams, and whether the team exists.
# Rows are tagged: m (a member of :team), l (the linked agent), t (one of its teams, in id), x (:team exists).
PREFETCH = (
    "SELECT 'm', a.id, a.status, a.active, a.max_open, a.open_load, a.last_assigned, a.email FROM agent a "
    "JOIN membership m ON m.agent_id = a.id WHERE m.team_id = :team AND a.active = :yes "
    "UNION ALL SELECT 'l', a.id, a.status, a.active, a.max_open, a.open_load, a.last_assigned, a.email "
    "FROM agent a WHERE a.id = (SELECT agent_id FROM sticky_link WHERE customer_id = :cust) "
    "UNION ALL SELECT 't', m.team_id, NULL, NULL, NULL, NULL, NULL, NULL FROM membership m "
    "WHERE m.agent_id = (SELECT agent_id FROM sticky_link WHERE customer_id = :cust) "
    "UNION ALL SELECT 'x', t.id, NULL, NULL, NULL, NULL, NULL, NULL FROM team t WHERE t.id = :team")


class SqlDirectory:
    """routing.Directory over the database, loading only what a decision asks for (and not even that when the
    event's preflight read it already: `known`)."""

    def __init__(self, q: Runner, known: "Prefetched | None" = None):
        self.q = q
        self.known = known

    def agent(self, ref: str) -> routing.Agent | None:
        if self.known is not None and ref in self.known.agents:
            return self.known.agents[ref]
        row = self.q.one(f"SELECT {_ROUTING_COLUMNS} FROM agent WHERE id = :ref", ref=ref)
        if row is None and "@" in ref:
            row = self.q.one(f"SELECT {_ROUTING_COLUMNS} FROM agent WHERE lower(email) = :email", email=ref.lower())
        return _routing_agent(row) if row is not None else None

    def team_exists(self, team_id: str) -> bool:
        if self.known is not None and team_id == self.known.team:
            return self.known.team_exists
        return self.q.one("SELECT 1 FROM team WHERE id = :team", team=team_id) is not None

    def members(self, team_id: str) -> list[routing.Agent]:
        if self.known is not None and team_id == self.known.team:
            return self.known.members
        rows = self.q.all(
            "SELECT a.id, a.status, a.active, a.max_open, a.open_load, a.last_assigned, a.email FROM agent a "
            "JOIN membership m ON m.agent_id = a.id WHERE m.team_id = :team AND a.active = :yes",
            team=team_id, yes=True)
        return [_routing_agent(r) for r in rows]

    def teams_of(self, agent_id: str) -> list[str]:
        if self.known is not None and agent_id in self.known.teams_of:
            return self.known.teams_of[agent_id]
        rows = self.q.all("SELECT team_id FROM membership WHERE agent_id = :agent ORDER BY team_id", agent=agent_id)
        return [r[0] for r in rows]

    def everyone(self) -> list[routing.Agent]:
        return [_routing_agent(r) for r in self.q.all(f"SELECT {_ROUTING_COLUMNS} FROM agent WHERE active = :yes",
                                                      yes=True)]


class Prefetched:
    """Directory answers read ahead (see PREFETCH), for one decision."""

    def __init__(self, rows: list[tuple], team: str | None, linked: str | None):
        self.team = team
        self.members = [_routing_agent(r[1:]) for r in rows if r[0] == "m"]
        self.team_exists = any(r[0] == "x" for r in rows)
        found = next((_routing_agent(r[1:]) for r in rows if r[0] == "l"), None)
        self.agents: dict[str, routing.Agent | None] = {linked: found} if linked is not None else {}
        self.teams_of = {linked: sorted(r[1] for r in rows if r[0] == "t")} if found is not None else {}


class DirectoryStatements:
    q: Runner
    _prefetched: Prefetched | None = None

    def directory(self) -> SqlDirectory:
        """The directory for one decision. The first after a preflight answers from what it read ahead; any
        later one (a decision made again because its seat was taken) reads afresh."""
        known, self._prefetched = self._prefetched, None
        return SqlDirectory(self.q, known)

    def agent(self, agent_id: str, *, for_update: bool = False) -> AgentRecord | None:
        sql = self.q.locking(f"SELECT {', '.join(_PROFILE_COLUMNS)} FROM agent WHERE id = :id") if for_update \
            else f"SELECT {', '.join(_PROFILE_COLUMNS)} FROM agent WHERE id = :id"
        row = self.q.one(sql, id=agent_id)
        return self._agent_record(row, tuple(self.directory().teams_of(agent_id))) if row else None

    def agents(self, *, active_only: bool = False) -> list[AgentRecord]:
        query = select(*(AGENT.c[name] for name in _PROFILE_COLUMNS)).order_by(AGENT.c.id)
        if active_only:
            query = query.where(AGENT.c.active.is_(True))
        teams_of: dict[str, list[str]] = {}
        for agent_id, team_id in self.q.core(select(MEMBERSHIP.c.agent_id, MEMBERSHIP.c.team_id)
                                             .order_by(MEMBERSHIP.c.team_id)):
            teams_of.setdefault(agent_id, []).append(team_id)
        return [self._agent_record(r, tuple(teams_of.get(r[0], ()))) for r in self.q.core(query)]

    def agent_owning_email(self, email: str, other_than: str | None = None) -> str | None:
        query = select(AGENT.c.id).where(func.lower(AGENT.c.email) == email.lower())
        if other_than is not None:
            query = query.where(AGENT.c.id != other_than)
        return self.q.core(query.limit(1)).scalar()

    def agent_for_slack_user(self, user_id: str) -> AgentRecord | None:
        found = self.q.core(select(AGENT.c.id).where(AGENT.c.slack_user_id == user_id,
                                                     AGENT.c.active.is_(True)).limit(1)).scalar()
        return self.agent(found) if found is not None else None

    def agent_for_outside_user(self, channel: str, user_id: int) -> str | None:
        """The agent a helpdesk's user is (by the id a sync or the outbox learnt)."""
        column = AGENT.c[OUTSIDE_USER[channel]]
        return self.q.core(select(AGENT.c.id).where(column == user_id).limit(1)).scalar()

    def save_agent(self, agent: AgentRecord) -> None:
        """Insert or update an agent's profile (its load and rotation place are the seat operations' own)."""
        values = {"name": agent.name, "email": agent.email, "slack_user_id": agent.slack_user_id,
                  "status": str(agent.status), "max_open": agent.max_open, "active": agent.active,
                  **{column: getattr(agent, column) for column in OUTSIDE_USER.values()}}
        if self.q.core(update(AGENT).where(AGENT.c.id == agent.id).values(**values)).rowcount == 0:
            self.q.core(insert(AGENT).values(id=agent.id, open_load=0, **values))

    def set_memberships(self, agent_id: str, teams: list[str]) -> None:
        self.q.core(delete(MEMBERSHIP).where(MEMBERSHIP.c.agent_id == agent_id))
        if teams:
            self.q.core(insert(MEMBERSHIP), [{"agent_id": agent_id, "team_id": t} for t in dict.fromkeys(teams)])

    def team(self, team_id: str) -> TeamRecord | None:
        row = self.q.core(select(*_TEAM_COLUMNS).where(TEAM.c.id == team_id)).first()
        return self._team_record(row) if row else None

    def teams(self) -> list[TeamRecord]:
        return [self._team_record(r) for r in self.q.core(select(*_TEAM_COLUMNS).order_by(TEAM.c.id))]

    def team_for_outside(self, channel: str, team_id: int) -> str | None:
        """The team a helpdesk's team (or group) is."""
        column = TEAM.c[OUTSIDE_TEAM[channel]]
        return self.q.core(select(TEAM.c.id).where(column == team_id).limit(1)).scalar()

    def save_team(self, team: TeamRecord) -> None:
        values = {"name": team.name, **{column: getattr(team, column) for column in OUTSIDE_TEAM.values()}}
        if self.q.core(update(TEAM).where(TEAM.c.id == team.id).values(**values)).rowcount == 0:
            self.q.core(insert(TEAM).values(id=team.id, **values))

    def set_team_members(self, team_id: str, agent_ids: list[str]) -> None:
        self.q.core(delete(MEMBERSHIP).where(MEMBERSHIP.c.team_id == team_id))
        if agent_ids:
            self.q.core(insert(MEMBERSHIP), [{"agent_id": a, "team_id": team_id} for a in dict.fromkeys(agent_ids)])

    def _team_record(self, row) -> TeamRecord:
        members = self.q.core(select(MEMBERSHIP.c.agent_id).where(MEMBERSHIP.c.team_id == row[0])
                              .order_by(MEMBERSHIP.c.agent_id)).scalars().all()
        return TeamRecord(row[0], row[1], members=tuple(members), **dict(zip(OUTSIDE_TEAM.values(), row[2:])))

    @staticmethod
    def _agent_record(row, teams: tuple[str, ...]) -> AgentRecord:
        values = dict(zip(_PROFILE_COLUMNS, row))
        values["status"], values["active"] = Status(values["status"]), bool(values["active"])
        return AgentRecord(**values, teams=teams)
