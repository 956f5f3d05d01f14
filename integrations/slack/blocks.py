"""Block Kit messages, built from plain values. Pure: no client, no database."""
from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from .mrkdwn import escape, link


class ActionId(StrEnum):
    RELEASE = "sticky_release"


@dataclass(frozen=True)
class Handoff:
    conversation_id: str
    decision_id: int
    rule: str
    reason: str
    customer_id: str
    customer_name: str | None = None
    url: str | None = None
    team: str | None = None
    agent_id: str | None = None
    linked_agent: str | None = None
    since_days: int | None = None


def ago(days: int | None) -> str:
    if days is None:
        return "recently"
    if days <= 0:
        return "earlier today"
    return "yesterday" if days == 1 else f"{days} days ago"


def rule_in_words(h: Handoff) -> str:
    """What the agent reads about why the conversation is theirs."""
    team = f"team {h.team}" if h.team else "the team"
    if h.rule == "sticky":
        return f"returning customer, you helped them {ago(h.since_days)}"
    if h.rule in ("sticky_team", "sticky_teams"):
        return (f"returning customer: {h.linked_agent} helped them {ago(h.since_days)} but is unavailable, "
                "so you're covering")
    if h.rule == "explicit_agent":
        return "the chatbot flow assigned it to you"
    if h.rule == "explicit_team":
        return f"the chatbot flow sent it to {team}, and you had the lightest load"
    if h.rule == "queue":
        return "it was waiting in the Unassigned queue, and you had room"
    if h.rule == "default":
        return f"new for {team}, and you had the lightest load"
    return h.reason


def _who(h: Handoff) -> str:
    name = h.customer_name or "A customer"
    return f"{escape(name)} (`{escape(h.customer_id)}`)"


def _link(h: Handoff) -> str:
    return (link(h.url, f"Open conversation {h.conversation_id}")
            or f"Conversation `{escape(h.conversation_id)}`")


def release_value(conversation_id: str, decision_id: int) -> str:
    return json.dumps({"c": conversation_id, "d": decision_id}, separators=(",", ":"))


def handoff(h: Handoff) -> tuple[str, list[dict]]:
    """The DM to the agent who got the conversation: who, why, where, and a Release button."""
    text = escape(f"New conversation for you: {h.customer_name or h.customer_id} ({rule_in_words(h)})")
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"*New conversation for you*\n{_who(h)}\n_{escape(rule_in_words(h))}_"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _link(h)}},
        {"type": "actions", "elements": [{
            "type": "button", "action_id": str(ActionId.RELEASE), "style": "danger",
            "text": {"type": "plain_text", "text": "Release"},
            "value": release_value(h.conversation_id, h.decision_id),
            "confirm": {"title": {"type": "plain_text", "text": "Release this conversation?"},
                        "text": {"type": "mrkdwn", "text": "It goes back through routing, without you."},
                        "confirm": {"type": "plain_text", "text": "Release"},
                        "deny": {"type": "plain_text", "text": "Keep it"}},
        }]},
    ]
    return text, blocks


def queue_notice(h: Handoff) -> tuple[str, list[dict]]:
    """Posted to the queue channel: a conversation nobody could take, or an agent without Slack."""
    if h.agent_id:
        text = f"Assigned to {h.agent_id} (no Slack id on file): {h.customer_name or h.customer_id}"
        head = f"*Assigned to {escape(h.agent_id)}*, who has no Slack id on file"
    else:
        where = f" in team {h.team}" if h.team else ""
        text = f"Waiting in Unassigned{where}: {h.customer_name or h.customer_id}"
        head = f"*Waiting in Unassigned*{escape(where)}"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{_who(h)}\n_{escape(h.reason)}_"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _link(h)}},
    ]
    return escape(text), blocks


def released(conversation_id: str, outcome: str) -> tuple[str, list[dict]]:
    """What the released DM is updated to say."""
    text = escape(f"You released {conversation_id}: {outcome}")
    return text, [{"type": "section", "text": {"type": "mrkdwn",
                                               "text": f"~Conversation `{escape(conversation_id)}`~ released: "
                                                       f"{escape(outcome)}"}}]
