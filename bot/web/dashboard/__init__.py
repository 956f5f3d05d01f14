"""The dashboard at `/`: server-rendered pages behind the admin token (CONTRACT.md 8.4)."""
from __future__ import annotations

from flask import Flask

from . import agent, auth, customer, history, home, lists, words  # noqa: F401  (their routes join the blueprint)
from .base import bp


def install(app: Flask) -> None:
    app.register_blueprint(bp)
