"""Every error on every HTTP surface, rendered in one place as {"error", "message"[, "details"]}."""
from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from ..errors import ErrorCode, StickyError

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: (ErrorCode.BAD_REQUEST, "the request could not be read"),
    404: (ErrorCode.NOT_FOUND, "no such endpoint; see the README for the API"),
    405: (ErrorCode.METHOD_NOT_ALLOWED, "this endpoint does not take that method"),
    415: (ErrorCode.UNSUPPORTED_MEDIA, "send JSON with Content-Type: application/json"),
}


def size_in_words(limit: int) -> str:
    """64 KiB, 1 MiB, or the exact count of bytes."""
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if limit % size == 0:
            return f"{limit // size} {unit}"
    return f"{limit:,} bytes"


def too_large(limit: int, what: str) -> StickyError:
    """The 413 of an endpoint with its own limit, saying that limit."""
    return StickyError(f"the body is too large: {what} are at most {size_in_words(limit)}",
                       code=ErrorCode.TOO_LARGE, status=413)


def install(app: Flask) -> None:
    @app.errorhandler(StickyError)
    def _sticky(exc: StickyError):
        return jsonify(exc.body()), exc.status, exc.headers or {}

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 413:  # an endpoint without a limit of its own: the app's
            limit = current_app.config["MAX_CONTENT_LENGTH"]
            return _sticky(too_large(limit, "requests here") if limit else StickyError(
                "the body is too large", code=ErrorCode.TOO_LARGE, status=413))
        code, message = _HTTP_CODES.get(exc.code or 500, (ErrorCode.BAD_REQUEST, exc.description or "bad request"))
        return jsonify({"error": str(code), "message": message}), exc.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database(exc: Exception):
        log.warning("database unavailable: %s", type(exc).__name__)
        # The database may have gone away during the commit itself, so whether it stored the request is
        # unknown: sending it again is safe, as every event id is applied once.
        body = {"error": str(ErrorCode.UNAVAILABLE),
                "message": "the database is unavailable right now; send the request again (an event that was "
                           "stored after all is applied once: its id is remembered)"}
        return jsonify(body), 503, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def _internal(exc: Exception):
        log.exception("unhandled error")
        return jsonify({"error": str(ErrorCode.INTERNAL), "message": "something went wrong on our side; send "
                        "the request again (an event that was stored after all is applied once)"}), 500
