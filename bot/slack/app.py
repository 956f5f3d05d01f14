"""The Slack app: slack-bolt on Flask at POST /slack/events (commands, events, interactivity)."""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, request
from slack_bolt import App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from ..errors import NotConfigured
from ..runtime import Runtime, runtime
from . import actions, commands

log = logging.getLogger(__name__)
bp = Blueprint("slack", __name__)


def build_bolt_app(rt: Runtime) -> App:
    token = rt.config.slack_bot_token
    client = WebClient(token=token, base_url=rt.config.slack_api_url, timeout=3)
    options = dict(signing_secret=rt.config.slack_signing_secret, client=client, name="stickybot",
                   token_verification_enabled=False, process_before_response=True,
                   logger=logging.getLogger("stickybot.slack"))
    if token is None:
        # No bot token: commands still work (answers go back in the HTTP response); nothing is posted.
        options["authorize"] = lambda enterprise_id, team_id, **_: AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id)
    app = App(**options)
    commands.register(app, rt)
    actions.register(app, rt)

    @app.error
    def _on_error(error, body, logger):
        logger.exception("Slack listener failed: %s", type(error).__name__)

    return app


def install(app: Flask, rt: Runtime) -> None:
    """Serve Slack at POST /slack/events; the bolt app exists only once a signing secret is set."""
    if rt.config.slack_signing_secret:
        app.extensions["stickybot.slack"] = SlackRequestHandler(build_bolt_app(rt))
    app.register_blueprint(bp)


@bp.post("/slack/events")
def slack_events():
    rt = runtime()
    handler = current_app.extensions.get("stickybot.slack")
    if handler is None:
        raise NotConfigured("SLACK_SIGNING_SECRET is not set, so Slack requests are refused; "
                            "set it to your Slack app's signing secret")
    response = handler.handle(request)
    rt.wake_deliverer()
    return response
