"""What the helpdesks' webhook views share."""
from __future__ import annotations

import re

from flask import request

from ..errors import StickyError
from .errors import size_in_words

_DELIVERY_ID = re.compile(r"[!-~]{1,128}")


def refusals(helpdesk: str, delivery_header: str, max_body: int) -> dict[int, str]:
    """A helpdesk webhook's own refusals, for its declaration."""
    return {400: f"The body is not JSON, or {delivery_header} is not 1-128 printable ASCII characters.",
            413: f"The body is over {size_in_words(max_body)}.",
            422: f"A field stickybot reads holds a value {helpdesk} never sends (`details` names it)."}


def delivery_id(header: str, helpdesk: str) -> str | None:
    """A delivery's id (a UUID from both Chatwoot and Zammad): the key it is applied once by."""
    value = (request.headers.get(header) or "").strip() or None
    if value is not None and not _DELIVERY_ID.fullmatch(value):
        raise StickyError(f"{header} must be 1-128 printable ASCII characters ({helpdesk} sends a UUID)")
    return value
