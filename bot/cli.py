"""The `stickybot` console script, built on Flask's CLI."""
from __future__ import annotations

import logging
import sys

import click
import yaml
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import migrate
from .app import create_app
from .config import ConfigError
from .errors import StickyError
from .runtime import HELPDESKS, runtime

log = logging.getLogger(__name__)
SERVICES = ("serve", "worker")  # their logs are their output; the other commands print an answer


class BadSetting(click.ClickException):
    exit_code = 2


def _app(*_args, **_kwargs):
    try:
        return create_app()
    except ConfigError as exc:
        raise BadSetting(str(exc)) from None


class _Commands(FlaskGroup):
    def list_commands(self, ctx):
        """The commands are stickybot's own: listing them (--help) needs no app, so no setting can break it."""
        return sorted(self.commands)


def _verbose(_ctx, _param, value: bool) -> None:
    if value:
        logging.getLogger().setLevel(logging.INFO)


verbose = click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_verbose,
                       help="Print log lines too (otherwise only the answer, and warnings and errors).")


def _migrated() -> None:
    """Commands that read or write the tables need them: say what to do instead of a traceback."""
    if not migrate.is_current(runtime().config.database_url):
        raise click.ClickException("the database is not set up (or not up to date): run `stickybot db upgrade` "
                                   "first")


@click.group(cls=_Commands, create_app=_app, add_default_commands=False, add_version_option=False,
             load_dotenv=False)
@click.option("-v", "--verbose", is_flag=True, help="Print log lines too (the commands that print an answer "
              "otherwise print only it, and warnings and errors).")
@click.pass_context
def main(ctx: click.Context, verbose: bool):
    """stickybot: sticky routing from chat channels to your team's Slack."""
    level = logging.INFO if verbose or ctx.invoked_subcommand in SERVICES else logging.WARNING
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="threads that run requests once they have arrived whole")
@with_appcontext
def serve(host: str, port: int, threads: int):
    """Run the web app and the scheduler in one process (migrations applied first)."""
    from .server import serve as run_server
    from .serving import request_timeout_s

    request_timeout_s()  # a bad STICKY_REQUEST_TIMEOUT_S stops here, with what to fix, before anything starts
    for warning in runtime().config.warnings():
        log.warning(warning)
    migrate.upgrade(runtime().config.database_url)
    run_server(current_app._get_current_object(), host, port, threads)


@main.command()
@with_appcontext
def worker():
    """Run the scheduler alone (the Procfile's worker process)."""
    from .scheduler import run_forever

    run_forever(current_app._get_current_object())


@main.group()
def db():
    """Database commands."""


@db.command("upgrade")
@verbose
@with_appcontext
def db_upgrade():
    """Apply the migrations (the Procfile's release process)."""
    migrate.upgrade(runtime().config.database_url)
    click.echo("database is up to date")


@main.group()
def directory():
    """Load the agent directory."""


@directory.command("load")
@verbose
@click.argument("file", type=click.File("r"))
@with_appcontext
def directory_load(file):
    """Load teams, agents and (optionally) settings from a YAML file."""
    from .service.audit import By
    from .service.loading import load_directory
    from .service.signals import ask_zones

    try:
        data = yaml.safe_load(file)
    except yaml.YAMLError as exc:
        raise click.ClickException(f"{file.name} is not valid YAML: {exc}") from None
    _migrated()
    rt = runtime()
    try:
        counts = rt.db.transact(lambda store: load_directory(store, data, By("cli", rt.clock.now())))
        if rt.slack is not None:  # agents without a zone take Slack's (CONTRACT.md 9.4), asked through the outbox
            rt.db.transact(ask_zones)
    except StickyError as exc:
        detail = "".join(f"\n  {d['field']}: {d['message']}" for d in (exc.details or []))
        raise click.ClickException(f"{file.name}: {exc.message}{detail}\nnothing was loaded") from None
    click.echo(f"loaded {counts['teams']} teams and {counts['agents']} agents from {file.name}")


@directory.command("sync")
@verbose
@click.argument("source", type=click.Choice(sorted(map(str, HELPDESKS))))
@with_appcontext
def directory_sync(source):
    """Load agents (matched by e-mail), teams and team members from a helpdesk."""
    from integrations.helpdesk import ApiFailure

    from .service.helpdesk.people import sync

    _migrated()
    rt = runtime()
    desk = rt.desks.get(source)
    if desk is None:
        raise click.ClickException(HELPDESKS[source].needs)
    try:
        counts = sync(rt.db, desk, rt.clock.now())
    except ApiFailure as exc:
        raise click.ClickException(f"{desk.channel.display} answered {exc.error}; nothing was loaded") from None
    click.echo(f"synced {counts['agents']} agents ({counts['created']} new) and {counts['teams']} teams from "
               f"{desk.channel.display}")


@main.group()
def zammad():
    """Zammad: the webhook and triggers stickybot needs."""


@zammad.command("setup")
@click.option("--public-url", required=True, help="where Zammad reaches stickybot, e.g. https://stickybot.example.com")
@click.option("--dry-run", is_flag=True, help="print the requests it would send, and change nothing")
@click.option("--rotate-secret", is_flag=True, help="write ZAMMAD_WEBHOOK_SECRET into the existing webhook again "
              "(Zammad masks the token it holds, so a changed secret is otherwise not seen)")
@with_appcontext
def zammad_setup(public_url, dry_run, rotate_secret):
    """Create or update, through Zammad's API, the webhook (signed with ZAMMAD_WEBHOOK_SECRET) and the triggers
    that call it; running it again changes nothing."""
    from urllib.parse import urlsplit

    from integrations.helpdesk import ApiFailure

    from .service.zammad_setup import setup

    rt = runtime()
    if rt.zammad is None:
        raise click.ClickException(HELPDESKS["zammad"].needs)
    if not rt.config.zammad_webhook_secret:
        raise click.ClickException("set ZAMMAD_WEBHOOK_SECRET: the webhook's signature token, which stickybot "
                                   "checks every delivery against")
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise click.ClickException("--public-url must be an http(s) address without query, e.g. "
                                   "https://stickybot.example.com")
    try:
        setup(rt.zammad, public_url, rt.config.zammad_webhook_secret, dry_run, click.echo, rotate_secret)
    except ApiFailure as exc:
        raise click.ClickException(f"Zammad answered {exc.error}; what is listed above was done") from None


@main.group()
def outbox():
    """The outbox of Slack messages and helpdesk write-backs."""


@outbox.command("retry")
@verbose
@click.option("--channel", type=click.Choice(["all", "slack", *sorted(map(str, HELPDESKS))]), default="all",
              show_default=True)
@with_appcontext
def outbox_retry(channel):
    """Send again what was given up on (e.g. after fixing a token or a channel), and end a pause at once."""
    from .store import OutboxKind

    kinds = None if channel == "all" else frozenset(k for k in OutboxKind if k.startswith(channel + "."))
    _migrated()
    rt = runtime()
    count, resumed = rt.db.transact(lambda store: (store.retry_failed(kinds),
                                                   store.resume(None if channel == "all" else [channel])))
    click.echo(f"{count} failed deliveries are due again; running workers send them at their next round")
    for paused in resumed:
        click.echo(f"the paused {paused} deliveries resume now, with every row that was kept")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
