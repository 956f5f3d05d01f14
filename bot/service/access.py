"""The limit on wrong admin tokens per client, shared by every process through the database.

A client has LIMIT wrong tokens in a window of WINDOW that begins with the first of them; past that its wrong
tokens are refused until the window is over. The right token is never counted nor refused (bot.web.admin_token).
Once refused, a wrong token is not written down: it costs the database one read.
"""
from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..db import Database

log = logging.getLogger(__name__)
LIMIT = 5
WINDOW = timedelta(minutes=15)


def wrong_token(db: Database, client: str, now: datetime) -> int:
    """Count a wrong token from `client` at `now`: the seconds until another may be tried (0: now)."""
    known = db.read(lambda store: store.wrong_tokens(client))
    if known is not None and known.failures >= LIMIT and known.since > now - WINDOW:
        return _wait_s(known.since, now)
    counted = db.transact(lambda store: store.count_wrong_token(client, now, now - WINDOW))
    if counted.failures == LIMIT:
        log.warning("%d wrong admin tokens from %s: its wrong tokens are refused until %s", LIMIT, client,
                    (counted.since + WINDOW).isoformat(timespec="seconds"))
    return _wait_s(counted.since, now) if counted.failures > LIMIT else 0


def _wait_s(since: datetime, now: datetime) -> int:
    return max(1, math.ceil((since + WINDOW - now).total_seconds()))
