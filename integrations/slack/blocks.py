"""Block Kit messages, built from plain values. Pure: no client, no database."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from routing import Rule

from .mrkdwn import escape, link


class ActionId(StrEnum):
    RELEASE = "sticky_release"
    TAKE = "sticky_take"


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
    claim_due: datetime | None = None   # a claim timer runs: the DM offers Take it
    held_until: datetime | None = None  # a hold: the customer waits for this agent until then
    first_contact: bool = True  # no earlier agent on record for the customer (else the reason says why not)
    covering: str | None = None           # rule cover: whose customer it is (that agent is absent)
    covering_until: datetime | None = None  # until when that agent is away (None: no end set)
    label: str | None = None    # what the channel calls the conversation (Zammad: "Ticket#31118")


def ago(days: int | None) -> str:
    if days is None:
        return "recently"
    if days <= 0:
        return "earlier today"
    return "yesterday" if days == 1 else f"{days} days ago"


def rule_in_words(h: Handoff) -> str:
    """What the agent reads about why the conversation is theirs."""
    team = f"team {h.team}" if h.team else "the team"
    words = {
        Rule.STICKY: f"returning customer, you helped them {ago(h.since_days)}",
        Rule.STICKY_TEAM: f"returning customer: {h.linked_agent} helped them {ago(h.since_days)} but is "
                          "unavailable, so you're covering",
        Rule.EXPLICIT_AGENT: "the chatbot flow assigned it to you",
        Rule.EXPLICIT_TEAM: f"the chatbot flow sent it to {team}, and you had the lightest load",
        Rule.QUEUE: "it was waiting in the Unassigned queue, and you had room",
        Rule.DEFAULT: f"new for {team}, and you had the lightest load",
        Rule.TAKEN: "you took it",
        Rule.SUCCESSOR: "you took over from a colleague who left, as their successor",
        Rule.COVER: f"you cover for {h.covering or h.linked_agent}, who is absent",
    }
    words[Rule.STICKY_TEAMS] = words[Rule.STICKY_TEAM]
    if h.rule == Rule.STICKY and h.linked_agent is None:
        return "the returning customer waited for you, and you are back"
    if h.rule == Rule.DEFAULT and not h.first_contact:
        return h.reason  # not new: the reason says why their earlier agent did not decide
    return words.get(h.rule, h.reason)


def _who(h: Handoff) -> str:
    name = h.customer_name or "A customer"
    return f"{escape(name)} (`{escape(h.customer_id)}`)"


def _link(h: Handoff) -> str:
    if h.label:
        return link(h.url, f"Open {h.label}") or f"{escape(h.label)} (`{escape(h.conversation_id)}`)"
    return (link(h.url, f"Open conversation {h.conversation_id}")
            or f"Conversation `{escape(h.conversation_id)}`")


def release_value(conversation_id: str, decision_id: int) -> str:
    return json.dumps({"c": conversation_id, "d": decision_id}, separators=(",", ":"))


def _take_button(h: Handoff) -> dict:
    return {"type": "button", "action_id": str(ActionId.TAKE), "style": "primary",
            "text": {"type": "plain_text", "text": "Take it"}, "value": release_value(h.conversation_id, h.decision_id)}


def slack_time(moment: datetime) -> str:
    """A time Slack shows in the reader's own time zone (UTC in the fallback text)."""
    return f"<!date^{int(moment.timestamp())}^{{time}}|{moment.strftime('%H:%M')} UTC>"


def slack_date(moment: datetime) -> str:
    """A day and time Slack shows in the reader's own time zone (UTC in the fallback text)."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{moment.strftime('%Y-%m-%d %H:%M')} UTC>"


def covering_note(h: Handoff) -> str:
    """For a cover: whose customer it is, until when that agent is away, and that the customer goes back."""
    name = escape(h.customer_name or h.customer_id)
    until = f"until {slack_date(h.covering_until)}" if h.covering_until else "with no end set yet"
    who = escape(h.covering or "")
    return f"\n{name} is {who}'s customer. {who} is away {until}; afterwards {name} goes back to {who}."


def handoff(h: Handoff) -> tuple[str, list[dict]]:
    """The DM to the agent who got the conversation: who, why, where, a Release button, and while a claim is
    due, Take it. A cover also reads whose customer it is and until when."""
    text = escape(f"New conversation for you: {h.customer_name or h.customer_id} ({rule_in_words(h)})")
    head = f"*New conversation for you*\n{_who(h)}\n_{escape(rule_in_words(h))}_"
    if h.covering:
        head += covering_note(h)
    if h.claim_due is not None:
        head += f"\nTake it by {slack_time(h.claim_due)}, or it goes to someone else."
    buttons = [_take_button(h)] if h.claim_due is not None else []
    buttons.append({
        "type": "button", "action_id": str(ActionId.RELEASE), "style": "danger",
        "text": {"type": "plain_text", "text": "Release"},
        "value": release_value(h.conversation_id, h.decision_id),
        "confirm": {"title": {"type": "plain_text", "text": "Release this conversation?"},
                    "text": {"type": "mrkdwn", "text": "It goes back through routing, without you."},
                    "confirm": {"type": "plain_text", "text": "Release"},
                    "deny": {"type": "plain_text", "text": "Keep it"}},
    })
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": head}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _link(h)}},
        {"type": "actions", "elements": buttons},
    ]
    return text, blocks


def hold_notice(h: Handoff) -> tuple[str, list[dict]]:
    """The DM to the agent a returning customer waits for, with Take it."""
    name = h.customer_name or "Your returning customer"
    until = slack_time(h.held_until) if h.held_until else "a while"
    text = escape(f"{name} is back and waiting for you") + f" until {until}"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"*{escape(name)} is back and waiting for you* until {until}\n{_who(h)}\n"
                                             "_You helped them last. Take it now, or they go to a teammate when "
                                             "the wait is over._"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _link(h)}},
        {"type": "actions", "elements": [_take_button(h)]},
    ]
    return text, blocks


def settled(conversation_id: str, outcome: str) -> tuple[str, list[dict]]:
    """What a hold DM or a handoff DM is updated to say once the hold ended or the claim lapsed."""
    text = escape(f"Conversation {conversation_id}: {outcome}")
    return text, [{"type": "section", "text": {"type": "mrkdwn",
                                               "text": f"Conversation `{escape(conversation_id)}`: {escape(outcome)}"}}]


def queue_notice(h: Handoff) -> tuple[str, list[dict]]:
    """Posted to the queue channel: a conversation nobody could take, or an agent without Slack."""
    if h.agent_id:
        state = "Held for" if h.held_until else "Assigned to"
        text = f"{state} {h.agent_id} (no Slack id on file): {h.customer_name or h.customer_id}"
        head = f"*{state} {escape(h.agent_id)}*, who has no Slack id on file"
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
