"""The vocabulary of a routing decision: what goes in, what comes out."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Iterable, Protocol, Sequence

from .hours import Hours


class Rule(StrEnum):
    """Rule names are part of the public contract (answers, metrics, /sticky why)."""

    EXPLICIT_AGENT = "explicit_agent"
    EXPLICIT_TEAM = "explicit_team"
    EXPLICIT_UNKNOWN = "explicit_unknown"
    STICKY = "sticky"
    STICKY_TEAM = "sticky_team"
    STICKY_TEAMS = "sticky_teams"
    DEFAULT = "default"
    UNASSIGNED = "unassigned"
    QUEUE = "queue"
    STICKY_HOLD = "sticky_hold"  # held for the returning customer's agent, who is away or full
    TAKEN = "taken"              # an agent took it with Take it (or /sticky take), whatever its status
    SUCCESSOR = "successor"      # a departing agent's conversation went to the successor named for it
    BLOCKED = "blocked"          # the flow named an agent this customer must never be routed to
    COVER = "cover"              # the returning customer's agent is absent: the first available of its cover
    # Not a routing outcome: a reassignment made by a person in the chat tool,
    # recorded in a conversation's history so that `why` can tell the whole story.
    MANUAL = "manual"


class Status(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class Outcome(StrEnum):
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"
    HELD = "held"  # waiting for the returning customer's agent: in nobody's load, not in the queue


class Miss(StrEnum):
    """Why a returning customer (a link inside the window) did not go straight to their agent."""

    AWAY = "away"
    OFFLINE = "offline"
    FULL = "full"
    DEACTIVATED = "deactivated"
    BLOCKED = "blocked"
    FLOW_OVERRIDE = "flow_override"
    ABSENT = "absent"      # their agent was absent (the customer went to a cover, or a fallback)
    OFF_DUTY = "off_duty"  # their agent was outside its working hours


@dataclass(frozen=True, slots=True)
class Absence:
    """An agent away for a while (CONTRACT.md 9.2): from `start` until `end` (None: until it is ended), its
    returning customers going to the first available of `cover` meanwhile."""

    start: datetime
    end: datetime | None = None
    cover: tuple[str, ...] = ()
    note: str | None = None
    source: str = "api"
    id: int | None = None

    def covers(self, at: datetime) -> bool:
        return self.start <= at and (self.end is None or at < self.end)


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    status: Status = Status.ONLINE
    active: bool = True
    max_open: int | None = None
    open_load: int = 0
    # Position in stickybot's sequence of assignments; None = never assigned.
    last_assigned: int | None = None
    email: str | None = None
    # What decides whether it is there at a given instant (routing.availability): its working hours in its
    # zone (None: always on duty), its absences (those that matter from the decision's time on), and a Slack
    # do-not-disturb window.
    time_zone: str = "UTC"
    hours: Hours | None = None
    absences: tuple[Absence, ...] = ()
    dnd: tuple[datetime, datetime] | None = None

    @property
    def has_room(self) -> bool:
        return self.max_open is None or self.open_load < self.max_open


@dataclass(frozen=True, slots=True)
class Settings:
    sticky_days: int = 7
    availability_check: bool = True
    drain_unassigned: bool = True
    sticky_wait_minutes: int = 0  # hold for an away or full linked agent this long (0: never hold)
    claim_minutes: int = 0        # an assignment must be claimed within this long (0: no claim timer)


@dataclass(frozen=True, slots=True)
class Link:
    agent_id: str
    last_interaction_at: datetime
    covered_by: str | None = None  # who covered the customer last while their agent was absent


@dataclass(frozen=True, slots=True)
class Event:
    """What one routing decision is about."""

    customer_id: str
    occurred_at: datetime
    team: str | None = None
    assign_agent: str | None = None
    assign_team: str | None = None
    availability_check: bool | None = None
    # Agents this decision must not pick (a released or deactivated holder, who let a claim lapse...).
    exclude: frozenset[str] = field(default_factory=frozenset)
    # The customer already waited for this agent (a hold ran out): if it is still the linked agent, no second
    # hold, rule 3's fallbacks without it; it is never picked either way.
    waited_for: str | None = None
    # A conversation whose agent is absent (open, and the customer wrote; or held for it): it goes to that
    # agent's cover, or rule 3's fallbacks with the conversation's team, whoever the customer's link names.
    absent_holder: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    status: Outcome
    agent: str | None
    team: str | None
    rule: Rule
    reason: str
    # For decisions made about a returning customer: who helped them last, and how long ago.
    linked_agent: str | None = None
    since: timedelta | None = None
    # True when the agent was chosen for being available: taking its seat must then find it still available
    # (another decision may have filled it meanwhile). False for an agent assigned whatever its state.
    needs_room: bool = False
    held_until: datetime | None = None  # for a hold: until when the conversation waits for `agent`
    # What the stickiness figures need, known only now: the customer had a link inside the window (returning),
    # or one that had run out (window_passed); and why a returning customer missed their agent.
    returning: bool = False
    window_passed: bool = False
    miss: Miss | None = None
    # The customer's link stays with their absent agent (CONTRACT.md 9.2): this assignment moves its time
    # forward instead of moving it to `agent`.
    keeps_link: bool = False
    # Rule cover: whose customer it is, and until when that agent is away (None: no end set).
    covering: str | None = None
    covering_until: datetime | None = None

    @property
    def assigned(self) -> bool:
        return self.status == Outcome.ASSIGNED

    @property
    def held(self) -> bool:
        return self.status == Outcome.HELD


class Directory(Protocol):
    """Read access to the agent directory, as one decision needs it.

    The store answers from the database (loading only what is asked for);
    tests answer from memory. Every method is a pure read.
    """

    def agent(self, ref: str) -> Agent | None:
        """An agent by id or e-mail, active or not."""

    def team_exists(self, team_id: str) -> bool: ...

    def members(self, team_id: str) -> Sequence[Agent]:
        """The active members of a team."""

    def teams_of(self, agent_id: str) -> Sequence[str]:
        """The teams an agent belongs to."""

    def everyone(self) -> Sequence[Agent]:
        """Every active agent."""

    def candidates(self, team_id: str) -> Iterable[Sequence[Agent]]:
        """The team's active members that could be available (online, below capacity), in batches in the order
        of routing.rank, so that a pick reads only the first few (routing.pick_in)."""
