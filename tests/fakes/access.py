"""The fake store's dashboard sessions and wrong-token counts (bot/store/access.py's rules, in dicts)."""
from __future__ import annotations

from datetime import datetime

from bot.store import WrongTokens


class AccessFake:
    sessions_: dict[str, datetime]   # session key -> expires at
    wrong: dict[str, WrongTokens]    # client -> its window

    def open_session(self, key, at, until) -> None:
        if key in self.sessions_:
            raise KeyError(f"session {key[:8]}... exists")  # the primary key's refusal
        self.sessions_[key] = until

    def session_open(self, key, now) -> bool:
        return key in self.sessions_ and self.sessions_[key] > now

    def close_session(self, key) -> bool:
        return self.sessions_.pop(key, None) is not None

    def close_sessions(self) -> int:
        count = len(self.sessions_)
        self.sessions_.clear()
        return count

    def prune_sessions(self, before, batch) -> int:
        old = [k for k, until in self.sessions_.items() if until < before][:batch]
        for key in old:
            del self.sessions_[key]
        return len(old)

    def wrong_tokens(self, client):
        return self.wrong.get(client)

    def count_wrong_token(self, client, now, stale):
        known = self.wrong.get(client)
        if known is None or known.since <= stale:
            self.wrong[client] = WrongTokens(1, now)
        else:
            self.wrong[client] = WrongTokens(known.failures + 1, known.since)
        return self.wrong[client]

    def prune_wrong_tokens(self, before, batch) -> int:
        old = [c for c, known in self.wrong.items() if known.since < before][:batch]
        for client in old:
            del self.wrong[client]
        return len(old)
