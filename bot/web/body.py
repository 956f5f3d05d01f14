"""JSON request bodies, read by the one rule in integrations/jsonbody, refused in the API's error shape."""
from __future__ import annotations

from typing import Any

from integrations import jsonbody

from ..errors import ErrorCode, Invalid, StickyError


def read_json(raw: bytes) -> Any:
    """The parsed body; 400 `invalid_json` when it is not JSON, 422 when it nests too deep."""
    try:
        return jsonbody.loads(raw)
    except jsonbody.TooDeep as exc:
        raise Invalid(exc.message, details=exc.details) from None
    except jsonbody.NotJson as exc:
        raise StickyError(exc.message, code=ErrorCode.INVALID_JSON) from None
