"""What one process holds, built once by the app factory: configuration, the clock, the database, the outside
services' clients, and the outbox with its senders. Nothing here connects until used."""
from __future__ import annotations

import logging
from typing import Callable

from flask import current_app

from integrations.chatwoot.api import ChatwootApi
from integrations.zammad.api import ZammadApi
from integrations.slack.client import SlackClient

from .clock import Clock
from .config import Config
from .db import Database
from .delivery import Deliverer, Outbox
from .outbox import Sender
from .service.chatwoot_writeback import ChatwootDesk
from .service.zammad_writeback import ZammadDesk
from .service.helpdesk.writeback import Desk, HelpdeskSender
from .slack.admins import SlackAdmins
from .slack.publish import SlackViews
from .slack.sender import SlackSender

log = logging.getLogger(__name__)
# Every helpdesk stickybot speaks, by channel: its Desk (what configuring it needs is its `needs`).
HELPDESKS = {ChatwootDesk.channel: ChatwootDesk, ZammadDesk.channel: ZammadDesk}


class Runtime:
    def __init__(self, config: Config, clock: Clock | None = None,
                 on_commit: Callable[[dict], None] | None = None):
        self.config = config
        self.clock = clock or Clock()
        self.db = Database(config.database_url, on_commit=on_commit, clock=self.clock,
                           zone=config.default_time_zone)
        token = config.slack_bot_token
        self.slack = SlackClient(token, config.slack_api_url) if token else None
        # For look-ups made while Slack waits for our answer (3 s): a short timeout.
        self.slack_lookup = SlackClient(token, config.slack_api_url, timeout=2) if token else None
        self.admins = SlackAdmins(config.admin_slack_ids, self.slack_lookup)
        c = config
        configured = c.chatwoot_url and c.chatwoot_account_id and c.chatwoot_api_token
        self.chatwoot = ChatwootApi(c.chatwoot_url, c.chatwoot_account_id, c.chatwoot_api_token) \
            if configured else None
        # The helpdesks whose API is configured, by channel: write-back, learning users, directory sync.
        self.desks: dict[str, Desk] = {}
        if self.chatwoot is not None:
            self.desks[ChatwootDesk.channel] = ChatwootDesk(self.chatwoot)
        self.zammad = ZammadApi(c.zammad_url, c.zammad_api_token) if c.zammad_url and c.zammad_api_token else None
        if self.zammad is not None:
            self.desks[ZammadDesk.channel] = ZammadDesk(self.zammad, c.zammad_time_zone)
        senders: list[Sender] = []
        if self.slack is not None:
            senders.append(SlackSender(self.db, self.slack, config.slack_queue_channel))
            senders.append(SlackViews(self.db, self.slack, self.admins))
        senders += [HelpdeskSender(self.db, desk) for desk in self.desks.values()]
        self.outbox = Outbox(self.db, senders, config.outbox_lease_s, self.clock)
        self.deliverer = Deliverer(self.outbox)
        self.scheduler = None  # the in-process scheduler, when this process runs one (bot.scheduler)
        self.socket_mode = None  # Slack's Socket Mode connection, when this process holds it (bot.slack.socket)
        self._warned_no_slack = False

    def wake_deliverer(self) -> None:
        """Called after a commit that may have written outbox rows: deliver them now, off the request."""
        if self.slack is None and not self._warned_no_slack:
            log.warning("SLACK_BOT_TOKEN is not set: handoffs are kept in the outbox until it is")
            self._warned_no_slack = True
        if self.config.deliver_after_commit:
            try:
                self.deliverer.kick()
            except Exception:  # the scheduler delivers whatever this misses
                log.exception("could not wake the outbox deliverer")

    def close(self) -> None:
        """Finish the delivery in hand, then let go of the database."""
        self.deliverer.stop()
        self.db.dispose()


def runtime() -> Runtime:
    return current_app.extensions["stickybot"]
