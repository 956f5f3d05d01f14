"""Which outside addresses stickybot shows as links: plain http(s) ones only, never javascript:, data: or junk."""
from __future__ import annotations

from urllib.parse import urlsplit


def web_address(url: str | None) -> str | None:
    """`url` if it is an http(s) address with a host, else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None
