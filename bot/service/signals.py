"""Signals from Slack (CONTRACT.md 9.4): a status that says the agent is away becomes an absence (source
`slack-status`), do-not-disturb makes the agent away until it ends, and Slack's time zone fills one the agent
lacks. Each event is applied once, an older one than the last applied (per user and signal) changes nothing,
and events about Slack users who are not agents are ignored."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from routing.hours import known_zone

from ..errors import Invalid
from ..store import AbsenceSource, AgentRecord, OutboxKind, Store
from . import absences, assignment, directory, home
from .audit import By


@dataclass(frozen=True)
class Signal:
    """One Slack event, as its envelope tells it."""

    event_id: str
    user_id: str
    kind: str       # status | dnd | profile: "older" is measured among events of one kind
    at: datetime    # the envelope's event_time


class AbsentStatus:
    """Which Slack statuses say the agent is away: an emoji of the list, or a word or phrase of the list in the
    text, whole words, case-insensitive ("On vacation" has `vacation`; "Leaving early" has no `leave`)."""

    def __init__(self, emoji: tuple[str, ...], words: tuple[str, ...]):
        self.emoji = frozenset(_emoji_name(e) for e in emoji if _emoji_name(e))
        phrases = [r"\s+".join(map(re.escape, w.split())) for w in words if w.split()]
        self.words = re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE) if phrases else None

    def matches(self, emoji: str | None, text: str | None) -> bool:
        if emoji and _emoji_name(emoji) in self.emoji:
            return True
        return bool(text and self.words is not None and self.words.search(text))


def _emoji_name(emoji: str) -> str:
    """`:palm_tree:`, `palm_tree` and `:palm_tree::skin-tone-2:` all name palm_tree."""
    parts = [p for p in emoji.strip().lower().split(":") if p]
    return parts[0] if parts else ""


def _agent(store: Store, sig: Signal, now: datetime) -> AgentRecord | None:
    """The agent the event is about, locked (events about one agent apply one after the other), if it is an
    agent and the event is new and not older than the last applied."""
    found = store.agent_for_slack_user(sig.user_id)
    if found is None:
        return None
    agent = store.agent(found.id, for_update=True, at=now)
    if store.note_slack_event(sig.event_id, sig.user_id, sig.kind, sig.at, now) != "new":
        return None
    return agent


def status_changed(store: Store, sig: Signal, user: dict, absent: AbsentStatus, now: datetime) -> str:
    """A status that matches starts (or moves) the agent's slack-status absence, from the event's time until the
    status expires (0: until it is cleared), covered by the agent's default cover; any other status, or none,
    ends that absence. Absences set another way are never touched. The user's zone (`tz`) fills the agent's if
    it has none. Says what happened."""
    agent = _agent(store, sig, now)
    if agent is None:
        return "ignored"
    take_zone(store, agent, user.get("tz"), now)
    profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
    emoji, text = _text(profile.get("status_emoji")), _text(profile.get("status_text"))
    wish = None
    if absent.matches(emoji, text):
        expires = _seconds(profile.get("status_expiration"))
        end = datetime.fromtimestamp(expires, timezone.utc) if expires else None
        note = (text or emoji or "")[:500] or None
        wish = absences.Wish(start=sig.at, end=end, cover=agent.cover, note=note)
    return absences.sync_external(store, agent.id, AbsenceSource.SLACK_STATUS, wish, By(f"slack:{sig.user_id}", now))


def dnd_changed(store: Store, sig: Signal, dnd: dict, now: datetime) -> str:
    """Do-not-disturb on, with the event's time inside its window: away until the window ends (source
    slack-dnd). Anything else: not in do-not-disturb (and an agent available again takes what waits for it)."""
    agent = _agent(store, sig, now)
    if agent is None:
        return "ignored"
    start, end = _seconds(dnd.get("next_dnd_start_ts")), _seconds(dnd.get("next_dnd_end_ts"))
    window = None
    if dnd.get("dnd_enabled") is True and start and end and start <= sig.at.timestamp() < end:
        window = (datetime.fromtimestamp(start, timezone.utc), datetime.fromtimestamp(end, timezone.utc))
    if window == agent.dnd:
        return "kept"
    was_available = agent.available_at(now)
    after = replace(agent, dnd=window)
    store.save_agent(after)
    home.changed(store, agent.id, now)
    if not was_available and after.available_at(now):
        assignment.drain(store, agent.id, now, "is out of do-not-disturb")
    return "away" if window else "cleared"


def zone_reported(store: Store, sig: Signal, tz: str | None, now: datetime) -> str:
    """Slack reported the user's time zone (with a status or a profile change): an agent without one takes it."""
    agent = _agent(store, sig, now)
    if agent is None:
        return "ignored"
    return take_zone(store, agent, tz, now)


def take_zone(store: Store, agent: AgentRecord, tz: str | None, now: datetime) -> str:
    if agent.time_zone is not None or not isinstance(tz, str) or not known_zone(tz):
        return "kept"
    try:
        directory.change_agent(store, agent, {"time_zone": tz}, agent, By(f"slack:{agent.slack_user_id}", now))
    except Invalid:
        return "kept"
    return "learnt"


def learnt_zone(store: Store, agent_id: str, tz: str | None, now: datetime) -> str:
    """What users.info said of an agent's zone (asked at directory load)."""
    agent = store.agent(agent_id, for_update=True, at=now)
    return take_zone(store, agent, tz, now) if agent is not None else "kept"


def ask_zones(store: Store) -> int:
    """At directory load: ask Slack (users.info, through the outbox) the zone of every active agent with a Slack
    id and no zone of its own."""
    asked = 0
    for agent in store.agents(active_only=True):
        if agent.slack_user_id and agent.time_zone is None:
            store.enqueue(OutboxKind.SLACK_ZONE, {"agent": agent.id})
            asked += 1
    return asked


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _seconds(value: object) -> int:
    """Slack's unix seconds (a number, or digits in a string); 0 for anything else."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, (int, float)) and 0 < value < 4102444800:  # before 2100
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return _seconds(int(value))
    return 0
