"""An agent's Slack App Home (CONTRACT.md 9.4): what it shows, and asking for it to be published again when that
changes (an absence, a handoff, the agent's status), through the outbox, at most once per few seconds."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from integrations.slack.home import AbsenceLine, AgentLine, ConversationLine, CoveredLine, Home
from integrations.slack.when import clock, day, span
from routing import availability
from routing.availability import Planned
from routing.hours import wall_instant, zone as _tz

from ..store import AgentRecord, ConversationStatus, Store

EVERY_S = 5.0   # at most one publish per Slack user per this many seconds
WEEK = 7


def changed(store: Store, agent_id: str | None, at: datetime) -> None:
    """What an agent's Home shows changed: publish it again (if it was ever published)."""
    agent = store.agent(agent_id) if agent_id else None
    if agent is not None and agent.slack_user_id:
        store.want_home(agent.slack_user_id, at, EVERY_S, opened=False)


def opened(store: Store, user_id: str, at: datetime) -> bool:
    """The user opened their Home tab: publish it (unless a publish is on its way)."""
    return store.want_home(user_id, at, EVERY_S, opened=True)


def after_decision(store: Store, decision_id: int, at: datetime) -> None:
    """A handoff: the Homes of the agent a decision gave the conversation to (or holds it for), and of the agent
    who had it before."""
    decision = store.decision(decision_id)
    if decision is None:
        return
    before = store.decision_before(decision.conversation_id, decision.id)
    for agent_id in dict.fromkeys(a for a in (decision.agent_id, before.agent_id if before else None) if a):
        changed(store, agent_id, at)


def home(store: Store, user_id: str, at: datetime, admin: bool) -> Home:
    """What `user_id`'s Home shows at `at`: their own part if they are an agent, everyone's state for an admin."""
    found = store.agent_for_slack_user(user_id)
    everyone = _everyone(store, at) if admin else None
    if found is None:
        return Home(everyone=everyone, at=at)
    agent = store.agent(found.id, at=at)
    now = availability.explain(agent.routing, at)
    return Home(agent=agent.id, state=str(now.state), why=now.why, zone=agent.zone, week=week(store, agent, at),
                absences=_absences(store, agent, at), open=_conversations(store, agent.id, ConversationStatus.ASSIGNED),
                held=_conversations(store, agent.id, ConversationStatus.HELD), covered=_covered(store, agent.id),
                everyone=everyone, at=at)


def week(store: Store, agent: AgentRecord, at: datetime) -> list[tuple[str, list[str]]]:
    """The next seven days in the agent's zone, today first: when it is on duty, and absent."""
    today = at.astimezone(_tz(agent.zone)).date()
    starts = [wall_instant(today + timedelta(days=n), 0, agent.zone) for n in range(WEEK + 1)]
    seen = tuple(a.routing for a in store.absences(agent.id, since=starts[0]) if a.start < starts[-1])
    plan = availability.plan(replace(agent, absences=seen).routing, starts[0], starts[-1])
    days = []
    for first, last in zip(starts, starts[1:]):
        parts = []
        for interval in plan:
            begin, end = max(interval.start, first), min(interval.end, last)
            if begin >= end or interval.state == Planned.OFF_DUTY:
                continue
            what = "absent" if interval.state == Planned.ABSENT else "on duty"
            if (begin, end) == (first, last):
                parts.append(f"{what} all day")
            else:
                stop = "24:00" if end == last else clock(end.astimezone(_tz(agent.zone)))
                parts.append(f"{what} {clock(begin.astimezone(_tz(agent.zone)))}–{stop}")
        days.append((day(first.astimezone(_tz(agent.zone))), parts))
    return days


def _absences(store: Store, agent: AgentRecord, at: datetime) -> list[AbsenceLine]:
    return [AbsenceLine(a.id, span(a.start, a.end, agent.zone), a.cover, a.note, str(a.source), a.start <= at)
            for a in store.absences(agent.id, since=at)]


def _conversations(store: Store, agent_id: str, status: ConversationStatus) -> list[ConversationLine]:
    found = []
    for conv in store.conversations_of(agent_id, status)[:21]:
        customer = store.customer(conv.customer_id)
        found.append(ConversationLine(conv.id, conv.customer_id, customer.name if customer else None, conv.url,
                                      conv.held_until if status == ConversationStatus.HELD else None))
    return found


def _covered(store: Store, agent_id: str) -> list[CoveredLine]:
    return [CoveredLine(c.customer_id, c.customer_name, c.covered_by, c.at, c.conversation_id, c.conversation_agent,
                        c.url) for c in store.covered_customers(agent_id, 21)]


def _everyone(store: Store, at: datetime) -> list[AgentLine]:
    lines = []
    for agent in store.agents(active_only=True, at=at):
        now = availability.explain(agent.routing, at)
        lines.append(AgentLine(agent.id, str(now.state), now.why))
    return lines
