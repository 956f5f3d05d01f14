"""The pick read a batch at a time in rank order (routing.pick_in) chooses exactly what pick() chooses over the
whole team, whatever the loads, rotation places, statuses, capacities, hours, exclusions and ids."""
from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from routing import Agent, Hours, MemoryDirectory, Status, pick, pick_in

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=timezone.utc)
IDS = ["a", "B", "b", "Z", "_x", "a1", "a10", "a2", "Ä", "é", "z", "0", "~", "Ωmega", "agent-7", "agent_7"]
NIGHTS = Hours.parse({"mon": [["20:00", "23:00"]], "tue": [["20:00", "23:00"]]})  # off duty at NOW (a Tuesday, 10:00)


def random_team(rng: random.Random) -> list[Agent]:
    team = []
    for agent_id in rng.sample(IDS, rng.randint(0, len(IDS))):
        team.append(Agent(id=agent_id, status=rng.choice([Status.ONLINE] * 4 + [Status.AWAY, Status.OFFLINE]),
                          active=rng.random() > 0.1, max_open=rng.choice([None, None, 1, 2]),
                          open_load=rng.randint(0, 2), last_assigned=rng.choice([None, None, 3, 5, 8, 13]),
                          hours=NIGHTS if rng.random() < 0.2 else None))
    return team


@pytest.mark.parametrize("batch", [1, 2, 3, 100])
def test_pick_in_batches_is_pick_over_the_whole_team(batch):
    rng = random.Random(batch)
    for _ in range(400):
        team = random_team(rng)
        directory = MemoryDirectory.of(*team, memberships={a.id: ["t"] for a in team}, teams=["t"])
        directory.batch = batch
        exclude = set(rng.sample([a.id for a in team], min(len(team), rng.randint(0, 3))))
        assert pick_in(directory, "t", NOW, exclude) == pick(directory.members("t"), NOW, exclude)


def test_candidates_leave_out_who_can_never_be_available_and_come_in_rank_order():
    team = [Agent("full", Status.ONLINE, max_open=1, open_load=1), Agent("away", Status.AWAY),
            Agent("gone", Status.ONLINE, active=False), Agent("b", Status.ONLINE, open_load=1),
            Agent("late", Status.ONLINE, last_assigned=9), Agent("early", Status.ONLINE, last_assigned=2),
            Agent("new", Status.ONLINE)]
    directory = MemoryDirectory.of(*team, memberships={a.id: ["t"] for a in team}, teams=["t"])
    directory.batch = 2
    assert [[a.id for a in batch] for batch in directory.candidates("t")] == [["new", "early"], ["late", "b"]]
