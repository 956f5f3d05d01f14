"""The tables. Times are aware UTC datetimes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, false as sa_false, text
from sqlmodel import Field, SQLModel


_UNCLAIMED = "claim_due IS NOT NULL AND claimed_at IS NULL"


class WorkspaceSettings(SQLModel, table=True):
    __tablename__ = "settings"
    id: int = Field(default=1, primary_key=True)
    sticky_days: int = 7
    availability_check: bool = True
    drain_unassigned: bool = True
    sticky_wait_minutes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    claim_minutes: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Team(SQLModel, table=True):
    __tablename__ = "team"
    id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=200)
    chatwoot_team_id: int | None = Field(default=None, index=True)
    zammad_group_id: int | None = Field(default=None, index=True)


class AgentRow(SQLModel, table=True):
    __tablename__ = "agent"
    id: str = Field(primary_key=True, max_length=128)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320, unique=True)
    slack_user_id: str | None = Field(default=None, max_length=64, index=True)
    status: str = Field(default="offline", max_length=16)
    max_open: int | None = None
    active: bool = True
    open_load: int = 0
    last_assigned: int | None = None
    chatwoot_user_id: int | None = Field(default=None, index=True)
    zammad_user_id: int | None = Field(default=None, index=True)
    # When it works (CONTRACT.md 9.1): its IANA zone (None: the default zone) and weekly hours (JSON; None:
    # always on duty); whom its returning customers go to while it is absent, unless an absence says otherwise
    # (JSON list); and a Slack do-not-disturb window.
    time_zone: str | None = Field(default=None, max_length=64)
    hours: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    cover: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    dnd_start: datetime | None = None
    dnd_end: datetime | None = None


class Membership(SQLModel, table=True):
    """An agent in a team, with the agent's place in the team's pick order copied onto it by the database's
    own triggers (migration 0015), so that the least-loaded available member is an index seek, not a read of
    the whole team: `ready` (active, online, below capacity), `open_load`, and `rotation` (its last_assigned,
    -1 for never)."""
    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_pick", "team_id", "open_load", "rotation", "agent_id",
                            sqlite_where=text("ready"), postgresql_where=text("ready")),)
    agent_id: str = Field(foreign_key="agent.id", primary_key=True, max_length=128)
    team_id: str = Field(foreign_key="team.id", primary_key=True, max_length=128, index=True)
    ready: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    open_load: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    rotation: int = Field(default=-1, sa_column_kwargs={"server_default": "-1"})


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    id: str = Field(primary_key=True, max_length=128)
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    # The link an admin broke (or a block removed) last, and when: the next decision says so.
    broken_link_agent: str | None = Field(default=None, max_length=128)
    broken_link_at: datetime | None = None


class StickyLink(SQLModel, table=True):
    __tablename__ = "sticky_link"
    # Partial: only links a cover keeps for an absent agent are in it (an agent's App Home lists them).
    __table_args__ = (Index("ix_sticky_link_covered", "agent_id", sqlite_where=text("covered_by IS NOT NULL"),
                            postgresql_where=text("covered_by IS NOT NULL")),)
    customer_id: str = Field(primary_key=True, max_length=128)
    agent_id: str = Field(max_length=128)
    last_interaction_at: datetime = Field(index=True)
    # Who covered the customer last while `agent_id` was absent (the link stayed with `agent_id`).
    covered_by: str | None = Field(default=None, max_length=128)


class AbsenceRow(SQLModel, table=True):
    """An agent away from `starts_at` until `ends_at` (None: until it is ended), with its covers in order."""

    __tablename__ = "absence"
    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(max_length=128, index=True)
    starts_at: datetime
    ends_at: datetime | None = Field(default=None, index=True)
    cover: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of agent ids
    note: str | None = Field(default=None, max_length=500)
    source: str = Field(max_length=16)  # api | dashboard | slack | cli | slack-status | zammad
    created_at: datetime


class Conversation(SQLModel, table=True):
    __tablename__ = "conversation"
    __table_args__ = (
        Index("ix_conversation_agent_status", "agent_id", "status"),
        Index("ix_conversation_status_queued", "status", "queued_at"),
        # Partial: only the few conversations held, or waiting for a claim, are in these (no index write for
        # every other conversation).
        Index("ix_conversation_held_until", "held_until", sqlite_where=text("status = 'held'"),
              postgresql_where=text("status = 'held'")),
        Index("ix_conversation_claim_due", "claim_due", sqlite_where=text(_UNCLAIMED),
              postgresql_where=text(_UNCLAIMED)),
        # The dashboard's (and the API's) pages of the queue and of the held conversations, in their order.
        Index("ix_conversation_queue_order", "queued_at", "queue_seq", sqlite_where=text("status = 'unassigned'"),
              postgresql_where=text("status = 'unassigned'")),
        Index("ix_conversation_held_order", "held_since", "id", sqlite_where=text("status = 'held'"),
              postgresql_where=text("status = 'held'")),
    )
    id: str = Field(primary_key=True, max_length=200)
    customer_id: str = Field(max_length=128, index=True)
    status: str = Field(max_length=16)  # assigned | unassigned | held | resolved
    agent_id: str | None = Field(default=None, max_length=128)
    team: str | None = Field(default=None, max_length=128)
    url: str | None = Field(default=None, max_length=2048)
    channel: str = Field(default="widget", max_length=32)
    created_at: datetime
    queued_at: datetime | None = None
    # The order the queue keeps: a conversation's place in line (smaller = older).
    queue_seq: int | None = None
    updated_at: datetime
    held_since: datetime | None = None   # a hold: when it began, and until when it lasts
    held_until: datetime | None = None
    claim_due: datetime | None = None    # an assignment to claim: by when, and when it was claimed
    claimed_at: datetime | None = None
    label: str | None = Field(default=None, max_length=200)  # what the channel calls it (Zammad: the ticket number)


class DecisionRow(SQLModel, table=True):
    __tablename__ = "decision"
    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=200, index=True)
    status: str = Field(max_length=16)
    agent_id: str | None = Field(default=None, max_length=128)
    team: str | None = Field(default=None, max_length=128)
    rule: str = Field(max_length=32)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    decided_at: datetime = Field(index=True)
    event_id: str | None = Field(default=None, max_length=200)
    # What made stickybot decide (bot.store.Trigger), and what the stickiness figures need from this moment.
    trigger: str | None = Field(default=None, max_length=16)
    is_returning: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    window_passed: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    miss: str | None = Field(default=None, max_length=16)
    linked_agent: str | None = Field(default=None, max_length=128)
    held_until: datetime | None = None


class LeftOut(SQLModel, table=True):
    """Agents left out of a conversation's automatic picks until it is resolved (they released it or let a
    claim lapse)."""

    __tablename__ = "left_out"
    conversation_id: str = Field(primary_key=True, max_length=200)
    agent_id: str = Field(primary_key=True, max_length=128)


class CustomerBlock(SQLModel, table=True):
    """Never route this customer to this agent."""

    __tablename__ = "customer_block"
    customer_id: str = Field(primary_key=True, max_length=128)
    agent_id: str = Field(primary_key=True, max_length=128)
    created_at: datetime


class SlackMessage(SQLModel, table=True):
    """Where a decision's DM was posted, so that it can be updated when things change."""

    __tablename__ = "slack_message"
    decision_id: int = Field(primary_key=True)
    channel: str = Field(max_length=64)
    ts: str = Field(max_length=64)


class AuditEntry(SQLModel, table=True):
    """A change a person or an operator made to settings, agents, teams, links, blocks or customers."""

    __tablename__ = "audit"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime
    actor: str = Field(max_length=80)    # api | slack:<user id> | cli | chatwoot-sync | zammad-sync | dashboard
    action: str = Field(max_length=32)
    target: str = Field(max_length=200, index=True)  # what changed: "settings", an agent, team or customer id
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))   # JSON


class ProcessedEvent(SQLModel, table=True):
    """Idempotency: every accepted delivery's key and the answer it got."""

    __tablename__ = "processed_event"
    key: str = Field(primary_key=True, max_length=300)
    conversation_id: str | None = Field(default=None, max_length=200, index=True)
    answer: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = Field(index=True)


class OutboxRow(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due", "state", "next_attempt_at"),
                      # Retention's: only finished rows have a sent_at.
                      Index("ix_outbox_sent_at", "sent_at", sqlite_where=text("sent_at IS NOT NULL"),
                            postgresql_where=text("sent_at IS NOT NULL")))
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", max_length=16)  # pending | delivered | skipped | failed
    attempts: int = 0
    next_attempt_at: datetime
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime
    sent_at: datetime | None = None


class SlackEvent(SQLModel, table=True):
    """A Slack signal applied (CONTRACT.md 9.4): each event once, by its id; and per user and signal the newest
    one's time, so an older one changes nothing."""

    __tablename__ = "slack_event"
    __table_args__ = (Index("ix_slack_event_user_signal", "slack_user_id", "signal", "event_time"),)
    event_id: str = Field(primary_key=True, max_length=64)
    slack_user_id: str = Field(max_length=64)
    signal: str = Field(max_length=16)  # status | dnd | profile
    event_time: datetime                # the envelope's event_time
    applied_at: datetime = Field(index=True)


class SlackHome(SQLModel, table=True):
    """A Slack user whose App Home stickybot publishes, and when its latest publish is due (at most one per few
    seconds)."""

    __tablename__ = "slack_home"
    slack_user_id: str = Field(primary_key=True, max_length=64)
    due_at: datetime


class DashboardSession(SQLModel, table=True):
    """A signed-in dashboard browser: its cookie carries the session id, this row its SHA-256 (the id itself is
    never stored). Signing out deletes the row; so does expiry (retention), and the cookie alone opens nothing."""

    __tablename__ = "dashboard_session"
    key: str = Field(primary_key=True, max_length=64)
    created_at: datetime
    expires_at: datetime = Field(index=True)


class WrongToken(SQLModel, table=True):
    """Wrong admin tokens from one client (an address, an IPv6 /64) in its current window: shared by every
    process, for the dashboard's sign-in and the admin API alike."""

    __tablename__ = "wrong_token"
    client: str = Field(primary_key=True, max_length=64)
    failures: int
    since: datetime = Field(index=True)  # the first wrong token of the window


class HelpdeskSeen(SQLModel, table=True):
    """What stickybot last applied of a helpdesk conversation's own state (Zammad: its ticket's owner and group,
    as of the ticket's `updated_at`), so that an older snapshot, or a captured one sent again, changes nothing."""

    __tablename__ = "helpdesk_seen"
    conversation_id: str = Field(primary_key=True, max_length=200)
    updated_at: datetime
    owner: int | None = None     # the helpdesk's user holding it then (None: nobody)
    group_id: int | None = None  # the helpdesk's team (Zammad: group) then


class OutboxPause(SQLModel, table=True):
    """A sender whose deliveries wait because its credentials were refused: in the database, so that every
    process honours it and `stickybot outbox retry` ends it at once."""

    __tablename__ = "outbox_pause"
    channel: str = Field(primary_key=True, max_length=32)
    until: datetime
    error: str | None = Field(default=None, max_length=200)
