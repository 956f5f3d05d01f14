"""What the dashboard says: the form fields it reads, and its words for triggers, misses and notices."""
from __future__ import annotations

import re

from integrations.addresses import web_address

from ... import clock
from .base import bp

SETTINGS_INTS = ("sticky_days", "sticky_wait_minutes", "claim_minutes")
SETTINGS_FLAGS = ("availability_check", "drain_unassigned")
_WHOLE = re.compile(r"[+-]?\d{1,12}")

# Who or what made stickybot decide, by the decision's trigger.
TRIGGERS = {
    "event": "the chat channel: the conversation was opened or reopened",
    "manual": "a person reassigned it in the chat tool",
    "drain": "stickybot: an agent had room for it in the queue",
    "came_back": "stickybot: the agent the customer waited for came back",
    "hold_over": "stickybot: the wait for the customer's agent ran out",
    "taken": "the agent took it",
    "release": "its agent released it",
    "claim_lapse": "stickybot: its agent did not take it in time",
    "deactivation": "an admin deactivated its agent",
    "successor": "an admin handed its agent's customers to a successor",
    "absent": "stickybot: its agent was absent (the customer wrote, or it was held for them)",
    "off_duty": "stickybot: the agent it was held for went off duty",
    "refused": "the helpdesk refused its agent as owner",
}

MISSES = {"away": "agent away", "offline": "agent offline", "full": "agent full",
          "deactivated": "agent deactivated", "blocked": "agent blocked", "flow_override": "flow chose someone else",
          "absent": "agent absent", "off_duty": "agent off duty"}

NOTICES = {
    "settings": "Settings saved.",
    "status": "Agent status saved; an agent who came online has taken what was waiting for it.",
    "unlinked": "The link is broken: this customer is no longer sticky.",
    "blocked": "Block added: this customer will never be routed to that agent.",
    "unblocked": "Block removed.",
    "forgotten": "The customer is forgotten: link and personal data erased, conversations kept anonymised.",
    "hours": "Working hours and time zone saved.",
    "absence_added": "Absence added: while it lasts, this agent's returning customers go to its cover.",
    "absence_ended": "Absence ended (or, if it had not begun, removed); what waited for the agent has come to it.",
}

# An agent's state (CONTRACT.md 9.3), as the pages say it.
STATES = {"available": "available", "away": "away", "full": "full", "offline": "offline", "off_duty": "off duty",
          "absent": "absent", "inactive": "deactivated"}


def settings_from(form) -> dict:
    """The settings a form sent, as the use-case takes them; text that is not a number or on/off is passed on
    as it is, so that the use-case's check names the field."""
    data: dict = {}
    for name in SETTINGS_INTS:
        if name in form:
            raw = form[name].strip()
            data[name] = int(raw) if _WHOLE.fullmatch(raw) else raw
    for name in SETTINGS_FLAGS:
        if name in form:
            data[name] = {"on": True, "off": False}.get(form[name], form[name])
    return data


@bp.app_template_filter("when")
def when(iso: str | None) -> str:
    """2026-11-24T10:00:00Z as 2026-11-24 10:00 UTC."""
    if not iso:
        return "—"
    try:
        return clock.parse_iso(iso).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return iso


@bp.app_template_filter("web_link")
def web_link(url: str | None) -> str | None:
    """A conversation's address, only if it is a plain http(s) one (never javascript: or data:)."""
    return web_address(url)


@bp.app_template_filter("state_words")
def state_words(state: str) -> str:
    return STATES.get(state, state)


@bp.app_template_filter("percent")
def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"
