"""The App Home tab and the absence modal (CONTRACT.md 9.4), in Block Kit, built from plain values. Pure.

Every string that came from outside (names, ids, notes, reasons) is escaped by Slack's rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from routing.availability import names

from .blocks import slack_date
from .mrkdwn import escape, link

MAX_ROWS = 20       # conversations, customers and agents listed per section
MAX_ABSENCES = 10   # absences with a button each
_SECTION = 2900     # Slack allows 3000 characters in a section's text


class HomeAction(StrEnum):
    ADD_ABSENCE = "sticky_home_add_absence"
    END_ABSENCE = "sticky_home_end_absence"


ABSENCE_MODAL = "sticky_absence_modal"


@dataclass(frozen=True)
class AbsenceLine:
    id: int
    span: str
    cover: tuple[str, ...] = ()
    note: str | None = None
    source: str = "api"
    current: bool = False  # started already: its button ends it now (else removes it)


@dataclass(frozen=True)
class ConversationLine:
    conversation_id: str
    customer_id: str
    customer_name: str | None = None
    url: str | None = None
    until: datetime | None = None  # held: the customer waits for this agent until then


@dataclass(frozen=True)
class CoveredLine:
    customer_id: str
    customer_name: str | None
    covered_by: str
    at: datetime
    conversation_id: str | None = None
    conversation_agent: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class AgentLine:
    agent_id: str
    state: str
    why: str


@dataclass(frozen=True)
class Home:
    """What one Slack user's Home shows: theirs as an agent (`agent` set), everyone's as an admin, or both."""

    agent: str | None = None
    state: str = ""
    why: str = ""
    zone: str = "UTC"
    week: list[tuple[str, list[str]]] = field(default_factory=list)  # (day, what it holds)
    absences: list[AbsenceLine] = field(default_factory=list)
    open: list[ConversationLine] = field(default_factory=list)
    held: list[ConversationLine] = field(default_factory=list)
    covered: list[CoveredLine] = field(default_factory=list)
    everyone: list[AgentLine] | None = None
    at: datetime | None = None


STATE_MARKS = {"available": ":large_green_circle:", "away": ":large_yellow_circle:", "full": ":large_orange_circle:",
               "offline": ":white_circle:", "off_duty": ":crescent_moon:", "absent": ":palm_tree:",
               "inactive": ":no_entry_sign:"}


def _state(state: str) -> str:
    return f"{STATE_MARKS.get(state, ':grey_question:')} *{escape(state.replace('_', ' '))}*"


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _sections(lines: list[str], empty: str) -> list[dict]:
    """Lines in as few sections as Slack's length limit allows."""
    out, chunk = [], ""
    for line in lines or [empty]:
        if chunk and len(chunk) + len(line) + 1 > _SECTION:
            out.append(chunk)
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line[:_SECTION]
    out.append(chunk)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in out]


def _more(items: list, limit: int) -> str | None:
    return f"_and {len(items) - limit} more_" if len(items) > limit else None


def _customer(name: str | None, customer_id: str) -> str:
    return f"{escape(name)} (`{escape(customer_id)}`)" if name else f"`{escape(customer_id)}`"


def _conversation(c: ConversationLine) -> str:
    where = link(c.url, f"conversation {c.conversation_id}") or f"conversation `{escape(c.conversation_id)}`"
    wait = f", waiting for you until {slack_date(c.until)}" if c.until else ""
    return f"• {_customer(c.customer_name, c.customer_id)}: {where}{wait}"


def _covered(c: CoveredLine) -> str:
    line = f"• {_customer(c.customer_name, c.customer_id)}: {escape(c.covered_by)} covered, last {slack_date(c.at)}"
    if c.conversation_id:
        where = link(c.url, f"conversation {c.conversation_id}") or f"conversation `{escape(c.conversation_id)}`"
        line += f"; now with {escape(c.conversation_agent or '')}: {where}"
    return line


def _absence(a: AbsenceLine) -> dict:
    words = f"*{escape(a.span)}*"
    if a.note:
        words += f" ({escape(a.note)})"
    verb = "covers" if len(a.cover) == 1 else "cover"
    words += "; " + (f"{escape(names(a.cover))} {verb}" if a.cover else "nobody covers")
    words += f" · set by {escape(a.source)}"
    button = {"type": "button", "action_id": str(HomeAction.END_ABSENCE), "value": str(a.id),
              "text": {"type": "plain_text", "text": "End it now" if a.current else "Remove"},
              "confirm": {"title": {"type": "plain_text", "text": "End this absence?" if a.current
                                    else "Remove this absence?"},
                          "text": {"type": "plain_text", "text": a.span[:300]},
                          "confirm": {"type": "plain_text", "text": "Yes"},
                          "deny": {"type": "plain_text", "text": "Keep it"}}}
    return {"type": "section", "text": {"type": "mrkdwn", "text": words}, "accessory": button}


def _agent_part(h: Home) -> list[dict]:
    blocks = [_header("Your availability"),
              {"type": "section", "text": {"type": "mrkdwn", "text": f"{_state(h.state)}: {escape(h.why)}"}},
              _header("The week ahead"),
              *_sections([f"*{escape(d)}*: {escape(', '.join(parts) or 'off duty')}" for d, parts in h.week],
                         "Nothing planned."),
              {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Times in {escape(h.zone)}."}]},
              _header("Your absences")]
    if not h.absences:
        blocks += _sections([], "No absence ahead.")
    blocks += [_absence(a) for a in h.absences[:MAX_ABSENCES]]
    blocks.append({"type": "actions", "elements": [{
        "type": "button", "action_id": str(HomeAction.ADD_ABSENCE), "style": "primary",
        "text": {"type": "plain_text", "text": "Add an absence"}}]})
    convs = [_conversation(c) for c in h.open[:MAX_ROWS]] + [_conversation(c) for c in h.held[:MAX_ROWS]]
    convs += [m for m in (_more(h.open, MAX_ROWS), _more(h.held, MAX_ROWS)) if m]
    blocks += [_header("Your conversations"), *_sections(convs, "No open or held conversation.")]
    covered = [_covered(c) for c in h.covered[:MAX_ROWS]] + [m for m in [_more(h.covered, MAX_ROWS)] if m]
    blocks += [_header("Your customers someone covers"),
               *_sections(covered, "Nobody is covering any of your returning customers.")]
    return blocks


def home_view(h: Home) -> dict:
    """The Home tab: the agent's own part (availability, week, absences, conversations, covered customers),
    and for an admin every agent's state today."""
    blocks = _agent_part(h) if h.agent is not None else []
    if h.agent is None and h.everyone is None:
        blocks += _sections([], "Your Slack account is not linked to a stickybot agent; ask an admin to set your "
                                "`slack_user_id`.")
    if h.everyone is not None:
        lines = [f"• *{escape(a.agent_id)}* {_state(a.state)}: {escape(a.why)}" for a in h.everyone[:50]]
        blocks += [_header("Everyone today"), *_sections(lines + [m for m in [_more(h.everyone, 50)] if m],
                                                         "No agents yet.")]
    if h.at is not None:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Updated {slack_date(h.at)}"}]})
    return {"type": "home", "blocks": blocks[:100]}


def absence_modal(zone: str, today: str, cover_users: list[str]) -> dict:
    """The modal behind Add an absence: from, to (whole days in the agent's zone, both included), cover, note."""
    cover = {"type": "multi_users_select", "action_id": "users",
             "placeholder": {"type": "plain_text", "text": "Teammates who take your returning customers"}}
    if cover_users:
        cover["initial_users"] = cover_users[:20]
    return {
        "type": "modal", "callback_id": ABSENCE_MODAL,
        "title": {"type": "plain_text", "text": "Add an absence"},
        "submit": {"type": "plain_text", "text": "Add"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": "start", "label": {"type": "plain_text", "text": "From"},
             "element": {"type": "datepicker", "action_id": "date", "initial_date": today}},
            {"type": "input", "block_id": "end", "label": {"type": "plain_text", "text": "To (included)"},
             "element": {"type": "datepicker", "action_id": "date", "initial_date": today}},
            {"type": "input", "block_id": "cover", "optional": True, "element": cover,
             "label": {"type": "plain_text", "text": "Who covers (first available first)"}},
            {"type": "input", "block_id": "note", "optional": True,
             "label": {"type": "plain_text", "text": "Note"},
             "element": {"type": "plain_text_input", "action_id": "text", "max_length": 500}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Whole days in {escape(zone)}."}]},
        ]}


def absence_from_view(view: dict) -> dict:
    """What the modal's form holds: start, end (YYYY-MM-DD or None), cover (Slack user ids), note."""
    values = (view.get("state") or {}).get("values") or {}

    def field_of(block: str, action: str) -> dict:
        found = (values.get(block) or {}).get(action)
        return found if isinstance(found, dict) else {}

    users = field_of("cover", "users").get("selected_users")
    note = field_of("note", "text").get("value")
    return {"start": field_of("start", "date").get("selected_date"),
            "end": field_of("end", "date").get("selected_date"),
            "cover": [u for u in users if isinstance(u, str)] if isinstance(users, list) else [],
            "note": note.strip() if isinstance(note, str) and note.strip() else None}
