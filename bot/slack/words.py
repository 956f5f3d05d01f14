"""Answers to `/sticky`, in words. Pure formatting of plain values.

Ids, names, reasons and anything else that came from outside are escaped by Slack's rules (`escape`), so a
customer id like `<!channel>` is shown, never acted on."""
from __future__ import annotations

from datetime import datetime

from integrations.slack.mrkdwn import escape

from .. import clock
from integrations.slack.when import span
from routing.availability import names


def window(days: int) -> str:
    if days == 0:
        return "sticky sessions are *off* (`/sticky days 7` turns them on)."
    return f"returning customers go back to their agent for *{days} day{'s' if days != 1 else ''}*."


def check(on: bool) -> str:
    if on:
        return "Availability check *on*: an unavailable agent's returning customers go to a teammate or wait."
    return "Availability check *off*: returning customers go to their agent even when away."


def wait(minutes: int) -> str:
    if minutes == 0:
        return "Holds are *off*: a returning customer whose agent is away or full goes to a teammate at once."
    return (f"A returning customer whose agent is away or full waits up to *{minutes} min* for them "
            "(an offline agent is never waited for).")


def claim(minutes: int) -> str:
    if minutes == 0:
        return "The claim timer is *off*."
    return (f"An agent has *{minutes} min* to take a conversation stickybot gave them (Take it, or a reply); "
            "after that it goes to someone else.")


def taken(r: dict) -> str:
    return f"`{escape(r['conversation'])}`: {escape(r['outcome'])}."


def status(s: dict) -> str:
    online = ", ".join(escape(a) for a in s["online"]) or "nobody"
    load = ", ".join(f"{escape(a)} {n}" for a, n in s["open_load"].items()) or "none"
    lines = [
        f"*Window*: {s['sticky_days']} days · *availability check*: {'on' if s['availability_check'] else 'off'}"
        f" · *queue drain*: {'on' if s['drain_unassigned'] else 'off'}"
        f" · *wait*: {s['sticky_wait_minutes']} min · *claim*: {s['claim_minutes']} min",
        f"*Online*: {online}",
        f"*Open load*: {load}",
        f"*Unassigned queue*: {s['queue']} · *held for their agent*: {s['held']} · *links held*: {s['links']}",
        f"*Failed deliveries*: {s['failed_deliveries']} · *outbox backlog*: {s['outbox_backlog']}",
    ]
    change = s.get("last_settings_change")
    if change:
        what = ", ".join(f"{escape(k)} {escape(str(change['before'].get(k)))} → {escape(str(v))}"
                         for k, v in (change["after"] or {}).items())
        lines.append(f"*Last settings change*: {what} by {escape(change['actor'])} at {escape(change['at'])}")
    if s["slack_alarm"]:
        problems = ", ".join(f"{escape(e)} ({n})" for e, n in s["slack_alarm"].items())
        lines.append(f":warning: *Slack refuses our token*: {problems}; handoffs are held until it is fixed")
    return "\n".join(lines)


def presence(r: dict) -> str:
    text = f"You're *{escape(r['status'])}*."
    if r["taken"]:
        text += f" {r['taken']} conversation(s) from the Unassigned queue are now yours."
    return text + f" Open now: {r['open_load']}."


def why(conv: dict) -> str:
    head = f"*{escape(conv['conversation'])}* is {escape(conv['status'])}" + (
        f" with {escape(conv['agent'])}" if conv["agent"] else "")
    lines = [head + "."]
    for n, d in enumerate(conv["decisions"], 1):
        who = escape(d["agent"]) if d["agent"] else "Unassigned"
        lines.append(f"{n}. {escape(d['at'])}: *{who}* by rule `{escape(d['rule'])}`: {escape(d['reason'])}")
    return "\n".join(lines)


def preview(p: dict) -> str:
    where = {"assigned": f"to *{escape(p['agent'] or '')}*", "held": f"held for *{escape(p['agent'] or '')}*",
             "unassigned": "to the *Unassigned* queue"}.get(p["status"], escape(p["status"]))
    return (f"Now, a new conversation from `{escape(p['customer'])}` would go {where} by rule `{escape(p['rule'])}`: "
            f"{escape(p['reason'])}. (Nothing changed.)")


def stats(s: dict) -> str:
    t = s["total"]
    if not t["routed"]:
        return f"No conversations routed in the last {s['days']} days."
    lines = [f"*Last {s['days']} days*: {t['routed']} conversations routed, {t['returning']} from returning "
             "customers."]
    if t["returning"]:
        reached = t["to_their_agent"] + t["after_hold"]
        lines.append(f"{reached} of {t['returning']} returning customers ({round(100 * reached / t['returning'])}%) "
                     f"reached their agent ({t['after_hold']} after waiting for them); {t['to_cover']} went to "
                     f"a cover while their agent was absent, {t['to_teammate']} to a teammate, "
                     f"{t['to_unassigned']} to Unassigned.")
    misses = ", ".join(f"{n} {cause.replace('_', ' ')}" for cause, n in t["misses"].items() if n)
    if misses:
        lines.append(f"Why they missed their agent: {misses}.")
    if t["window_passed"]:
        lines.append(f"{t['window_passed']} customers came back after their window had run out.")
    if t["claim_lapses"]:
        lines.append(f"{t['claim_lapses']} assignments were not taken in time.")
    return "\n".join(lines)


def handover(leaving: str, successor: str, moved: list[dict]) -> str:
    went = ", ".join(f"`{escape(m['conversation'])}` to {escape(m['agent'] or 'Unassigned')}" for m in moved)
    return (f"{escape(leaving)} is deactivated; their customers now go to {escape(successor)}."
            + (f" Open conversations: {went}." if went else ""))


def no_conversation(conversation_id: str) -> str:
    return f"I have no conversation `{escape(conversation_id)}`."


def no_customer(customer_id: str) -> str:
    return f"I have no customer `{escape(customer_id)}`; nothing to forget."


def forgotten(customer_id: str, kept: int) -> str:
    return (f"Forgot `{escape(customer_id)}`: link and personal data erased, {kept} conversation(s) kept "
            "anonymised.")


def refused(message: str) -> str:
    return f"Nothing changed: {escape(message)}."


def _stamp(text: str | None) -> datetime | None:
    return clock.parse_iso(text)


def _covers(cover: list[str]) -> str:
    if not cover:
        return "nobody covers (returning customers go to a teammate, or wait in Unassigned)"
    return f"{escape(names(cover))} {'covers' if len(cover) == 1 else 'cover'}"


def away(made: dict, mine: bool, default_cover: bool) -> str:
    """An absence set from Slack: when (in the absent agent's zone), who covers, the note."""
    when = span(_stamp(made["start"]), _stamp(made["end"]), made["zone"])
    who = "You're" if mine else f"*{escape(made['agent'])}* is"
    note = f" ({escape(made['note'])})" if made["note"] else ""
    covers = _covers(made["cover"]) + (" (the default cover)" if default_cover and made["cover"] else "")
    tail = " `/sticky back` ends it early." if mine else ""
    return f"{who} away *{escape(when)}*{note}; {covers}. Returning customers come back afterwards.{tail}"


def back(ended: dict, status: str) -> str:
    return (f"Welcome back: your absence ({escape(ended['note'] or 'no note')}) ended now. Your status is still "
            f"*{escape(status)}*.")


def absences(found: list, days: int) -> str:
    """Every agent's current absences and those starting in the next `days` days."""
    if not found:
        return f"Nobody is absent now or in the next {days} days."
    lines = [f"*Absences now and in the next {days} days*:"]
    for a, zone in found:
        note = f" ({escape(a.note)})" if a.note else ""
        lines.append(f"• *{escape(a.agent_id)}*: {escape(span(a.start, a.end, zone))}{note}; "
                     f"{_covers(list(a.cover))} · {escape(str(a.source))}")
    return "\n".join(lines)
