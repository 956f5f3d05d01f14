"""The dashboard at `/`: server-rendered pages behind the admin token (CONTRACT.md 8.4)."""
from __future__ import annotations

from flask import Flask

from . import auth, customer, history, home, words  # noqa: F401  (their routes and filters join the blueprint)
from .base import bp
from .session import WrongTokens


def install(app: Flask) -> None:
    app.extensions["stickybot.dashboard.wrong_tokens"] = WrongTokens()
    app.register_blueprint(bp)
