"""Slack over Socket Mode (CONTRACT.md 5): with SLACK_APP_TOKEN, Slack's events, commands and interactions come
over a WebSocket this deployment opens (`apps.connections.open`, then slack-bolt's Socket Mode handler), so Slack
needs no public address of ours.

One connection per deployment, held by the process that runs the scheduler (`stickybot serve`, `stickybot
worker`): on PostgreSQL, the one of those processes that holds an advisory lock (the others wait, and take over
when it goes); on SQLite, the deployment's one scheduler process. Every envelope is acknowledged, those no
listener handled too (bolt's own handler leaves them unanswered, and Slack would send them again), except one
whose listener failed on our side, which Slack then sends again (signals are applied once); a dropped or
`disconnect`ed connection is opened again (slack_sdk's client does it; a failed start is tried again here).
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy import func, select, text

from ..db import Database
from ..jobs import lock_key
from ..runtime import Runtime

log = logging.getLogger(__name__)
CHECK_S = 5.0      # how often the holder checks it still holds the lock
RETRY_S = 10.0     # how long a failed start, or a process without the lock, waits before trying again


class Handler(SocketModeHandler):
    """bolt's Socket Mode handler, acknowledging every envelope and waking the outbox after each."""

    def __init__(self, app: App, app_token: str, after: Callable[[], None], ping_interval: float):
        super().__init__(app, app_token, ping_interval=ping_interval)
        self.after = after

    def handle(self, client, req: SocketModeRequest) -> None:
        started = time.time()
        try:
            response = run_bolt_app(self.app, req)
        except Exception:
            log.exception("Socket Mode envelope (%s) failed", req.type)
            response = None
        if response is not None and response.status == 200:
            send_response(client, req, response, started)
        elif response is not None and response.status < 500:  # nothing to do with it (no listener): said so
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
        else:  # it failed on our side (the database away?): unacknowledged, Slack sends it again
            log.warning("Socket Mode envelope (%s) left unacknowledged, to be sent again", req.type)
        self.after()


@contextmanager
def leadership(db: Database) -> Iterator[Callable[[], bool] | None]:
    """Whether this process may hold the deployment's Socket Mode connection: a check that it still may, or None.
    PostgreSQL: a session advisory lock on a connection of its own, held until the block ends (or the connection
    dies, when another process takes over). SQLite: yes (one scheduler process per deployment)."""
    if not db.is_postgres:
        yield lambda: True
        return
    conn, key = db.engine.connect(), lock_key("slack_socket_mode")
    try:
        got = bool(conn.execute(select(func.pg_try_advisory_lock(key))).scalar())
        conn.commit()
    except Exception:
        log.warning("Slack Socket Mode: could not ask for the lock; trying again later")
        conn.close()
        yield None
        return

    def still() -> bool:
        try:
            conn.execute(text("SELECT 1"))
            conn.commit()
            return True
        except Exception:
            return False
    try:
        yield still if got else None
    finally:
        try:
            if got:
                conn.execute(select(func.pg_advisory_unlock(key)))
                conn.commit()
        except Exception:
            pass  # the connection died: the lock went with it
        conn.close()


class SocketMode:
    """The deployment's Socket Mode connection, on a thread of this process while it may hold it."""

    def __init__(self, rt: Runtime, bolt: App, ping_interval: float = 10.0, retry_s: float = RETRY_S,
                 check_s: float = CHECK_S):
        self.rt, self.bolt = rt, bolt
        self.ping_interval, self.retry_s, self.check_s = ping_interval, retry_s, check_s
        self.handler: Handler | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "SocketMode":
        self._thread = threading.Thread(target=self._run, name="stickybot-socket-mode", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def connected(self) -> bool:
        handler = self.handler
        return handler is not None and handler.client.is_connected()

    def _run(self) -> None:
        while not self._stop.is_set():
            with leadership(self.rt.db) as mine:
                if mine is not None:
                    self._hold(mine)
            self._stop.wait(self.retry_s)

    def _hold(self, mine: Callable[[], bool]) -> None:
        """Connect (again and again if Slack refuses), then keep the connection while the lock is ours."""
        while not self._stop.is_set() and self.handler is None:
            handler = Handler(self.bolt, self.rt.config.slack_app_token, self.rt.wake_deliverer, self.ping_interval)
            try:
                handler.connect()
                self.handler = handler
                log.info("Slack Socket Mode: connected; Slack's events, commands and clicks arrive here")
            except Exception as exc:  # apps.connections.open refused (e.g. a wrong token) or Slack is down
                log.error("Slack Socket Mode: could not connect (%s); trying again in %.0f s", type(exc).__name__,
                          self.retry_s)
                handler.close()
                self._stop.wait(self.retry_s)
        while not self._stop.wait(self.check_s) and mine():
            pass
        if self.handler is not None:
            self.handler.close()
            self.handler = None
            log.info("Slack Socket Mode: connection closed")


def start(rt: Runtime) -> SocketMode | None:
    """Open the deployment's Socket Mode connection from this (scheduler) process, if SLACK_APP_TOKEN is set."""
    if not rt.config.slack_app_token:
        return None
    from .app import build_bolt_app

    return SocketMode(rt, build_bolt_app(rt), ping_interval=rt.config.slack_socket_ping_s).start()
