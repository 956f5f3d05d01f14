"""What happened: a conversation's decisions, the stickiness figures, and the audit trail."""
from __future__ import annotations

import json

from flask import redirect, request, url_for

from ...errors import StickyError
from ...service import audit, conversations, stats
from ..params import AuditQuery, StatsQuery, read_query
from .base import bp, check_id, now, page, read
from .chart import day_chart
from .words import MISSES, TRIGGERS

AUDIT_PAGE = 50


@bp.get("/conversations")
def find_conversation():
    wanted = check_id(request.args.get("id", "").strip(), "conversation id")
    return redirect(url_for("dashboard.conversation", conversation_id=wanted), code=303)


@bp.get("/conversations/<id:conversation_id>")
def conversation(conversation_id):
    try:
        found = read(lambda store: conversations.conversation(store, conversation_id, who_acted=True))
    except StickyError as exc:
        return page("conversation.html", exc.status, conversation=None, wanted=conversation_id, error=exc)
    return page("conversation.html", conversation=found, wanted=conversation_id, error=None, triggers=TRIGGERS)


@bp.get("/stats")
def stats_page():
    error, status = None, 200
    try:
        days = read_query(StatsQuery).days
    except StickyError as exc:
        error, status, days = exc, exc.status, 7
    at = now()
    figures = read(lambda store: stats.summary(store, days, at))  # what the page shows, no more
    return page("stats.html", status, figures=figures, days=days, error=error, chart=day_chart(figures["by_day"]),
                misses=MISSES, asked=request.args.get("days", ""))


@bp.get("/audit")
def audit_page():
    before = read_query(AuditQuery).before
    found = read(lambda store: audit.page(store, AUDIT_PAGE, before))
    items = [{**e, "before": _json(e["before"]), "after": _json(e["after"])} for e in found["items"]]
    return page("audit.html", items=items, next=found["next"], first=before is None)


def _json(value) -> str:
    """Plain text for the page (escaped there like any other text)."""
    return "—" if value is None else json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
