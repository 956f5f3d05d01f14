"""A fake Slack Web API served over real HTTP on loopback (slack_sdk speaks urllib, so only a real
server sees its calls). Records every call; answers can be scripted: ok:false, 5xx, 429 + Retry-After."""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class Call:
    method: str
    params: dict
    token: str | None
    ok: bool = False


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict] = field(default_factory=dict)
    scripted: dict[str, deque] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    delay_s: float = 0.0  # how long each call takes to answer: a slow Slack
    socket_url: str | None = None  # what apps.connections.open answers (a fake Socket Mode server's address)
    _ts: int = 0

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/api/"

    def script(self, method: str, *answers: tuple[int, dict, dict]) -> None:
        """Queue answers (status, body, headers) for the next calls of `method`."""
        with self.lock:
            self.scripted.setdefault(method, deque()).extend(answers)

    def fail(self, method: str, times: int, status: int = 500, error: str | None = None, headers=None) -> None:
        body = {"ok": False, "error": error} if error else {"ok": False}
        self.script(method, *[(status, body, headers or {})] * times)

    def posts(self, channel: str | None = None) -> list[dict]:
        """Messages Slack accepted (answered ok), optionally to one channel."""
        with self.lock:
            return [c.params for c in self.calls if c.method == "chat.postMessage" and c.ok
                    and (channel is None or c.params.get("channel") == channel)]

    def attempts(self, method: str = "chat.postMessage") -> int:
        with self.lock:
            return sum(1 for c in self.calls if c.method == method)

    def of(self, method: str) -> list[dict]:
        with self.lock:
            return [c.params for c in self.calls if c.method == method and c.ok]

    def answer(self, method: str, params: dict) -> tuple[int, dict, dict]:
        with self.lock:
            queue = self.scripted.get(method)
            if queue:
                return queue.popleft()
            self._ts += 1
            ts = f"{int(time.time())}.{self._ts:06d}"
        if method == "chat.postMessage":
            return 200, {"ok": True, "channel": params.get("channel"), "ts": ts}, {}
        if method == "chat.update":
            return 200, {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}, {}
        if method == "users.info":
            user = self.users.get(params.get("user"), {"id": params.get("user")})
            return 200, {"ok": True, "user": user}, {}
        if method == "apps.connections.open" and self.socket_url:
            return 200, {"ok": True, "url": self.socket_url}, {}
        if method == "auth.test":
            return 200, {"ok": True, "user_id": "UBOT", "team_id": "T1"}, {}
        return 200, {"ok": True}, {}

    def start(self) -> "FakeSlack":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def do_GET(self):
                self._serve(b"")

            def _serve(self, raw: bytes):
                parsed = urlparse(self.path)
                method = parsed.path.rsplit("/", 1)[-1]
                params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                if raw:
                    if "json" in (self.headers.get("Content-Type") or ""):
                        params.update(json.loads(raw))
                    else:
                        params.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
                auth = self.headers.get("Authorization", "")
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                status, body, headers = fake.answer(method, params)
                with fake.lock:
                    fake.calls.append(Call(method, params, auth.removeprefix("Bearer ") or None,
                                           ok=status == 200 and bool(body.get("ok"))))
                data = json.dumps(body).encode() if status < 500 else b"<html>upstream error</html>"
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status < 500 else "text/html")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
