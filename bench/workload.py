"""The workload: who is in the directory, and the fresh, pre-signed events the client sends.

Every event id is new: each stream has its own tag, so a warm-up never repeats in the measured run.
Events go out in one stream per client thread; a resolve or a message names a conversation created at least
`lag` requests earlier on the same thread (or during the warm-up), so it has been answered before it is used.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SECRET = "bench-webhook-secret"
ADMIN_TOKEN = "bench-admin-token"
KINDS = ("created", "resolved", "message")
# One letter per sent line: created for a returning customer, created for a new one, resolved, message.
RETURNING, NEW, RESOLVED, MESSAGE = "C", "N", "R", "M"


@dataclass(frozen=True)
class Workload:
    name: str
    teams: int
    agents: int
    customers: int            # returning customers: each has a link inside the sticky window
    returning: float = 0.5    # share of conversation.created events from those customers (the rest are new)
    mix: tuple[float, float, float] = (0.60, 0.25, 0.15)  # created / resolved / message
    away_every: int = 6       # every 6th agent is away, the rest online; nobody has a capacity limit
    sticky_days: int = 7
    # Working hours in four zones for every agent, every 10th agent absent now (covered by the next one), and
    # one absence next month for each (bench/seed.py `availability`): where the tree has them.
    availability: bool = False
    seen_days: float | None = None  # every returning customer's link last touched this long ago (None: 0-6 days)

    def agent_ids(self) -> list[str]:
        return [f"agent{n:03d}" for n in range(self.agents)]

    def team_ids(self) -> list[str]:
        return [f"team{t:02d}" for t in range(self.teams)]

    def teams_of(self, n: int) -> list[str]:
        """Agent n belongs to team n % teams; every 10th agent also covers the next team."""
        own = [n % self.teams]
        if n % 10 == 0 and self.teams > 1:
            own.append((n + 1) % self.teams)
        return [f"team{t:02d}" for t in own]

    def status_of(self, n: int) -> str:
        return "away" if n % self.away_every == self.away_every - 1 else "online"

    def stated(self) -> dict:
        out = asdict(self)
        out["mix"] = dict(zip(KINDS, self.mix))
        out["new_customers"] = 1 - self.returning
        return out


WORKLOADS = {
    "default": Workload("default", teams=6, agents=60, customers=4_000),
    "big": Workload("big", teams=50, agents=500, customers=200_000),
    "staffed": Workload("staffed", teams=10, agents=100, customers=4_000, availability=True),
    # The workload of issue 22's table: new conversations 70% (half of them returning customers, all seen two
    # days ago), resolves 30%.
    "routed": Workload("routed", teams=6, agents=60, customers=4_000, mix=(0.70, 0.30, 0.0), seen_days=2.0),
}


def one_team(agents: int) -> Workload:
    """A directory of one team (team00) of `agents` agents, all online, and new customers only."""
    return Workload(f"team{agents}", teams=1, agents=agents, customers=1, returning=0.0, mix=(1.0, 0.0, 0.0),
                    away_every=agents + 1)


def sign(timestamp: int, body: bytes) -> str:
    return hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed(body: dict) -> tuple[int, str, str]:
    raw = json.dumps(body, separators=(",", ":"))
    stamp = int(time.time())
    return stamp, "v1=" + sign(stamp, raw.encode()), raw


@dataclass
class Stream:
    """One client thread's events, in sending order: (kind letter, conversation id) and the signed line."""
    tag: str
    events: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def kinds(self, sent: int | None = None) -> list[str]:
        return [kind for kind, _ in self.events[:sent]]

    def still_open(self, sent: int, margin: int) -> list[str]:
        """Conversations created among the first `sent` events, at least `margin` events before the last one
        sent, and not resolved by then: safe to resolve or write to in a later stream."""
        gone = {conv for kind, conv in self.events[:sent] if kind == RESOLVED}
        return [conv for kind, conv in self.events[:max(0, sent - margin)]
                if kind in (RETURNING, NEW) and conv not in gone]


def make_stream(work: Workload, tag: str, count: int, lag: int, pool: list[str], seed: str) -> Stream:
    """`count` fresh events in the workload's mix. Resolves and messages pick an open conversation created at
    least `lag` events earlier (or one from `pool`); until one exists the event is a created one instead."""
    rng = random.Random(seed)
    stream = Stream(tag)
    ready, waiting = list(pool), deque()  # waiting: (index, conversation) not yet `lag` events old
    occurred = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    for i in range(count):
        while waiting and waiting[0][0] <= i - lag:
            ready.append(waiting.popleft()[1])
        kind = rng.choices(KINDS, weights=work.mix)[0]
        if kind != "created" and not ready:
            kind = "created"
        body = {"id": f"{tag}-e{i}", "type": f"conversation.{kind}", "occurred_at": occurred}
        if kind == "created":
            conv = f"{tag}-c{i}"
            returning = rng.random() < work.returning
            customer = f"cust{rng.randrange(work.customers)}" if returning else f"{tag}-n{i}"
            body.update(conversation={"id": conv, "url": f"https://help.example.com/c/{conv}"},
                        customer={"id": customer, "name": "A customer"}, team=rng.choice(work.team_ids()))
            waiting.append((i, conv))
            stream.events.append((RETURNING if returning else NEW, conv))
        else:
            at = rng.randrange(len(ready))
            conv = ready[at]
            if kind == "resolved":
                ready[at] = ready[-1]
                ready.pop()
            body["conversation"] = {"id": conv}
            stream.events.append((RESOLVED if kind == "resolved" else MESSAGE, conv))
        stream.lines.append("\t".join(map(str, signed(body))))
    return stream


def write_streams(streams: list[Stream], prefix: Path) -> None:
    """One file per client thread: PREFIX.0, PREFIX.1, ... (the wrk script reads its thread's file)."""
    for n, stream in enumerate(streams):
        Path(f"{prefix}.{n}").write_text("\n".join(stream.lines) + "\n")


def sent_mix(streams: list[Stream], sent: list[int]) -> dict:
    """What the first `sent[n]` events of each stream were: the mix and the returning share actually sent."""
    counts = Counter(k for stream, n in zip(streams, sent) for k in stream.kinds(n))
    total = sum(counts.values()) or 1
    created = counts[RETURNING] + counts[NEW]
    return {"events": sum(counts.values()),
            "mix": {"created": created / total, "resolved": counts[RESOLVED] / total,
                    "message": counts[MESSAGE] / total},
            "returning_share": counts[RETURNING] / created if created else 0.0}
