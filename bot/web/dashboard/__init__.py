"""The dashboard at `/`: server-rendered pages behind the admin token (CONTRACT.md 8.4)."""
from __future__ import annotations

from flask import Flask

from . import agent, auth, customer, history, home, lists, reference, words  # noqa: F401  (routes join the blueprint)
from .base import bp


def install(app: Flask) -> None:
    app.register_blueprint(bp)
