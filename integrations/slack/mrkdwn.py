"""Outside strings in Slack text, by Slack's rules. Pure.

Slack reads `<...>` as a link or a mention (`<!channel>`, `<@U123>`, `<https://x|label>`) and `&` as the start
of an entity, in mrkdwn blocks and in a message's `text` alike; every string we did not write goes through
`escape`, and every address through `link`.
"""
from __future__ import annotations

from urllib.parse import quote

from integrations.addresses import web_address

# Left as they are in an address: what a URL legitimately holds, and `%` so existing escapes stay single.
# Everything else outside letters, digits and `-._~` is percent-encoded: `|`, `<`, `>`, spaces, quotes, controls.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]"


def escape(text: object) -> str:
    """`&`, `<` and `>` as the entities Slack asks for; nothing else changes."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """An http(s) address made fit for `<url|label>`, or None for anything else (javascript:, mailto:, junk)."""
    if web_address(url) is None:
        return None
    return escape(quote(url, safe=_URL_SAFE))


def link(url: str | None, label: str) -> str | None:
    """`<url|label>` with the label escaped, or None when the address is not a web address."""
    address = safe_url(url)
    return f"<{address}|{escape(label)}>" if address else None
