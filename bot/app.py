"""The Flask application factory. Nothing connects at import or at creation."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import metrics
from .clock import Clock
from .config import Config
from .runtime import Runtime
from .slack import app as slack_app
from .web import (absences, admin, chatwoot, dashboard, errors, health, ids, openapi, proxies,  # noqa: F401
                  webhooks)


def create_app(config: Config | dict[str, Any] | None = None, clock: Clock | None = None) -> Flask:
    if config is None:
        config = Config.from_env()
    elif isinstance(config, dict):
        config = Config.from_env().with_(**config)
    # Templates from bot/templates whatever the working folder; static files are the dashboard's to serve.
    app = Flask("stickybot", root_path=str(Path(__file__).parent), static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # Endpoints that take more than that, as the server reading requests whole must know before Flask sees them.
    app.config["BODY_LIMITS"] = {"/webhooks/chatwoot": chatwoot.MAX_BODY}
    app.json.sort_keys = False
    rt = Runtime(config, clock, on_commit=metrics.committed)
    app.extensions["stickybot"] = rt
    errors.install(app)
    metrics.install(app)
    ids.install(app)
    for bp in (health.bp, metrics.bp, webhooks.bp, chatwoot.bp, openapi.bp, admin.bp):
        app.register_blueprint(bp)
    dashboard.install(app)
    slack_app.install(app, rt)
    proxies.install(app, config.trusted_proxies)
    return app
