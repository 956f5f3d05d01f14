"""What the helpdesks' webhook views share."""
from __future__ import annotations

import re

from flask import request

from ..errors import StickyError

_DELIVERY_ID = re.compile(r"[!-~]{1,128}")


def delivery_id(header: str, helpdesk: str) -> str | None:
    """A delivery's id (a UUID from both Chatwoot and Zammad): the key it is applied once by."""
    value = (request.headers.get(header) or "").strip() or None
    if value is not None and not _DELIVERY_ID.fullmatch(value):
        raise StickyError(f"{header} must be 1-128 printable ASCII characters ({helpdesk} sends a UUID)")
    return value
