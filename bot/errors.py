"""One error hierarchy: a code from the contract and a message a person can act on."""
from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    INVALID_JSON = "invalid_json"
    VALIDATION = "validation_failed"
    UNAUTHORIZED = "unauthorized"
    TOO_MANY_WRONG_TOKENS = "too_many_wrong_tokens"
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    NOT_CONFIGURED = "not_configured"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    TOO_LARGE = "payload_too_large"
    URI_TOO_LONG = "uri_too_long"
    HEADERS_TOO_LARGE = "headers_too_large"
    UNSUPPORTED_MEDIA = "unsupported_media_type"
    UNAVAILABLE = "database_unavailable"
    INTERNAL = "internal_error"


class StickyError(Exception):
    status = 400
    code = ErrorCode.BAD_REQUEST
    headers: dict[str, str] | None = None  # sent with the answer (e.g. Retry-After)

    def __init__(self, message: str, *, code: ErrorCode | None = None, status: int | None = None,
                 details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def body(self) -> dict:
        out = {"error": str(self.code), "message": self.message}
        if self.details is not None:
            out["details"] = self.details
        return out


class Unauthorized(StickyError):
    status, code = 401, ErrorCode.UNAUTHORIZED


class NotConfigured(StickyError):
    status, code = 503, ErrorCode.NOT_CONFIGURED


class NotFound(StickyError):
    status, code = 404, ErrorCode.NOT_FOUND


class Conflict(StickyError):
    status, code = 409, ErrorCode.CONFLICT


class Invalid(StickyError):
    status, code = 422, ErrorCode.VALIDATION
