"""Who may change settings from Slack: STICKY_ADMIN_SLACK_IDS, plus workspace admins and owners."""
from __future__ import annotations

import logging
import threading
import time

from integrations.slack.client import SlackFailure

from ..runtime import Runtime

log = logging.getLogger(__name__)
_TTL_S = 300.0
_cache: dict[str, tuple[float, bool]] = {}
_lock = threading.Lock()


def is_admin(rt: Runtime, user_id: str) -> bool:
    if user_id in rt.config.admin_slack_ids:
        return True
    if rt.slack_lookup is None:
        return False
    now = time.monotonic()
    with _lock:
        hit = _cache.get(user_id)
        if hit and hit[0] > now:
            return hit[1]
    try:
        user = rt.slack_lookup.user(user_id)
    except SlackFailure as exc:
        log.warning("could not look up Slack user %s (%s); treating as not an admin", user_id, exc.error)
        return False
    verdict = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
    with _lock:
        _cache[user_id] = (now + _TTL_S, verdict)
    return verdict
