"""`/sticky`: parse, check who may do it, do it, answer ephemerally."""
from __future__ import annotations

from slack_bolt import App

from routing import Status

from ..errors import NotFound, StickyError
from ..runtime import Runtime
from ..service import agent_actions, away, conversations, customers, directory, overview, stats
from ..service.audit import By
from . import words
from .parser import HELP, Command, parse

ADMIN_ONLY = {"set_days", "check", "set_wait", "set_claim", "handover", "forget", "absence"}


def register(app: App, rt: Runtime) -> None:
    @app.command("/sticky")
    def sticky(ack, command):
        ack(response_type="ephemeral", text=answer(rt, command.get("user_id", ""), command.get("text", "")))


def answer(rt: Runtime, user_id: str, text: str) -> str:
    if "\x00" in user_id:  # Slack never sends one, and no database can look it up
        return "Your Slack user id could not be read; nothing changed."
    cmd = parse(text)
    if cmd.error:
        return cmd.error if cmd.name != "help" else f"{cmd.error}\n{HELP}"
    if cmd.name in ADMIN_ONLY and not rt.admins.is_admin(user_id):
        return "Only stickybot admins can do that (STICKY_ADMIN_SLACK_IDS, or workspace admins and owners)."
    try:
        return _run(rt, user_id, cmd)
    except StickyError as exc:
        return words.refused(exc.message)


SETTINGS = {"days", "set_days", "check", "wait", "claim", "set_wait", "set_claim"}


def _run(rt: Runtime, user_id: str, cmd: Command) -> str:
    db, now = rt.db, rt.clock.now()
    by = By(f"slack:{user_id}", now)
    if cmd.name in ("away", "back", "absence", "absences"):
        return _absences(rt, user_id, cmd)
    if cmd.name in SETTINGS:
        return _settings(rt, cmd, by)
    if cmd.name == "take":
        result = db.transact(lambda s: agent_actions.take(s, cmd.value, user_id, now))
        rt.wake_deliverer()
        return words.taken(result)
    if cmd.name == "status":
        return words.status(db.read(overview.status))
    if cmd.name == "presence":
        result = db.transact(lambda s: agent_actions.set_presence(s, user_id, Status(cmd.value), now))
        rt.wake_deliverer()
        return words.presence(result)
    if cmd.name == "why":
        try:
            return words.why(db.read(lambda s: conversations.conversation(s, cmd.value)))
        except NotFound:
            return words.no_conversation(cmd.value)
    if cmd.name == "preview":
        customer, team = cmd.value
        return words.preview(db.read(lambda s: customers.preview(s, customer, team, now)))
    if cmd.name == "stats":
        return words.stats(db.read(lambda s: stats.summary(s, 7, now, by_day=False)))
    return _admin(rt, cmd, by)


def _admin(rt: Runtime, cmd: Command, by: By) -> str:
    """Handing an agent's customers over, and forgetting a customer (admins)."""
    db = rt.db
    if cmd.name == "handover":
        leaving, successor = cmd.value
        result = db.transact(lambda s: directory.deactivate_agent(s, leaving, by, successor))
        rt.wake_deliverer()
        return words.handover(leaving, successor, result["rerouted"])
    if cmd.name == "forget":
        try:
            result = customers.erase(db, cmd.value, by)
        except NotFound:
            return words.no_customer(cmd.value)
        return words.forgotten(cmd.value, result["conversations_kept"])
    return HELP


def _settings(rt: Runtime, cmd: Command, by: By) -> str:
    """The window, the availability check, the wait and the claim time: shown, or set (admins)."""
    db = rt.db
    if cmd.name == "days":
        return words.window(db.read(directory.get_settings)["sticky_days"])
    if cmd.name == "set_days":
        db.transact(lambda s: directory.update_settings(s, by, sticky_days=cmd.value))
        return "Sticky window set: " + words.window(cmd.value)
    if cmd.name == "check":
        db.transact(lambda s: directory.update_settings(s, by, availability_check=cmd.value))
        return words.check(cmd.value)
    if cmd.name in ("wait", "claim"):
        settings = db.read(directory.get_settings)
        return words.wait(settings["sticky_wait_minutes"]) if cmd.name == "wait" \
            else words.claim(settings["claim_minutes"])
    if cmd.name in ("set_wait", "set_claim"):
        field = "sticky_wait_minutes" if cmd.name == "set_wait" else "claim_minutes"
        db.transact(lambda s: directory.update_settings(s, by, **{field: cmd.value}))
        return "Set: " + (words.wait(cmd.value) if cmd.name == "set_wait" else words.claim(cmd.value))
    return HELP


def _absences(rt: Runtime, user_id: str, cmd: Command) -> str:
    """`/sticky away FROM TO ...`, `back`, `absence @agent FROM TO ...` and `absences` (CONTRACT.md 9.2)."""
    db, now = rt.db, rt.clock.now()
    if cmd.name == "absences":
        return words.absences(db.read(lambda s: away.upcoming(s, now)), away.UPCOMING_DAYS)
    if cmd.name == "back":
        result = db.transact(lambda s: away.back(s, user_id, now))
        status = db.read(lambda s: str(s.agent(result["agent"]).status))
        rt.wake_deliverer()
        return words.back(result["absence"], status)
    a = cmd.value
    made = db.transact(lambda s: away.set_away(s, user_id, a.start, a.end, list(a.cover) if a.cover is not None
                                               else None, a.note, now, absent=a.agent))
    rt.wake_deliverer()
    return words.away(made, mine=a.agent is None, default_cover=a.cover is None)
