"""`/sticky` text -> a Command. Pure: no Slack, no database."""
from __future__ import annotations

import re
from dataclasses import dataclass

from integrations.slack.mrkdwn import escape

HELP = """*stickybot* — `/sticky` commands:
• `/sticky days` shows the sticky window; `/sticky days N` sets it (admins; N from 0 to 365, 0 turns it off)
• `/sticky check on|off` turns the availability check on or off (admins)
• `/sticky wait` shows how long a returning customer waits for an away or full agent; `/sticky wait N` sets it \
(admins; N minutes from 0 to 1440, 0 turns holds off)
• `/sticky claim` shows how long an agent has to take a new conversation; `/sticky claim N` sets it \
(admins; N minutes from 0 to 240, 0 turns the claim timer off)
• `/sticky status` settings, agents online, open load, queue, held, links held, failed deliveries
• `/sticky online`, `/sticky away`, `/sticky offline` set your own status
• `/sticky away FROM TO [cover @bob @carol] [note]` sets your absence: whole days in your time zone, both \
included (e.g. `/sticky away 2026-12-20 2026-12-31 cover @bob holiday`); without `cover`, your default covers
• `/sticky back` ends your current absence (your status stays as it is)
• `/sticky absence @alice FROM TO [cover @bob] [note]` sets an agent's absence, in that agent's time zone (admins)
• `/sticky absences` lists current absences and those starting in the next 30 days
• `/sticky take CONVERSATION_ID` takes a conversation held for you, or claims one that is yours
• `/sticky why CONVERSATION_ID` explains every decision about a conversation
• `/sticky preview CUSTOMER_ID [TEAM]` says where that customer would go now, and why (changes nothing)
• `/sticky stats` this week's stickiness: how many returning customers reached their agent, and why not
• `/sticky handover AGENT SUCCESSOR` deactivates AGENT; its customers and open conversations go to SUCCESSOR \
(admins)
• `/sticky forget CUSTOMER_ID` erases a customer's link and personal data (admins)
• `/sticky help` shows this"""


# A Slack mention as a slash command's text carries it: <@U123|name> or <@U123>.
MENTION = re.compile(r"<@([UW][A-Z0-9_]{1,30})(?:\|[^<>]{0,100})?>")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
AWAY_USAGE = "Type `/sticky away FROM TO [cover @bob @carol] [note]`, dates as YYYY-MM-DD, e.g. " \
             "`/sticky away 2026-12-20 2026-12-31 cover @bob holiday`."
ABSENCE_USAGE = "Type `/sticky absence @alice FROM TO [cover @bob] [note]`, dates as YYYY-MM-DD."


@dataclass(frozen=True)
class Absence:
    """An absence asked for from Slack: whole days from `start` to `end` (both included, YYYY-MM-DD), covers by
    Slack id (None: the agent's default cover), a note; `agent`: whose (a Slack id), None for the caller."""

    start: str
    end: str
    cover: tuple[str, ...] | None = None
    note: str | None = None
    agent: str | None = None


# Settings in minutes: the largest value, and what 0 turns off.
MINUTES = {"wait": (1440, "holds"), "claim": (240, "the claim timer")}


@dataclass(frozen=True)
class Command:
    name: str  # help, days, set_days, check, wait, set_wait, claim, set_claim, status, presence, take, why,
    #            preview, stats, handover, forget, away, back, absence, absences
    value: object = None
    error: str | None = None


def parse(text: str | None) -> Command:
    words = (text or "").split()
    if not words:
        return Command("help")
    head, args = words[0].lower(), [_plain(w) for w in words[1:]]
    if head in ("away", "back", "absence", "absences") and (args or head != "away"):
        return _absence_command(head, args)
    if head == "days":
        if not args:
            return Command("days")
        if len(args) == 1 and re.fullmatch(r"\d{1,3}", args[0]) and 0 <= int(args[0]) <= 365:
            return Command("set_days", int(args[0]))
        return Command("set_days", error=f"`{escape(' '.join(args))}` is not a number of days. Type a whole number "
                                         "from 0 to 365, e.g. `/sticky days 7` (0 turns sticky sessions off).")
    if head in MINUTES:
        top, off = MINUTES[head]
        if not args:
            return Command(head)
        if len(args) == 1 and re.fullmatch(r"\d{1,4}", args[0]) and int(args[0]) <= top:
            return Command(f"set_{head}", int(args[0]))
        return Command(f"set_{head}", error=f"`{escape(' '.join(args))}` is not a number of minutes. Type a whole "
                                            f"number from 0 to {top}, e.g. `/sticky {head} 15` (0 turns {off} off).")
    if head == "check":
        if len(args) == 1 and args[0].lower() in ("on", "off"):
            return Command("check", args[0].lower() == "on")
        return Command("check", error="Type `/sticky check on` or `/sticky check off`.")
    if head in ("online", "away", "offline") and not args:
        return Command("presence", head)
    if head == "status" and not args:
        return Command("status")
    if head in ("why", "forget", "take"):
        what = "CUSTOMER_ID" if head == "forget" else "CONVERSATION_ID"
        if len(args) == 1 and "\x00" in args[0]:
            return Command(head, error="An id cannot contain a NUL character.")
        if len(args) == 1:
            return Command(head, args[0])
        return Command(head, error=f"Type `/sticky {head} {what}`, with one id.")
    if head == "preview":
        if 1 <= len(args) <= 2 and not any("\x00" in a for a in args):
            return Command("preview", (args[0], args[1] if len(args) == 2 else None))
        return Command("preview", error="Type `/sticky preview CUSTOMER_ID`, or `/sticky preview CUSTOMER_ID TEAM`.")
    if head == "handover":
        if len(args) == 2 and not any("\x00" in a for a in args):
            return Command("handover", (args[0], args[1]))
        return Command("handover", error="Type `/sticky handover AGENT SUCCESSOR`, e.g. `/sticky handover alice bob`.")
    if head == "stats" and not args:
        return Command("stats")
    if head == "help" and not args:
        return Command("help")
    return Command("help", error=f"I don't know `{escape(' '.join(words))}`.")


def _plain(word: str) -> str:
    """A word as typed: Slack sends `&`, `<` and `>` in a command's text as entities (mentions stay as they are)."""
    if MENTION.fullmatch(word):
        return word
    return word.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _absence_command(head: str, args: list[str]) -> Command:
    if head in ("back", "absences"):
        return Command(head) if not args else Command(head, error=f"Type `/sticky {head}`, with nothing after it.")
    if head == "absence":
        who = MENTION.fullmatch(args[0]) if args else None
        if who is None:
            return Command("absence", error="Name the agent with an @mention first. " + ABSENCE_USAGE)
        found = _absence(args[1:], ABSENCE_USAGE)
        return found if found.error else Command("absence", Absence(**{**found.value.__dict__, "agent": who[1]}))
    return _absence(args, AWAY_USAGE)


def _absence(args: list[str], usage: str) -> Command:
    """FROM TO [cover @a @b] [note]."""
    name = "away" if usage is AWAY_USAGE else "absence"
    if len(args) < 2 or not DATE.fullmatch(args[0]) or not DATE.fullmatch(args[1]):
        return Command(name, error="Give the first and the last day. " + usage)
    rest, cover = args[2:], None
    if rest and rest[0].lower() == "cover":
        mentions = [MENTION.fullmatch(w) for w in rest[1:]]
        count = next((n for n, m in enumerate(mentions) if m is None), len(mentions))
        if count == 0:
            return Command(name, error="Name who covers with @mentions after `cover`. " + usage)
        cover, rest = tuple(dict.fromkeys(m[1] for m in mentions[:count])), rest[1 + count:]
    if any("\x00" in w for w in rest):
        return Command(name, error="A note cannot contain a NUL character.")
    note = " ".join(rest)[:500] or None
    return Command(name, Absence(args[0], args[1], cover, note))
