"""The dashboard at `/`: server-rendered pages behind the admin token (CONTRACT.md 8.4)."""
from __future__ import annotations

from flask import Flask

from . import agent, auth, customer, history, home, lists, words  # noqa: F401  (their routes join the blueprint)
from .base import bp
from .session import WrongTokens


def install(app: Flask) -> None:
    app.extensions["stickybot.dashboard.wrong_tokens"] = WrongTokens()
    app.register_blueprint(bp)
