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
from .runtime import runtime

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

    try:
        data = yaml.safe_load(file)
    except yaml.YAMLError as exc:
        raise click.ClickException(f"{file.name} is not valid YAML: {exc}") from None
    _migrated()
    rt = runtime()
    try:
        counts = rt.db.transact(lambda store: load_directory(store, data, By("cli", rt.clock.now())))
    except StickyError as exc:
        detail = "".join(f"\n  {d['field']}: {d['message']}" for d in (exc.details or []))
        raise click.ClickException(f"{file.name}: {exc.message}{detail}\nnothing was loaded") from None
    click.echo(f"loaded {counts['teams']} teams and {counts['agents']} agents from {file.name}")


@directory.command("sync")
@verbose
@click.argument("source", type=click.Choice(["chatwoot"]))
@with_appcontext
def directory_sync(source):
    """Load agents (matched by e-mail), teams and team members from Chatwoot."""
    from integrations.chatwoot.api import ChatwootFailure

    from .service.chatwoot_writeback import sync

    _migrated()
    rt = runtime()
    if rt.chatwoot is None:
        raise click.ClickException("set CHATWOOT_URL, CHATWOOT_ACCOUNT_ID and CHATWOOT_API_TOKEN (a user's access "
                                   "token: bot tokens cannot list agents)")
    try:
        counts = sync(rt.db, rt.chatwoot, rt.clock.now())
    except ChatwootFailure as exc:
        raise click.ClickException(f"Chatwoot answered {exc.error}; nothing was loaded") from None
    click.echo(f"synced {counts['agents']} agents ({counts['created']} new) and {counts['teams']} teams from Chatwoot")


@main.group()
def outbox():
    """The outbox of Slack messages and Chatwoot write-backs."""


@outbox.command("retry")
@verbose
@click.option("--channel", type=click.Choice(["all", "slack", "chatwoot"]), default="all", show_default=True)
@with_appcontext
def outbox_retry(channel):
    """Send again what was given up on (e.g. after fixing a token or a channel)."""
    from .store import OutboxKind

    kinds = None if channel == "all" else frozenset(k for k in OutboxKind if k.startswith(channel + "."))
    _migrated()
    rt = runtime()
    count = rt.db.transact(lambda store: store.retry_failed(kinds))
    click.echo(f"{count} failed deliveries are due again; running workers send them at their next round")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
