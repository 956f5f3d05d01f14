"""How stickybot is served, by `stickybot serve` and by the Procfile's web process (gunicorn.conf.py).

gunicorn's asyncio worker parses every connection in its event loop; bot/asgi.py reads each request whole there
and only then runs Flask on one of `threads` threads. A client that sends part of a request and goes quiet holds
a socket, never a thread, and not for long: a new connection must send its first request's headers within
STICKY_REQUEST_TIMEOUT_S (default 10 s), a kept-alive one its next request's headers within gunicorn's keepalive,
and every body must follow its headers within STICKY_REQUEST_TIMEOUT_S; otherwise the connection is closed (with a
408 once the headers are in).
"""
from __future__ import annotations

import json
import os
import resource
import sys
from http import HTTPStatus

from gunicorn.asgi.protocol import ASGIProtocol
from gunicorn.workers import gasgi

from .asgi import asgi_app
from .errors import ErrorCode

WORKER_CLASS = "bot.serving.Worker"
DEFAULT_REQUEST_TIMEOUT_S = 10.0
SWITCH_INTERVAL_S = 0.001


def request_timeout_s() -> float:
    raw = os.environ.get("STICKY_REQUEST_TIMEOUT_S", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_REQUEST_TIMEOUT_S
    except ValueError:
        value = float("nan")
    if not 0 < value <= 3600:
        raise SystemExit(f"STICKY_REQUEST_TIMEOUT_S must be a number of seconds above 0 and at most 3600, "
                         f"not {raw!r}")
    return value


def raise_open_file_limit() -> None:
    """Every waiting connection holds a file descriptor: lift the soft limit (often 1024) to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


_REFUSALS = {
    414: (ErrorCode.URI_TOO_LONG, "the request line (method, path and query) is too long; send a shorter path or "
                                  "fewer query parameters"),
    431: (ErrorCode.HEADERS_TOO_LARGE, "the request's headers are too large or too many"),
    500: (ErrorCode.INTERNAL, "something went wrong on our side; send the request again"),
    501: (ErrorCode.BAD_REQUEST, "the request's Transfer-Encoding is not supported; send chunked or a "
                                 "Content-Length"),
}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class _Protocol(ASGIProtocol):
    """gunicorn bounds the wait for a kept-alive connection's next request (keepalive), not the wait for its
    first one: arm the same timer, with the request deadline, as soon as the connection opens. gunicorn
    cancels it when the request's headers are in, as it does for keepalive."""

    deadline_s = DEFAULT_REQUEST_TIMEOUT_S

    def _send_error_response(self, status, message, extra_headers=()):
        """gunicorn's own refusals (a request line or headers too long, a request it cannot parse) in the API's
        error shape, as JSON, like every other error."""
        code, words = _REFUSALS.get(status, (ErrorCode.BAD_REQUEST, "the request could not be read as HTTP/1.1"))
        body = json.dumps({"error": str(code), "message": words}).encode()
        reason = {414: "URI Too Long", 431: "Request Header Fields Too Large"}.get(status) or _phrase(status)
        head = "".join(f"{name}: {value}\r\n" for name, value in extra_headers)
        self._safe_write((f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n{head}Connection: close\r\n\r\n").encode("latin-1"))
        self._safe_write(body)

    def connection_made(self, transport):
        super().connection_made(transport)
        if self._request_ready is not None and not self._closed and self._keepalive_handle is None:
            self._keepalive_handle = self.worker.loop.call_later(self.deadline_s, self._keepalive_timeout)


class Worker(gasgi.ASGIWorker):
    """gunicorn's asyncio worker running stickybot's Flask app; `threads` sizes the pool that runs Flask."""

    @classmethod
    def check_config(cls, cfg, log):
        pass  # the asyncio worker warns that it ignores `threads`: here they size the Flask pool

    def init_process(self):
        # A thread back from the database waits for the one running Python at most this long (default 5 ms):
        # a webhook's few round trips are not each held up by a dashboard page being rendered meanwhile.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        raise_open_file_limit()
        _Protocol.deadline_s = request_timeout_s()
        gasgi.ASGIProtocol = _Protocol  # in this worker process: connections get the first-request deadline
        super().init_process()

    def notify(self):
        super().notify()
        if self.servers and not getattr(self, "_backlog_restored", False):
            # asyncio's create_server listened again with its own default backlog (100): a burst of new
            # connections would overflow it and wait a second for a SYN retry. Put gunicorn's back.
            self._backlog_restored = True
            for listener in self.sockets:
                listener.sock.listen(self.cfg.backlog)

    def load_wsgi(self):
        self.wsgi = self.app.wsgi()  # the Flask app; worker_exit reaches its runtime through worker.wsgi
        self.asgi = asgi_app(self.wsgi, self.cfg.threads, _Protocol.deadline_s)


def close_app(app) -> None:
    """On a worker's way out: stop its scheduler (if it runs one), finish or hand back the outbox rows in
    flight, close the database."""
    from .scheduler import stop_in_process

    rt = getattr(app, "extensions", {}).get("stickybot")
    if rt is not None:
        stop_in_process(rt)


def worker_exit(_server, worker) -> None:
    """gunicorn's worker_exit hook, for `stickybot serve` and gunicorn.conf.py alike."""
    app = getattr(worker, "wsgi", None)
    if app is not None:
        close_app(app)
