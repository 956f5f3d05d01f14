"""The Slack app: slack-bolt on Flask at POST /slack/events (commands, events, interactivity).

Every request is verified here (bot/slack/verify.py) before bolt parses it; a refusal is logged in one line,
without the body or any header value."""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Flask, current_app, request
from slack_bolt import App, BoltResponse
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from ..errors import ErrorCode, NotConfigured, StickyError
from ..runtime import Runtime, runtime
from ..web.webhooks import read_body
from . import actions, commands, events, home, verify

log = logging.getLogger(__name__)
bp = Blueprint("slack", __name__)


class _FirstLineOnly(logging.Filter):
    """Bolt's own log lines can quote a request body (an unhandled request, a failed middleware) over many lines:
    keep the words before the quote, on one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        head = message.split("\n", 1)[0].split(" (", 1)[0][:200]
        if head != message:
            record.msg, record.args = head, ()
        return True


def build_bolt_app(rt: Runtime) -> App:
    token = rt.config.slack_bot_token
    client = WebClient(token=token, base_url=rt.config.slack_api_url, timeout=3)
    bolt_log = logging.getLogger("stickybot.slack")
    if not any(isinstance(f, _FirstLineOnly) for f in bolt_log.filters):
        bolt_log.addFilter(_FirstLineOnly())  # bolt copies its base logger's filters onto its own loggers
    options = dict(signing_secret=rt.config.slack_signing_secret, client=client, name="stickybot",
                   token_verification_enabled=False, process_before_response=True, logger=bolt_log,
                   request_verification_enabled=False)  # verified before bolt sees the request: slack_events
    if token is None:
        # No bot token: commands still work (answers go back in the HTTP response); nothing is posted.
        options["authorize"] = lambda enterprise_id, team_id, **_: AuthorizeResult(
            enterprise_id=enterprise_id, team_id=team_id)
    app = App(**options)
    for listeners in (commands, actions, events, home):
        listeners.register(app, rt)

    @app.error
    def _on_error(error, logger):
        if _raised_in_our_code(error):
            logger.exception("Slack listener failed: %s", type(error).__name__)
            return None  # bolt answers 500: ours to fix
        logger.warning("Slack request refused: 400 bad_request: bolt could not read the body: %s",
                       type(error).__name__)
        return BoltResponse(status=400, headers={"content-type": "application/json"}, body=json.dumps({
            "error": str(ErrorCode.BAD_REQUEST), "message": "the body is signed but not in a shape Slack sends"}))

    return app


def _raised_in_our_code(error: BaseException) -> bool:
    """Whether one of our own functions was running when `error` was raised (else bolt failed on the body)."""
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__", "").startswith(("bot.", "integrations.", "routing.")):
            return True
        tb = tb.tb_next
    return False


def install(app: Flask, rt: Runtime) -> None:
    """Serve Slack at POST /slack/events; the bolt app exists only once a signing secret is set."""
    if rt.config.slack_signing_secret:
        app.extensions["stickybot.slack"] = build_bolt_app(rt)
    app.register_blueprint(bp)


@bp.post("/slack/events")
def slack_events():
    rt = runtime()
    bolt = current_app.extensions.get("stickybot.slack")
    if bolt is None:
        if rt.config.slack_app_token:
            raise NotConfigured("Slack is connected over Socket Mode (SLACK_APP_TOKEN), so this endpoint is not used; "
                                "set SLACK_SIGNING_SECRET too to also take Slack's requests here")
        raise NotConfigured("SLACK_SIGNING_SECRET is not set, so Slack requests are refused; "
                            "set it to your Slack app's signing secret")
    try:
        body = read_body(verify.MAX_BODY, "Slack requests")
        if verify.is_ssl_check(request, body):
            return "", 200
        checked = verify.bolt_request(request, verify.signed_text(rt.config.slack_signing_secret, request, body))
    except StickyError as exc:
        log.warning("Slack request refused: %s %s: %s (%s bytes from %s)", exc.status, exc.code, exc.message,
                    request.content_length if request.content_length is not None else "chunked", request.remote_addr)
        raise
    response = to_flask_response(bolt.dispatch(checked))
    rt.wake_deliverer()
    return response
