"""What the store reads and writes: one type per thing, and the closed sets of strings they carry."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar
from datetime import datetime
from enum import StrEnum

import routing
from routing import Hours, Status, availability


class ConversationStatus(StrEnum):
    NEW = "new"                # not stored yet: its first decision writes it
    ASSIGNED = "assigned"
    UNASSIGNED = "unassigned"  # waiting in the Unassigned queue
    RESOLVED = "resolved"
    HELD = "held"              # waiting for the returning customer's agent (in nobody's load, not queued)


class Trigger(StrEnum):
    """What made stickybot decide: recorded with every decision (the stickiness figures read it)."""

    EVENT = "event"                # a chat channel's created/reopened event
    MANUAL = "manual"              # a person moved it in the chat tool
    DRAIN = "drain"                # an agent had room for a queued conversation
    CAME_BACK = "came_back"        # the agent a held conversation waited for came back
    HOLD_OVER = "hold_over"        # the wait ran out
    TAKEN = "taken"                # an agent took it (Take it, /sticky take)
    RELEASE = "release"            # its agent released it
    CLAIM_LAPSE = "claim_lapse"    # its agent did not take it in time
    DEACTIVATION = "deactivation"  # its agent was deactivated
    SUCCESSOR = "successor"        # its agent left and named a successor
    ABSENT = "absent"              # its agent is absent (the customer wrote, or it was held for that agent)
    OFF_DUTY = "off_duty"          # the agent it was held for went off duty and is not back in time
    REFUSED = "refused"            # the helpdesk refused its agent as owner (Zammad's silent refusal)


class OutboxKind(StrEnum):
    SLACK_HANDOFF = "slack.handoff"    # a decision's DM (a handoff, a hold, a queue notice)
    SLACK_RELEASED = "slack.released"  # the released DM, updated to say where the conversation went
    SLACK_UPDATE = "slack.update"      # a decision's DM, updated when its hold ended or its claim lapsed
    SLACK_HOME = "slack.home"          # an agent's App Home, published again (views.publish)
    SLACK_ZONE = "slack.zone"          # an agent's time zone, asked of Slack (users.info)
    CHATWOOT_ASSIGN = "chatwoot.assign"
    CHATWOOT_LEARN_USERS = "chatwoot.learn_users"
    ZAMMAD_ASSIGN = "zammad.assign"
    ZAMMAD_LEARN_USERS = "zammad.learn_users"

    @classmethod
    def of(cls, channel: str, job: str) -> "OutboxKind | None":
        """A channel's kind for `job` (a helpdesk's "assign": write a decision back, "learn_users": match its
        users to agents), if the channel has one."""
        try:
            return cls(f"{channel}.{job}")
        except ValueError:
            return None


class OutboxState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"  # the outside service took it
    SKIPPED = "skipped"      # nothing was sent, and nothing needs to be (superseded, nowhere to post)
    FAILED = "failed"        # refused for good


@dataclass
class Conversation:
    """A conversation as the use-cases read and change it; `stored` is False until its first decision."""

    id: str
    customer_id: str
    status: ConversationStatus
    agent_id: str | None = None
    team: str | None = None
    url: str | None = None
    channel: str = "widget"
    created_at: datetime | None = None
    queued_at: datetime | None = None
    queue_seq: int | None = None
    held_since: datetime | None = None
    held_until: datetime | None = None
    claim_due: datetime | None = None
    claimed_at: datetime | None = None
    label: str | None = None  # what the channel calls it, in words (Zammad: "Ticket#31118")
    stored: bool = True

    @property
    def holder(self) -> str | None:
        """The agent whose seat (open load) this conversation takes, if any."""
        return self.agent_id if self.status == ConversationStatus.ASSIGNED else None

    @property
    def held_for(self) -> str | None:
        return self.agent_id if self.status == ConversationStatus.HELD else None


@dataclass(frozen=True)
class DecisionRecord:
    id: int
    conversation_id: str
    status: str
    agent_id: str | None
    team: str | None
    rule: str
    reason: str
    decided_at: datetime
    event_id: str | None = None
    trigger: str | None = None
    is_returning: bool = False
    window_passed: bool = False
    miss: str | None = None
    linked_agent: str | None = None
    held_until: datetime | None = None


# Where each helpdesk's own ids are kept on agents and teams: the one table of their names.
OUTSIDE_USER = {"chatwoot": "chatwoot_user_id", "zammad": "zammad_user_id"}
OUTSIDE_TEAM = {"chatwoot": "chatwoot_team_id", "zammad": "zammad_group_id"}


class _OutsideIds:
    """A record that remembers its id in each helpdesk, in the fields `_outside` names by channel."""

    _outside: ClassVar[dict[str, str]]

    def outside_id(self, channel: str) -> int | None:
        return getattr(self, self._outside[channel])

    def with_outside_id(self, channel: str, outside_id: int | None):
        return replace(self, **{self._outside[channel]: outside_id})


@dataclass(frozen=True)
class AgentRecord(_OutsideIds):
    _outside: ClassVar[dict[str, str]] = OUTSIDE_USER

    id: str
    name: str
    email: str | None = None
    slack_user_id: str | None = None
    status: Status = Status.OFFLINE
    max_open: int | None = None
    active: bool = True
    open_load: int = 0
    last_assigned: int | None = None
    chatwoot_user_id: int | None = None
    teams: tuple[str, ...] = ()
    zammad_user_id: int | None = None
    time_zone: str | None = None            # as set: None means the default zone (`zone`)
    hours: Hours | None = None              # None: always on duty
    cover: tuple[str, ...] = ()             # the default cover of its absences
    dnd: tuple[datetime, datetime] | None = None
    zone: str = "UTC"                       # the zone in effect
    # Its absences that had not ended when it was read, when the read asked for them (store.agent(at=...)).
    absences: tuple[routing.Absence, ...] = ()

    @property
    def routing(self) -> routing.Agent:
        return routing.Agent(id=self.id, status=self.status, active=self.active, max_open=self.max_open,
                             open_load=self.open_load, last_assigned=self.last_assigned, email=self.email,
                             time_zone=self.zone, hours=self.hours, absences=self.absences, dnd=self.dnd)

    def available_at(self, at: datetime) -> bool:
        """Available at `at` (its absences must have been read for `at`)."""
        return availability.available(self.routing, at)

    @property
    def seat_free(self) -> bool:
        """What taking a seat re-checks in the database: online, with room (the rest was decided already)."""
        return self.active and self.status == Status.ONLINE and self.routing.has_room


class AbsenceSource(StrEnum):
    API = "api"
    DASHBOARD = "dashboard"
    SLACK = "slack"
    CLI = "cli"
    SLACK_STATUS = "slack-status"
    ZAMMAD = "zammad"


@dataclass(frozen=True)
class AbsenceRecord:
    id: int | None
    agent_id: str
    start: datetime
    end: datetime | None
    cover: tuple[str, ...] = ()
    note: str | None = None
    source: str = AbsenceSource.API

    @property
    def routing(self) -> routing.Absence:
        return routing.Absence(self.start, self.end, self.cover, self.note, str(self.source), self.id)


@dataclass(frozen=True)
class TeamRecord(_OutsideIds):
    _outside: ClassVar[dict[str, str]] = OUTSIDE_TEAM
    id: str
    name: str
    chatwoot_team_id: int | None = None
    members: tuple[str, ...] = ()
    zammad_group_id: int | None = None


@dataclass(frozen=True)
class Seen:
    """What stickybot last applied of a helpdesk conversation's own state: as of the helpdesk's `updated_at`,
    the helpdesk user holding it (None: nobody) and its team there."""

    updated_at: datetime
    owner: int | None = None
    group_id: int | None = None


@dataclass(frozen=True)
class CustomerRecord:
    id: str
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class OutboxItem:
    """A claimed outbox row: the holder of `lease_until` alone may record its outcome."""

    id: int
    kind: OutboxKind
    payload: dict
    attempts: int
    lease_until: datetime


@dataclass(frozen=True)
class Preflight:
    """What every event needs first, read in one round trip."""

    answer: str | None                   # the answer an earlier delivery of this event got
    conversation_customer: str | None    # the conversation's customer, when the conversation exists
    settings: routing.Settings
    link: routing.Link | None            # the event's customer's link
    conversation_channel: str | None = None
    blocked: frozenset[str] = frozenset()  # agents the event's customer must never reach
    broken: routing.Link | None = None     # with no link: the one an admin broke last, and when
    holder_absent: bool = False            # the conversation's agent is absent at the event's time
    # Read with `lock` only: nothing is held for the conversation's agent and nothing waits in the queue, so
    # that freeing the agent's seat gives it nothing to take (None: not read).
    nothing_to_drain: bool | None = None

    @property
    def conversation_exists(self) -> bool:
        return self.conversation_customer is not None


@dataclass(frozen=True)
class Counts:
    """The figures /sticky status and /metrics show."""

    queue: int = 0
    links: int = 0
    held: int = 0
    online: int = 0  # active agents whose status is online
    outbox: dict[str, int] = field(default_factory=dict)
    alarms: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class WrongTokens:
    """A client's wrong admin tokens in its current window, and when that window began."""
    failures: int
    since: datetime
