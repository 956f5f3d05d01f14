"""The normal assignment rule: of the available agents, the lowest open load, then the least recently
assigned, then the smallest id. Pure."""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from . import availability
from .model import Agent, Directory


def pick(agents: Iterable[Agent], at: datetime, exclude: Iterable[str] = ()) -> Agent | None:
    """Of `agents`, the first in rank order that is available at `at` and not excluded."""
    left_out = set(exclude)
    candidates = [a for a in agents if a.id not in left_out and availability.available(a, at)]
    if not candidates:
        return None
    return min(candidates, key=rank)


def rank(agent: Agent) -> tuple:
    """The order of the normal assignment rule among available agents."""
    return agent.open_load, -1 if agent.last_assigned is None else agent.last_assigned, agent.id


def pick_in(directory: Directory, team: str, at: datetime, exclude: Iterable[str] = ()) -> Agent | None:
    """pick() over a team's active members, read in rank order a batch at a time (Directory.candidates): the
    first batch holding an available agent holds the one pick() would choose among them all, since every
    later batch ranks after it."""
    exclude = frozenset(exclude)
    for batch in directory.candidates(team):
        chosen = pick(batch, at, exclude)
        if chosen is not None:
            return chosen
    return None
