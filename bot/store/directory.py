"""The store's statements on agents, teams and memberships, and the routing engine's view of them."""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache

from sqlalchemy import delete, func, insert, select, update

import routing
from routing import Status
from routing.hours import parsed as parsed_hours

from ..models import AgentRow, Membership, Team
from .records import OUTSIDE_TEAM, OUTSIDE_USER, AgentRecord, TeamRecord
from .runner import Runner, dt

AGENT, TEAM, MEMBERSHIP = AgentRow.__table__, Team.__table__, Membership.__table__
_ROUTING_COLUMNS = "id, status, active, max_open, open_load, last_assigned, email, time_zone, hours, dnd_start, dnd_end"
_PROFILE_COLUMNS = ("id", "name", "email", "slack_user_id", "status", "max_open", "active", "open_load",
                    "last_assigned", *OUTSIDE_USER.values(), "time_zone", "hours", "cover", "dnd_start", "dnd_end")
_TEAM_COLUMNS = (TEAM.c.id, TEAM.c.name, *(TEAM.c[column] for column in OUTSIDE_TEAM.values()))
_A = ", ".join(f"a.{c}" for c in _ROUTING_COLUMNS.split(", "))
_PAD = ", ".join(["NULL"] * (len(_ROUTING_COLUMNS.split(", ")) - 1))
# Absences that matter from a decision's time on (not ended by :at), one statement per kind of read.
_ABSENCE_COLUMNS = "ab.agent_id, ab.id, ab.starts_at, ab.ends_at, ab.cover, ab.note, ab.source"
_ABSENCES = f"SELECT {_ABSENCE_COLUMNS} FROM absence ab WHERE (ab.ends_at IS NULL OR ab.ends_at > :at)"


def _routing_agent(row, zone: str, absences: dict[str, list[routing.Absence]]) -> routing.Agent:
    dnd = (dt(row[9]), dt(row[10])) if row[9] is not None and row[10] is not None else None
    return routing.Agent(id=row[0], status=Status(row[1]), active=bool(row[2]), max_open=row[3],
                         open_load=row[4], last_assigned=row[5], email=row[6], time_zone=row[7] or zone,
                         hours=parsed_hours(row[8]) if row[8] is not None else None,
                         absences=tuple(absences.get(row[0], ())), dnd=dnd)


def absences_by_agent(rows: list[tuple]) -> dict[str, list[routing.Absence]]:
    """Absence rows (agent_id first, as `_ABSENCE_COLUMNS`) by agent, earliest first."""
    found: dict[str, list[routing.Absence]] = {}
    for absence, agent_id in sorted((_absence(tuple(r)) for r in rows), key=lambda pair: pair[0].start):
        found.setdefault(agent_id, []).append(absence)
    return found


@lru_cache(maxsize=8192)
def _absence(row: tuple) -> tuple[routing.Absence, str]:
    """One absence row as routing's (immutable) Absence: the same row, read by every event that looks at its
    agent, is converted once per process."""
    return routing.Absence(dt(row[2]), dt(row[3]), tuple(json.loads(row[4])), row[5], row[6], row[1]), row[0]


# A team's pick order (routing.rank) as the index ix_membership_pick keeps it: members that could be available
# (`ready`: active, online, with room), least loaded, then least recently assigned (-1: never), then by id
# compared as Python compares strings (code points: the "C" collation on PostgreSQL, SQLite's own).
def _ranked(pg: bool, tail: str, columns: str = _A) -> str:
    by_id = 'm.agent_id COLLATE "C"' if pg else "m.agent_id"
    return (f"SELECT {columns} FROM membership m JOIN agent a ON a.id = m.agent_id WHERE m.team_id = :team "
            f"AND m.ready ORDER BY m.open_load, m.rotation, {by_id} {tail}")


# The first candidates a pick reads; the rest of the team only if none of these can take it.
FIRST = 8
_FIRST = {pg: _ranked(pg, f"LIMIT {FIRST}") for pg in (False, True)}
_REST = {pg: _ranked(pg, f"LIMIT -1 OFFSET {FIRST}" if not pg else f"OFFSET {FIRST}") for pg in (False, True)}
_FIRST_IDS = {pg: _ranked(pg, f"LIMIT {FIRST}", "a.id") for pg in (False, True)}

# What an event's decision will most likely ask the directory, read with the event's preflight (one round
# trip): the first candidates of the event's team, its linked agent and that agent's teams, and whether the
# team exists. Rows are tagged: m (a first candidate, in rank order), l (the linked agent), t (one of its
# teams, in id), x (:team exists). The absences of those agents come in a second statement of the same round
# trip (PREFETCH_ABSENCES).
PREFETCH = {pg: (
    f"SELECT 'm', r.* FROM ({_FIRST[pg]}) r "
    f"UNION ALL SELECT 'l', {_A} "
    "FROM agent a WHERE a.id = (SELECT agent_id FROM sticky_link WHERE customer_id = :cust) "
    f"UNION ALL SELECT 't', m.team_id, {_PAD} FROM membership m "
    "WHERE m.agent_id = (SELECT agent_id FROM sticky_link WHERE customer_id = :cust) "
    f"UNION ALL SELECT 'x', t.id, {_PAD} FROM team t WHERE t.id = :team") for pg in (False, True)}
PREFETCH_ABSENCES = {pg: (
    f"{_ABSENCES} AND (ab.agent_id IN ({_FIRST_IDS[pg]}) "
    "OR ab.agent_id = (SELECT agent_id FROM sticky_link WHERE customer_id = :cust))") for pg in (False, True)}


class SqlDirectory:
    """routing.Directory over the database at one instant, loading only what a decision asks for (and not even
    that when the event's preflight read it already: `known`). Agents come with their absences not ended by
    `at` (none when `at` is None: identity only)."""

    def __init__(self, q: Runner, known: "Prefetched | None", at: datetime | None, zone: str):
        self.q, self.known, self.at, self.zone = q, known, at, zone

    def agent(self, ref: str) -> routing.Agent | None:
        if self.known is not None and ref in self.known.agents:
            return self.known.agents[ref]
        row = self.q.one(f"SELECT {_ROUTING_COLUMNS} FROM agent WHERE id = :ref", ref=ref)
        if row is None and "@" in ref:
            row = self.q.one(f"SELECT {_ROUTING_COLUMNS} FROM agent WHERE lower(email) = :email", email=ref.lower())
        if row is None:
            return None
        return _routing_agent(row, self.zone, self._absences(" AND ab.agent_id = :agent", agent=row[0]))

    def team_exists(self, team_id: str) -> bool:
        if self.known is not None and team_id == self.known.team:
            return self.known.team_exists
        return self.q.one("SELECT 1 FROM team WHERE id = :team", team=team_id) is not None

    def members(self, team_id: str) -> list[routing.Agent]:
        rows = self.q.all(f"SELECT {_A} FROM agent a JOIN membership m ON m.agent_id = a.id "
                          "WHERE m.team_id = :team AND a.active = :yes", team=team_id, yes=True)
        away = self._absences(" AND ab.agent_id IN (SELECT agent_id FROM membership WHERE team_id = :team)",
                              team=team_id) if rows else {}
        return [_routing_agent(r, self.zone, away) for r in rows]

    def candidates(self, team_id: str):
        """routing.Directory.candidates: the team's first candidates (from the preflight when it read them),
        then, only if a pick gets that far, the rest of them."""
        if self.known is not None and team_id == self.known.team:
            first = self.known.first
        else:
            first = self._ranked(_FIRST[self.q.pg], " AND ab.agent_id IN (" + _FIRST_IDS[self.q.pg] + ")", team_id)
        yield first
        if len(first) == FIRST:
            yield self._ranked(_REST[self.q.pg], " AND ab.agent_id IN (SELECT agent_id FROM membership "
                               "WHERE team_id = :team AND ready)", team_id)

    def _ranked(self, sql: str, absences: str, team_id: str) -> list[routing.Agent]:
        rows = self.q.all(sql, team=team_id)
        away = self._absences(absences, team=team_id) if rows else {}
        return [_routing_agent(r, self.zone, away) for r in rows]

    def teams_of(self, agent_id: str) -> list[str]:
        if self.known is not None and agent_id in self.known.teams_of:
            return self.known.teams_of[agent_id]
        rows = self.q.all("SELECT team_id FROM membership WHERE agent_id = :agent ORDER BY team_id", agent=agent_id)
        return [r[0] for r in rows]

    def everyone(self) -> list[routing.Agent]:
        rows = self.q.all(f"SELECT {_ROUTING_COLUMNS} FROM agent WHERE active = :yes", yes=True)
        away = self._absences("") if rows else {}
        return [_routing_agent(r, self.zone, away) for r in rows]

    def _absences(self, where: str, **params) -> dict[str, list[routing.Absence]]:
        if self.at is None:
            return {}
        return absences_by_agent(self.q.all(_ABSENCES + where, at=self.q.ts(self.at), **params))


class Prefetched:
    """Directory answers read ahead (see PREFETCH), for one decision."""

    def __init__(self, rows: list[tuple], absence_rows: list[tuple], team: str | None, linked: str | None,
                 zone: str):
        away = absences_by_agent(absence_rows)
        self.team = team
        self.first = sorted((_routing_agent(r[1:], zone, away) for r in rows if r[0] == "m"), key=routing.rank)
        self.team_exists = any(r[0] == "x" for r in rows)
        found = next((_routing_agent(r[1:], zone, away) for r in rows if r[0] == "l"), None)
        self.agents: dict[str, routing.Agent | None] = {linked: found} if linked is not None else {}
        self.teams_of = {linked: sorted(r[1] for r in rows if r[0] == "t")} if found is not None else {}


class DirectoryStatements:
    q: Runner
    zone: str
    _prefetched: Prefetched | None = None

    def directory(self, at: datetime | None = None) -> SqlDirectory:
        """The directory for one decision at `at`. The first after a preflight answers from what it read ahead;
        any later one (a decision made again because its seat was taken) reads afresh."""
        known, self._prefetched = self._prefetched, None
        return SqlDirectory(self.q, known, at, self.zone)

    def agent(self, agent_id: str, *, for_update: bool = False, at: datetime | None = None) -> AgentRecord | None:
        """An agent's profile; with `at`, with its absences not ended by then."""
        sql = f"SELECT {', '.join(_PROFILE_COLUMNS)} FROM agent WHERE id = :id"
        statements = [(self.q.locking(sql) if for_update else sql, dict(id=agent_id)),
                      ("SELECT team_id FROM membership WHERE agent_id = :agent ORDER BY team_id", dict(agent=agent_id))]
        if at is not None:
            statements.append((_ABSENCES + " AND ab.agent_id = :agent", dict(agent=agent_id, at=self.q.ts(at))))
        answers = self.q.many(statements)
        if not answers[0]:
            return None
        away = absences_by_agent(answers[2]) if at is not None else {}
        return self._agent_record(answers[0][0], tuple(r[0] for r in answers[1]), away)

    def agents(self, *, active_only: bool = False, at: datetime | None = None) -> list[AgentRecord]:
        """Every agent's profile, by id; with `at`, with their absences not ended by then."""
        query = select(*(AGENT.c[name] for name in _PROFILE_COLUMNS)).order_by(AGENT.c.id)
        if active_only:
            query = query.where(AGENT.c.active.is_(True))
        teams_of: dict[str, list[str]] = {}
        for agent_id, team_id in self.q.core(select(MEMBERSHIP.c.agent_id, MEMBERSHIP.c.team_id)
                                             .order_by(MEMBERSHIP.c.team_id)):
            teams_of.setdefault(agent_id, []).append(team_id)
        away = absences_by_agent(self.q.all(_ABSENCES, at=self.q.ts(at))) if at is not None else {}
        return [self._agent_record(r, tuple(teams_of.get(r[0], ())), away) for r in self.q.core(query)]

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
                  **{column: getattr(agent, column) for column in OUTSIDE_USER.values()}, "time_zone": agent.time_zone,
                  "hours": json.dumps(agent.hours.to_json(), sort_keys=True) if agent.hours is not None else None,
                  "cover": json.dumps(list(agent.cover)) if agent.cover else None,
                  "dnd_start": agent.dnd[0] if agent.dnd else None, "dnd_end": agent.dnd[1] if agent.dnd else None}
        if self.q.core(update(AGENT).where(AGENT.c.id == agent.id).values(**values)).rowcount == 0:
            self.q.core(insert(AGENT).values(id=agent.id, open_load=0, **values))

    def set_memberships(self, agent_id: str, teams: list[str]) -> None:
        self.q.core(delete(MEMBERSHIP).where(MEMBERSHIP.c.agent_id == agent_id))
        if teams:
            self.q.core(insert(MEMBERSHIP), [{"agent_id": agent_id, "team_id": t} for t in dict.fromkeys(teams)])

    def team(self, team_id: str) -> TeamRecord | None:
        row = self.q.core(select(*_TEAM_COLUMNS).where(TEAM.c.id == team_id)).first()
        return self._team_record(row) if row else None

    def teams(self, *, members: bool = True) -> list[TeamRecord]:
        """Every team by id; without `members`, without reading who belongs to which."""
        rows = self.q.core(select(*_TEAM_COLUMNS).order_by(TEAM.c.id)).all()
        return [self._team_record(r, members) for r in rows]

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

    def _team_record(self, row, members: bool = True) -> TeamRecord:
        ids = self.q.core(select(MEMBERSHIP.c.agent_id).where(MEMBERSHIP.c.team_id == row[0])
                          .order_by(MEMBERSHIP.c.agent_id)).scalars().all() if members else ()
        return TeamRecord(row[0], row[1], members=tuple(ids), **dict(zip(OUTSIDE_TEAM.values(), row[2:])))

    def _agent_record(self, row, teams: tuple[str, ...],
                      absences: dict[str, list[routing.Absence]] | None = None) -> AgentRecord:
        values = dict(zip(_PROFILE_COLUMNS, row))
        values["status"], values["active"] = Status(values["status"]), bool(values["active"])
        start, end = dt(values.pop("dnd_start")), dt(values.pop("dnd_end"))
        values["dnd"] = (start, end) if start is not None and end is not None else None
        values["hours"] = parsed_hours(values["hours"]) if values["hours"] is not None else None
        values["cover"] = tuple(json.loads(values["cover"])) if values["cover"] else ()
        return AgentRecord(**values, teams=teams, zone=values["time_zone"] or self.zone,
                           absences=tuple((absences or {}).get(values["id"], ())))
