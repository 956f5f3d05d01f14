"""Liveness and readiness, without auth."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    rt = runtime()
    slack = "configured" if rt.config.slack_bot_token else "not configured: handoffs wait in the outbox"
    warnings = rt.config.warnings()
    try:
        with rt.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "unavailable", "database": "unreachable", "slack": slack,
                        "warnings": warnings}), 503
    return jsonify({"status": "ready", "database": "ok", "slack": slack, "warnings": warnings})
