"""What the API and the webhooks answer, as models: the OpenAPI document's response schemas.

The services build these answers as plain dicts (bot/service/*); these models say what is in them, and the
schemathesis tests (tests/e2e/test_openapi_fuzz.py) hold every answer to them. A field that is not declared
here is not allowed in an answer, so a new field shows up as a failing test until it is declared.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from routing import Miss, Outcome, Rule, Status
from routing.availability import Planned, Source as NowSource, State as NowState

from ..errors import ErrorCode
from ..service import stats
from ..store import AbsenceSource, ConversationStatus

Decided = Literal[tuple(str(o) for o in Outcome)]  # a decision's outcome
Kept = Literal[tuple(str(s) for s in ConversationStatus if s != ConversationStatus.NEW)]  # a stored conversation


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Detail(Answer):
    field: str = Field(description="The field to fix, dotted (`customer.id`), or `(body)`, `(query)`.")
    message: str


class ErrorOut(Answer):
    """Every error on every call."""

    error: ErrorCode
    message: str = Field(description="What went wrong, in words a person can act on.")
    details: list[Detail] | None = Field(None, description="Each field that does not fit (422).")


class TeamOut(Answer):
    id: str
    name: str
    members: list[str] = Field(description="The ids of its agents.")


class Availability(Answer):
    state: NowState
    until: datetime | None = Field(description="When that changes, when known.")
    why: str
    source: NowSource


class AgentOut(Answer):
    id: str
    name: str
    email: str | None
    slack_user_id: str | None
    teams: list[str]
    status: Status
    max_open: int | None = Field(description="Open conversations it takes at most; null: no limit.")
    active: bool = Field(description="False once deactivated: never picked again.")
    open_load: int
    available: bool = Field(description="Available now: rules 3-4 may pick it (see `availability`).")
    time_zone: str | None = Field(description="Its IANA time zone; null: the workspace's.")
    hours: dict[str, list[list[str]]] | None = Field(
        description="Working hours by weekday, e.g. {\"mon\": [[\"09:00\", \"17:00\"]]}; null: always.")
    cover: list[str] = Field(description="Who covers for it while it is absent, in order.")
    availability: Availability


class Rerouted(Answer):
    conversation: str
    status: Decided
    agent: str | None
    rule: Rule


class AgentDeactivated(AgentOut):
    rerouted: list[Rerouted] = Field(description="Its open and held conversations, and where each went.")


class SettingsOut(Answer):
    sticky_days: int
    availability_check: bool
    drain_unassigned: bool
    sticky_wait_minutes: int
    claim_minutes: int


class DecisionOut(Answer):
    status: Decided
    agent: str | None
    team: str | None
    rule: Rule
    reason: str
    at: datetime
    event: str | None = Field(description="The event that caused it, when one did.")
    trigger: str | None = Field(description="What made stickybot decide: event, drain, claim_lapse, ...")


class ConversationOut(Answer):
    conversation: str
    customer: str
    status: Kept
    agent: str | None
    team: str | None
    url: str | None
    label: str | None = Field(description="What the channel calls it, in words (Zammad: the ticket's number).")
    channel: str
    created_at: datetime
    queued_at: datetime | None
    held_until: datetime | None
    claim_due: datetime | None
    claimed_at: datetime | None
    left_out: list[str] = Field(description="Agents left out of its automatic picks until it is resolved.")
    decisions: list[DecisionOut] = Field(description="Every decision, oldest first.")


class Queued(Answer):
    conversation: str
    customer: str
    team: str | None
    url: str | None
    queued_at: datetime | None


class Held(Answer):
    conversation: str
    customer: str
    held_for: str = Field(description="The agent it waits for.")
    team: str | None
    held_since: datetime | None
    held_until: datetime | None


class Sticky(Answer):
    agent: str
    last_interaction_at: datetime
    expires_at: datetime
    active: bool = Field(description="False once outside the window.")


class CustomerOut(Answer):
    customer: str
    sticky: Sticky | None = Field(description="The stored link; null when none is stored.")
    blocked_agents: list[str]


class Forgotten(Answer):
    customer: str
    forgotten: Literal[True]
    conversations_kept: int
    alias: str = Field(description="The anonymous id its conversations are kept under.")


class Preview(Answer):
    customer: str
    team: str | None
    status: Decided
    agent: str | None
    rule: Rule
    reason: str
    at: datetime = Field(description="The server's time the decision was made for.")
    held_until: datetime | None = None


class Spread(Answer):
    median: float | None
    p90: float | None


Misses = create_model("Misses", __base__=Answer, **{str(m): (int, ...) for m in Miss})


# How returning customers were routed: to_their_agent, after_hold, to_cover, to_teammate, to_unassigned.
Split = create_model("Split", __base__=Answer, **{name: (int, ...) for name in stats.SPLIT.values()})


class Figures(Split):
    routed: int
    returning: int
    misses: Misses
    window_passed: int
    unassigned_wait_s: Spread
    hold_wait_s: Spread
    claim_lapses: int


class DayFigures(Figures):
    day: date


class StatsOut(Answer):
    days: int
    total: Figures
    by_day: list[DayFigures]
    by_team: dict[str, Figures]
    by_agent: dict[str, Figures]
    by_agent_next: str | None = Field(None, description="The cursor of the next page of `by_agent` (pass it as "
                                                        "`cursor`), or null on the last page.")


class AuditEntry(Answer):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AuditPage(Answer):
    items: list[AuditEntry] = Field(description="Newest first.")
    next: int | None = Field(description="`before` for the next page; null on the last.")


class Absence(Answer):
    id: int
    agent: str
    start: datetime
    end: datetime | None
    cover: list[str]
    note: str | None
    source: AbsenceSource = Field(description="Who set it, or the outside source it follows.")


class Interval(Answer):
    state: Planned
    start: datetime
    end: datetime
    source: str | None


class Plan(Answer):
    agent: str
    time_zone: str
    from_: datetime = Field(alias="from")
    to: datetime
    intervals: list[Interval]


class _Deadlines(Answer):
    held_until: datetime | None = None
    claim_due: datetime | None = None
    claimed_at: datetime | None = None


class Routed(_Deadlines):
    """A conversation.created or .reopened: the decision."""

    conversation: str
    status: Kept
    agent: str | None
    team: str | None
    rule: Rule | None
    reason: str | None
    duplicate: bool = Field(description="True: seen before; nothing changed.")


class Current(_Deadlines):
    """A .resolved, .assigned or .message: the conversation's state after it."""

    conversation: str
    status: Kept
    agent: str | None
    duplicate: bool


class Ignored(Answer):
    """Nothing to do, and a 4xx would only make the channel send it again."""

    conversation: str | None
    status: Literal["ignored"]
    agent: str | None
    reason: str
    duplicate: bool


EventAnswer = Routed | Current | Ignored


class OpenApiDocument(BaseModel):
    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
