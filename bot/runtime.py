"""What one process holds: configuration, the database, Slack, and the hooks run after a commit."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

from flask import current_app

from integrations.chatwoot.api import ChatwootApi
from integrations.slack.client import SlackClient

from .config import Config
from .db import Database

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    config: Config
    db: Database
    # Outbox kinds other integrations deliver (kind -> sender of one claimed row).
    extra_senders: dict[str, Callable] = field(default_factory=dict)

    @cached_property
    def slack(self) -> SlackClient | None:
        token = self.config.slack_bot_token
        return SlackClient(token, self.config.slack_api_url) if token else None

    @cached_property
    def chatwoot(self) -> ChatwootApi | None:
        c = self.config
        if c.chatwoot_url and c.chatwoot_account_id and c.chatwoot_api_token:
            return ChatwootApi(c.chatwoot_url, c.chatwoot_account_id, c.chatwoot_api_token)
        return None

    @cached_property
    def slack_lookup(self) -> SlackClient | None:
        """For look-ups made while Slack waits for our answer (3 s): a short timeout."""
        token = self.config.slack_bot_token
        return SlackClient(token, self.config.slack_api_url, timeout=2) if token else None

    @cached_property
    def slack_sender(self):
        from .delivery import SlackSender

        return SlackSender(self)

    @cached_property
    def deliverer(self):
        from .delivery import Deliverer

        return Deliverer(self)

    def committed(self) -> None:
        """Called after a commit that may have written outbox rows: deliver them now, off the request."""
        if self.config.deliver_after_commit:
            try:
                self.deliverer.kick()
            except Exception:  # the scheduler delivers whatever this misses
                log.exception("could not wake the outbox deliverer")

    def close(self) -> None:
        if "deliverer" in self.__dict__:
            self.deliverer.stop()
        self.db.dispose()


def runtime() -> Runtime:
    return current_app.extensions["stickybot"]
