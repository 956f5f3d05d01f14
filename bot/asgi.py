"""The Flask app behind an asyncio server: the request is read whole in the event loop, then run on a thread.

`WholeRequests` gathers the body (capped at the app's MAX_CONTENT_LENGTH, within a deadline) before anything
else sees the request; `ThreadedWSGI` then runs Flask on a pool thread and hands the finished response back.

Why not a2wsgi's WSGIMiddleware alone: it starts the thread first and reads the body from there (a slow
client would hold the thread), and every message it passes (body, status, each chunk, the end) waits for the
event loop, which cost about a third of the throughput in bench/serving.py. Its environ builder is reused.
"""
from __future__ import annotations

import asyncio
import io
import json
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from a2wsgi.wsgi import build_environ

from .errors import ErrorCode

REQUEST_TIMEOUT = "request_timeout"


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class _Gone(Exception):
    """The client went away before its request was whole."""


class WholeRequests:
    """ASGI middleware: gathers the body in the event loop (size cap, deadline), then hands the request on
    with its body ready, so nothing behind it ever waits on a client."""

    def __init__(self, app, max_body: int, timeout_s: float, limits: dict[str, int] | None = None):
        self.app = app
        self.max_body = max_body
        self.limits = limits or {}  # paths allowed a larger (or smaller) body than max_body
        self.timeout_s = timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        try:
            body = await asyncio.wait_for(self._body(scope, receive), self.timeout_s)
        except asyncio.TimeoutError:
            return await _answer(send, 408, REQUEST_TIMEOUT,
                                 f"the request body did not arrive within {self.timeout_s:g} s; send it again")
        except _Refused as refused:
            return await _answer(send, refused.status, refused.code, refused.message)
        except _Gone:
            return None
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    async def _body(self, scope, receive) -> bytes:
        limit = self.limits.get(scope.get("path", ""), self.max_body)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            raise self._too_large(limit)
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Gone()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise self._too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    def _too_large(limit: int) -> _Refused:
        return _Refused(413, str(ErrorCode.TOO_LARGE), f"the body is too large: at most {limit} bytes")


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP parser has refused it already
    return None


async def _answer(send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


# What machines call, answered first: chat channels' and Slack's deliveries, health checks, metrics, the admin
# API. Everything else is a person's page (the dashboard).
MACHINE_PATHS = ("/webhooks/", "/slack/", "/api/", "/healthz", "/readyz", "/metrics")
PAGE_NICENESS = 10  # how much less CPU time a page's thread gets than a webhook's, when both want it (Linux)


def page_threads(threads: int) -> int:
    """How many dashboard pages one process renders at once: a quarter of its threads, at least one."""
    return max(1, threads // 4)


def _yield_to_machines() -> None:
    """A page thread's initializer: on Linux, where a nice value is a thread's own, pages run at a lower
    priority, so that a busy dashboard takes the CPU only when webhooks leave it idle."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PAGE_NICENESS)
        except OSError:
            pass  # not allowed here: pages run at the usual priority


class ThreadedWSGI:
    """ASGI -> WSGI for requests whose body is already whole: one hop to a pool thread and one back.

    The response is collected on the thread and sent from the event loop, so a client slow to read it holds no
    thread either. stickybot's answers are small (JSON, short pages); nothing streams.

    Dashboard pages have threads of their own (`page_threads`), at a lower priority: pages asked for wait their
    turn in that pool's queue, holding none of the `threads` that webhooks, Slack and the API run on. However
    many pages people load at once, a chat channel's webhook finds a free thread, and the CPU goes to it first."""

    def __init__(self, app, threads: int):
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="stickybot-web")
        self.pages = ThreadPoolExecutor(max_workers=page_threads(threads), thread_name_prefix="stickybot-page",
                                        initializer=_yield_to_machines)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send)
        if scope["type"] != "http":
            return None  # no websockets here: the server closes the connection
        message = await receive()
        body = message.get("body", b"") if message["type"] == "http.request" else b""
        environ = build_environ(scope, io.BytesIO(body))
        environ["CONTENT_LENGTH"] = str(len(body))  # a chunked body is whole now: say how long it is
        environ["wsgi.input_terminated"] = True
        raw = scope.get("raw_path")
        if raw:  # the request target as sent, with %2F still encoded (ids in paths may hold a /: bot.web.ids)
            query = scope.get("query_string") or b""
            environ["RAW_URI"] = (raw + (b"?" + query if query else b"")).decode("latin-1")
        pool = self.pool if scope.get("path", "").startswith(MACHINE_PATHS) else self.pages
        status, headers, content = await asyncio.get_running_loop().run_in_executor(pool, self._run, environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def _run(self, environ) -> tuple[int, list, bytes]:
        started: list = []

        def start_response(status, headers, exc_info=None):
            started[:] = [int(status.split(" ", 1)[0]),
                          [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]]

        chunks = self.app(environ, start_response)
        try:
            content = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        return started[0], started[1], content

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.pages.shutdown(wait=True)


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def asgi_app(wsgi_app, threads: int, timeout_s: float):
    """A Flask app as ASGI: requests read whole (at most MAX_CONTENT_LENGTH, 1 MiB when unset, or the app's own
    limit for a path in its BODY_LIMITS) within `timeout_s`, then run on `threads` threads."""
    max_body = wsgi_app.config.get("MAX_CONTENT_LENGTH") or 1024 * 1024
    return WholeRequests(ThreadedWSGI(wsgi_app, max(1, threads)), max_body, timeout_s,
                         wsgi_app.config.get("BODY_LIMITS"))
