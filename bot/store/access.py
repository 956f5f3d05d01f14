"""The store's statements on who may get in: the dashboard's sessions, and the wrong admin tokens counted per
client. Neither holds a secret: a session is stored under the SHA-256 of its id, and a client is an address."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from ..models import DashboardSession, WrongToken
from .records import WrongTokens
from .runner import Runner, dt

SESSION, WRONG = DashboardSession.__table__, WrongToken.__table__

# One statement counts a wrong token and says where the client stands: a window that began at or before
# :stale is over, and this token starts the next one. Concurrent calls queue on the row, so each gets its own count.
_COUNT = ("INSERT INTO wrong_token (client, failures, since) VALUES (:client, 1, :now) "
          "ON CONFLICT (client) DO UPDATE SET "
          "failures = CASE WHEN wrong_token.since <= :stale THEN 1 ELSE wrong_token.failures + 1 END, "
          "since = CASE WHEN wrong_token.since <= :stale THEN excluded.since ELSE wrong_token.since END "
          "RETURNING failures, since")


class AccessStatements:
    q: Runner

    # --- dashboard sessions --------------------------------------------------------------------------

    def open_session(self, key: str, at: datetime, until: datetime) -> None:
        self.q.core(SESSION.insert().values(key=key, created_at=at, expires_at=until))

    def session_open(self, key: str, now: datetime) -> bool:
        """Whether the session stored under `key` exists and has not expired at `now`."""
        found = select(SESSION.c.key).where(SESSION.c.key == key, SESSION.c.expires_at > now)
        return self.q.core(found).first() is not None

    def close_session(self, key: str) -> bool:
        return self.q.core(delete(SESSION).where(SESSION.c.key == key)).rowcount > 0

    def close_sessions(self) -> int:
        """Every session ends (sign out everywhere)."""
        return self.q.core(delete(SESSION)).rowcount

    def prune_sessions(self, before: datetime, batch: int) -> int:
        """Delete up to `batch` sessions that expired before `before`."""
        old = select(SESSION.c.key).where(SESSION.c.expires_at < before).limit(batch)
        return self.q.core(delete(SESSION).where(SESSION.c.key.in_(old))).rowcount

    # --- wrong admin tokens ----------------------------------------------------------------------------

    def wrong_tokens(self, client: str) -> WrongTokens | None:
        row = self.q.core(select(WRONG.c.failures, WRONG.c.since).where(WRONG.c.client == client)).first()
        return WrongTokens(row[0], dt(row[1])) if row else None

    def count_wrong_token(self, client: str, now: datetime, stale: datetime) -> WrongTokens:
        """Count one wrong token from `client` at `now`, in its window (a new one if its window began at or
        before `stale`); the count and the window's start after it."""
        row = self.q.one(_COUNT, client=client, now=self.q.ts(now), stale=self.q.ts(stale))
        return WrongTokens(row[0], dt(row[1]))

    def prune_wrong_tokens(self, before: datetime, batch: int) -> int:
        """Delete up to `batch` clients whose window began before `before`."""
        old = select(WRONG.c.client).where(WRONG.c.since < before).limit(batch)
        return self.q.core(delete(WRONG).where(WRONG.c.client.in_(old))).rowcount
