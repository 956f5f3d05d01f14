"""An in-memory Directory: the unit tests' directory, and a reference for the store's."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .model import Agent, Status
from .pick import rank


@dataclass
class MemoryDirectory:
    agents: dict[str, Agent] = field(default_factory=dict)
    memberships: dict[str, tuple[str, ...]] = field(default_factory=dict)
    teams: set[str] = field(default_factory=set)
    batch: int = 2  # candidates() per batch: small, so that the unit tests cross batches

    @classmethod
    def of(cls, *agents: Agent, memberships: Mapping[str, Sequence[str]] = {}, teams: Sequence[str] = ()):
        known = set(teams)
        for names in memberships.values():
            known.update(names)
        return cls({a.id: a for a in agents}, {k: tuple(v) for k, v in memberships.items()}, known)

    def agent(self, ref: str) -> Agent | None:
        if ref in self.agents:
            return self.agents[ref]
        wanted = ref.casefold()
        return next((a for a in self.agents.values() if a.email and a.email.casefold() == wanted), None)

    def team_exists(self, team_id: str) -> bool:
        return team_id in self.teams

    def members(self, team_id: str) -> Sequence[Agent]:
        return [a for a in self.agents.values() if a.active and team_id in self.memberships.get(a.id, ())]

    def candidates(self, team_id: str):
        """The members that could be available (active, online, with room), in rank order, `batch` at a time:
        what the store's index gives (routing.Directory)."""
        ready = sorted((a for a in self.members(team_id) if a.status == Status.ONLINE and a.has_room), key=rank)
        for start in range(0, len(ready), self.batch):
            yield ready[start:start + self.batch]

    def teams_of(self, agent_id: str) -> Sequence[str]:
        return self.memberships.get(agent_id, ())

    def everyone(self) -> Sequence[Agent]:
        return [a for a in self.agents.values() if a.active]
