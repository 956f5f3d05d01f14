"""The Flask application factory. Nothing connects at import or at creation."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from .config import Config
from .db import Database
from .runtime import Runtime
from . import metrics, slack
from .outbox import Kind
from .service.chatwoot import ChatwootSender
from .web import admin, chatwoot, errors, health, ids, webhooks


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    if config is None:
        config = Config.from_env()
    elif isinstance(config, dict):
        config = Config.from_env().with_(**config)
    app = Flask("stickybot")
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    app.json.sort_keys = False
    rt = Runtime(config=config, db=Database(config.database_url,
                                            on_commit=lambda info: metrics.count_decisions(info.get("decided", []))))
    app.extensions["stickybot"] = rt
    if rt.chatwoot is not None:
        rt.extra_senders[Kind.CHATWOOT_ASSIGN] = ChatwootSender(rt, rt.chatwoot).send
    errors.install(app)
    metrics.install(app)
    ids.install(app)
    for bp in (health.bp, metrics.bp, webhooks.bp, chatwoot.bp, admin.bp, slack.bp):
        app.register_blueprint(bp)
    logging.getLogger("stickybot").debug("app created")
    return app
