"""`/sticky`: parse, check who may do it, do it, answer ephemerally."""
from __future__ import annotations

from slack_bolt import App

from ..errors import NotFound, StickyError
from ..runtime import Runtime
from ..service import customers, directory, team_ops
from . import admins, words
from .parser import HELP, Command, parse

ADMIN_ONLY = {"set_days", "check", "forget"}


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
    if cmd.name in ADMIN_ONLY and not admins.is_admin(rt, user_id):
        return "Only stickybot admins can do that (STICKY_ADMIN_SLACK_IDS, or workspace admins and owners)."
    try:
        return _run(rt, user_id, cmd)
    except StickyError as exc:
        return f"Nothing changed: {exc.message}."


def _run(rt: Runtime, user_id: str, cmd: Command) -> str:
    db = rt.db
    if cmd.name == "help":
        return HELP
    if cmd.name == "days":
        with db.read() as session:
            return words.window(directory.get_settings(session)["sticky_days"])
    if cmd.name == "set_days":
        db.transact(lambda s: directory.update_settings(s, sticky_days=cmd.value))
        return "Sticky window set: " + words.window(cmd.value)
    if cmd.name == "check":
        db.transact(lambda s: directory.update_settings(s, availability_check=cmd.value))
        return words.check(cmd.value)
    if cmd.name == "status":
        with db.read() as session:
            return words.status(team_ops.status(session))
    if cmd.name == "presence":
        result = db.transact(lambda s: team_ops.set_presence(s, user_id, cmd.value))
        rt.committed()
        return words.presence(result)
    if cmd.name == "why":
        with db.read() as session:
            try:
                return words.why(customers.conversation(session, cmd.value))
            except NotFound:
                return f"I have no conversation `{cmd.value}`."
    if cmd.name == "forget":
        try:
            result = db.transact(lambda s: customers.forget(s, cmd.value))
        except NotFound:
            return f"I have no customer `{cmd.value}`; nothing to forget."
        return f"Forgot `{cmd.value}`: link and personal data erased, {result['conversations_kept']} conversation(s) kept anonymised."
    return HELP
