"""Who may change settings from Slack: STICKY_ADMIN_SLACK_IDS, plus workspace admins and owners."""
from __future__ import annotations

import logging
import threading
import time

from integrations.slack.client import SlackClient, SlackFailure

log = logging.getLogger(__name__)
_TTL_S = 300.0


class SlackAdmins:
    """Configured admins, and Slack's answer about everyone else, remembered for five minutes."""

    def __init__(self, configured: frozenset[str], lookup: SlackClient | None):
        self.configured, self.lookup = configured, lookup
        self._known: dict[str, tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_admin(self, user_id: str) -> bool:
        if user_id in self.configured:
            return True
        if self.lookup is None:
            return False
        now = time.monotonic()
        with self._lock:
            hit = self._known.get(user_id)
            if hit and hit[0] > now:
                return hit[1]
        try:
            user = self.lookup.user(user_id)
        except SlackFailure as exc:
            log.warning("could not look up Slack user %s (%s); treating as not an admin", user_id, exc.error)
            return False
        verdict = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._known[user_id] = (now + _TTL_S, verdict)
        return verdict
