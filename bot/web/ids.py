"""Ids in URL paths: any character an id may hold, `/` and `%` included, percent-encoded by the caller.

A WSGI server hands the application PATH_INFO already percent-decoded, where `/api/customers/acme%2Fada` and
`/api/customers/acme/ada` look the same. `RawPath` rebuilds PATH_INFO from the raw request target (RAW_URI from
gunicorn, REQUEST_URI/RAW_URI from werkzeug's server and test client): it splits the raw path on `/` first,
decodes each segment, and writes a `/` or `%` inside a segment back as `%2F` or `%25`. Routes then name an id
with the `id` converter (`/customers/<id:customer_id>/link`), which matches one segment and decodes those two.
When a server gives no raw target, or one that does not match PATH_INFO, `%` is still escaped (so decoding stays
exact) but a `/` inside an id cannot be told from a separator.
"""
from __future__ import annotations

from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit

from flask import Flask
from werkzeug.routing import BaseConverter, IntegerConverter


class IdConverter(BaseConverter):
    """One path segment, as `RawPath` escaped it."""

    regex = "[^/]+"
    part_isolating = True

    def to_python(self, value: str) -> str:
        return unquote(value)  # only %25 and %2F are left in a segment

    def to_url(self, value: str) -> str:
        return quote(value, safe="")


class AsciiInteger(IntegerConverter):
    """`<int:...>` with ASCII digits only (werkzeug's `\\d` also matches other scripts' digits, which `int()`
    reads as the same number)."""

    regex = "[0-9]+"


class RawPath:
    """WSGI middleware: PATH_INFO segmented by the raw path's own slashes."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        raw = _raw_segments(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "") or []
        environ[NOT_UTF8] = not all(_is_utf8(part) for part in [environ.get("PATH_INFO", ""), *raw])
        environ["PATH_INFO"] = escaped_path_info(environ)
        return self.app(environ, start_response)


NOT_UTF8 = "stickybot.path_not_utf8"  # set in the WSGI environ: werkzeug would decode the bytes to U+FFFD


def _is_utf8(wsgi_string: str) -> bool:
    try:
        wsgi_string.encode("latin-1").decode("utf-8")
        return True
    except UnicodeError:
        return False


def escaped_path_info(environ) -> str:
    """PATH_INFO (a WSGI latin-1 string) with every `%`, and each `/` that was `%2F` in the raw path, escaped."""
    path_info = environ.get("PATH_INFO", "")
    script_name = environ.get("SCRIPT_NAME", "")
    segments = _raw_segments(environ.get("RAW_URI") or environ.get("REQUEST_URI") or "")
    skip = len(script_name.split("/"))
    if segments and len(segments) >= skip and "/".join(segments) == script_name + path_info:
        return "/" + "/".join(_escape(s) for s in segments[skip:]) if path_info else ""
    return _escape(path_info, keep_slash=True)


def _raw_segments(raw: str) -> list[str] | None:
    """The raw target's path split on `/`, each segment percent-decoded into a WSGI string; None if unusable."""
    try:
        target = raw.split("?", 1)[0]
        if not target.startswith("/"):
            target = urlsplit(target).path  # absolute form: http://host/path
        # A WSGI string holds bytes as latin-1 characters: back to bytes, decode the escapes, back to a string.
        return [unquote_to_bytes(part.encode("latin-1")).decode("latin-1") for part in target.split("/")]
    except ValueError:  # not latin-1 (no server sends that), or a malformed absolute URL
        return None


def _escape(segment: str, keep_slash: bool = False) -> str:
    out = segment.replace("%", "%25")
    return out if keep_slash else out.replace("/", "%2F")


def install(app: Flask) -> None:
    """Register the `id` converter (before any route uses it) and the middleware."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["int"] = AsciiInteger
    # `//` is an empty id, not a typo to redirect: `/api/teams//x` must not become a PUT to team `x`.
    app.url_map.merge_slashes = False
    app.wsgi_app = RawPath(app.wsgi_app)
