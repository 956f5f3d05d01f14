"""The outbox's Slack sender for what is not a message: App Homes published (views.publish), and agents' time
zones asked of Slack (users.info)."""
from __future__ import annotations

from integrations.slack.client import SlackClient, SlackFailure
from integrations.slack.home import home_view

from ..db import Database
from ..outbox import DeliveryFailure
from ..service import home, signals
from ..store import OutboxItem, OutboxKind
from .admins import SlackAdmins
from .sender import VERDICTS


class SlackViews:
    name = "slack"  # the same token as the DMs: a pause for one is a pause for both
    kinds = frozenset({OutboxKind.SLACK_HOME, OutboxKind.SLACK_ZONE})

    def __init__(self, db: Database, client: SlackClient, admins: SlackAdmins):
        self.db, self.client, self.admins = db, client, admins

    def send(self, item: OutboxItem) -> str | None:
        try:
            if item.kind == OutboxKind.SLACK_ZONE:
                return self._zone(item.payload["agent"])
            return self._home(item.payload["user"])
        except SlackFailure as exc:
            raise DeliveryFailure(VERDICTS[exc.verdict], exc.error, exc.retry_after) from None

    def _home(self, user_id: str) -> str | None:
        """The Home as it is now (it may have changed since the row was written: all the better)."""
        admin = self.admins.is_admin(user_id)
        shown = self.db.read(lambda store: home.home(store, user_id, self.db.clock.now(), admin))
        self.client.publish_home(user_id, home_view(shown))
        return None

    def _zone(self, agent_id: str) -> str | None:
        user_id = self.db.read(lambda store: getattr(store.agent(agent_id), "slack_user_id", None))
        if not user_id:
            return "the agent has no Slack id any more"
        tz = self.client.user(user_id).get("tz")
        done = self.db.transact(lambda store: signals.learnt_zone(store, agent_id, tz, self.db.clock.now()))
        return None if done == "learnt" else f"zone kept ({tz or 'Slack gave none'})"
