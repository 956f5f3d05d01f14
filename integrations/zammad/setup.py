"""The webhook and triggers stickybot needs in Zammad, as request bodies (Zammad's webhooks and triggers tables,
the condition names of its selectors). Pure."""
from __future__ import annotations

WEBHOOK = "stickybot"
ENDPOINT = "/webhooks/zammad"
# Zammad's article senders (db/seeds/ticket_article_senders.rb): the same ids on every install.
AGENT, CUSTOMER = "1", "2"
UPDATE = {"ticket.action": {"operator": "is", "value": "update"}}
NEW_ARTICLE = {"article.action": {"operator": "is", "value": "create"}}


def webhook(public_url: str, token: str) -> dict:
    return {"name": WEBHOOK, "endpoint": public_url.rstrip("/") + ENDPOINT, "http_method": "post",
            "signature_token": token, "ssl_verify": True, "customized_payload": False, "active": True,
            "note": "stickybot: sticky owner routing (set up by `stickybot zammad setup`)"}


def triggers(webhook_id: int | None, api_user: int) -> list[dict]:
    """The five triggers, in the order Zammad runs them (by name). None of them fires on stickybot's own owner
    write: it has no article and no state change, and the owner trigger leaves out the API user."""
    conditions = [
        ("stickybot 10 ticket created", "New tickets (their first article comes with them).",
         {"ticket.action": {"operator": "is", "value": "create"}}),
        ("stickybot 20 customer article", "Customer follow-ups, including one that reopens a closed ticket.",
         {**UPDATE, **NEW_ARTICLE, "article.sender_id": {"operator": "is", "value": [CUSTOMER]}}),
        ("stickybot 30 owner changed by person", "Owner changes that stickybot's API user did not write.",
         {**UPDATE, "ticket.owner_id": {"operator": "has changed"},
          "ticket.updated_by_id": {"operator": "is not", "pre_condition": "specific", "value": [str(api_user)]}}),
        ("stickybot 40 state changed without article", "Closing, pending or reopening without an article.",
         {**UPDATE, "ticket.state_id": {"operator": "has changed"},
          "article.action": {"operator": "is not", "value": "create"}}),
        ("stickybot 50 agent article", "Agent replies (claims) and internal notes (ignored).",
         {**UPDATE, **NEW_ARTICLE, "article.sender_id": {"operator": "is", "value": [AGENT]}}),
    ]
    return [{"name": name, "activator": "action", "execution_condition_mode": "selective", "condition": condition,
             "perform": {"notification.webhook": {"webhook_id": webhook_id}}, "note": note, "active": True}
            for name, note, condition in conditions]
