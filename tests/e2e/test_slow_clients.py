"""The real server processes (`stickybot serve`, the Procfile's web line) under slow clients, on shutdown, and
with their metrics folders."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from integrations.signing import sign
from tests.conftest import ADMIN_TOKEN, WEBHOOK_SECRET, event_body
from tests.e2e.test_processes import BIN, env_for, free_port, wait_until
from tests.fakes.slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
SLOW_CLIENTS = 256
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def procfile_web(port: int, env: dict) -> list[str]:
    """The Procfile's web command, its ${VAR:-default}s filled from `env`, bound to loopback:port."""
    line = next(l for l in (ROOT / "Procfile").read_text().splitlines() if l.startswith("web:"))
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1), m.group(2)), line.removeprefix("web:"))
    argv = shlex.split(line)
    argv[0] = str(BIN.parent / argv[0])
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    return argv


class Server:
    """One server process; its output is collected on a thread so a test can wait for a line."""

    def __init__(self, argv: list[str], env: dict, cwd: Path, port: int, open_files: int | None = None):
        self.base = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        if open_files is not None:  # a soft limit on open files, as a shell's `ulimit -Sn` sets it
            argv = ["sh", "-c", f'ulimit -Sn {open_files} && exec "$@"', "sh", *argv]
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        threading.Thread(target=self._read, daemon=True).start()
        assert wait_until(self.healthy, timeout=30), "the server did not come up:\n" + self.output()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def output(self, tail: int = 3000) -> str:
        text_ = "".join(self.lines)
        return text_[-tail:] if tail else text_

    def healthy(self) -> bool:
        try:
            return requests.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=40)


def serve(kind: str, db_url: str, tmp_path: Path, open_files: int | None = None, **extra) -> Server:
    port = free_port()
    env = env_for(db_url)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update({k: str(v) for k, v in extra.items()})
    if kind == "serve":
        return Server([str(BIN), "serve", "--port", str(port)], env, tmp_path, port, open_files)
    return Server(procfile_web(port, env), env, ROOT, port, open_files)


def post_event(base: str, timeout: float, **fields) -> requests.Response:
    body = json.dumps(event_body(**fields)).encode()
    stamp = int(time.time())
    return requests.post(f"{base}/webhooks/widget", data=body, timeout=timeout, headers={
        "Content-Type": "application/json", "X-Sticky-Timestamp": str(stamp),
        "X-Sticky-Signature": f"v1={sign(WEBHOOK_SECRET, stamp, body)}"})


class SlowClients:
    """Connections that never finish their request: idle, half a request line, headers trickling a byte at a
    time, and a body trickling after complete headers."""

    OPENINGS = (b"", b"POST /webhooks/wid",
                b"POST /webhooks/widget HTTP/1.1\r\nHost: x\r\nX-Sticky-Timestamp: 1",
                b"POST /webhooks/widget HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 5000\r\n\r\n{\"id\": ")

    def __init__(self, port: int, count: int):
        self.socks = []
        for n in range(count):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(self.OPENINGS[n % 4])
            self.socks.append(s)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self):
        while not self.stop.wait(0.3):
            for n, s in enumerate(self.socks):
                if n % 4 >= 2:
                    s.sendall(b"0")

    def all_open(self) -> bool:
        for s in self.socks:
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    return False
            except BlockingIOError:
                pass
            finally:
                s.setblocking(True)
        return True

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks:
            s.close()


@pytest.mark.parametrize("kind", ["serve", "procfile"])
def test_healthz_and_a_signed_webhook_answer_within_a_second_while_256_clients_trickle(kind, db_url, tmp_path):
    # Started with an open-file limit below the number of slow clients: the worker lifts it to the hard limit.
    server = serve(kind, db_url, tmp_path, open_files=SLOW_CLIENTS - 56, STICKY_REQUEST_TIMEOUT_S=60)
    try:
        requests.put(f"{server.base}/api/agents/alice", json={"name": "Alice", "status": "online"},
                     headers=AUTH, timeout=5).raise_for_status()
        for n in range(4):  # every worker has answered once: imports and connections are warm
            assert post_event(server.base, 5, conversation=f"warm{n}", customer=f"w{n}").status_code == 200
        slow = SlowClients(int(server.base.rsplit(":", 1)[1]), SLOW_CLIENTS)
        try:
            for n in range(3):
                started = time.monotonic()
                assert requests.get(f"{server.base}/healthz", timeout=1).status_code == 200
                assert time.monotonic() - started < 1.0
                started = time.monotonic()
                r = post_event(server.base, 1, conversation=f"c{n}", customer=f"k{n}")
                assert r.status_code == 200 and r.json()["agent"] == "alice"
                assert time.monotonic() - started < 1.0
            assert slow.all_open(), "the slow clients were dropped: the test would prove nothing"
        finally:
            slow.close()
    finally:
        assert server.stop() == 0, server.output()
    assert '"GET /healthz HTTP/1.1" 200' in server.output(tail=None)  # the access log is still written


def test_a_request_that_does_not_arrive_whole_in_time_is_closed_and_a_late_body_gets_408(db_url, tmp_path):
    server = serve("procfile", db_url, tmp_path, STICKY_REQUEST_TIMEOUT_S=1)
    port = int(server.base.rsplit(":", 1)[1])
    try:
        half_head = socket.create_connection(("127.0.0.1", port), timeout=15)
        half_head.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        half_body = socket.create_connection(("127.0.0.1", port), timeout=15)
        half_body.sendall(b"POST /webhooks/widget HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        assert half_head.recv(1024) == b""  # closed by the server, no answer: there was no request
        answer = half_body.recv(4096).decode()
        assert answer.startswith("HTTP/1.1 408") and '"error": "request_timeout"' in answer
        half_head.close()
        half_body.close()
    finally:
        server.stop()


class GatedSlack(FakeSlack):
    """A fake Slack whose chat.postMessage waits at a gate: a DM stays in flight until the test opens it."""

    def __init__(self):
        super().__init__()
        self.arrived = threading.Event()
        self.gate = threading.Event()

    def answer(self, method, params):
        if method == "chat.postMessage":
            self.arrived.set()
            self.gate.wait(30)
        return super().answer(method, params)


def test_sigterm_to_the_web_process_lets_the_dm_in_flight_finish_and_record_it_delivered(app, db_url, tmp_path):
    slack = GatedSlack().start()
    server = serve("procfile", db_url, tmp_path, WEB_CONCURRENCY=1, SLACK_BOT_TOKEN="xoxb-t",
                   SLACK_API_URL=slack.url)
    try:
        requests.put(f"{server.base}/api/agents/alice", json={"name": "Alice", "status": "online",
                                                              "slack_user_id": "U_ALICE"},
                     headers=AUTH, timeout=5).raise_for_status()
        assert post_event(server.base, 5).status_code == 200
        assert slack.arrived.wait(10), "the DM was never sent"
        server.proc.send_signal(signal.SIGTERM)
        assert wait_until(lambda: "Worker exiting" in server.output(), timeout=30), server.output()
        slack.gate.set()  # Slack answers only once the worker is on its way out
        assert server.stop() == 0, server.output()
    finally:
        slack.gate.set()
        slack.stop()
    scrape = app.test_client().get("/metrics").get_data(as_text=True)
    assert (gauge(scrape, "stickybot_outbox_backlog"), gauge(scrape, "stickybot_outbox_failed")) == (0, 0)
    assert len(slack.posts("U_ALICE")) == 1


def gauge(scrape: str, name: str) -> float:
    return float(next(l for l in scrape.splitlines() if l.startswith(name + " ")).split()[-1])


def decisions(base: str) -> float:
    text_ = requests.get(f"{base}/metrics", timeout=5).text
    line = next((l for l in text_.splitlines() if l.startswith('stickybot_decisions_total{rule="default"}')), None)
    return float(line.split()[-1]) if line else 0.0


def test_a_second_server_leaves_the_firsts_metrics_alone_and_each_removes_its_own_folder(db_url, tmp_path):
    env = {"TMPDIR": str(tmp_path)}
    first = serve("procfile", db_url, tmp_path, **env)
    second = None
    try:
        requests.put(f"{first.base}/api/agents/alice", json={"name": "A", "status": "online"}, headers=AUTH,
                     timeout=5).raise_for_status()
        for n in range(3):
            assert post_event(first.base, 5, conversation=f"m{n}", customer=f"k{n}").status_code == 200
        assert wait_until(lambda: decisions(first.base) == 3, timeout=5)
        second = serve("procfile", db_url, tmp_path, **env)
        assert [decisions(first.base) for _ in range(4)] == [3, 3, 3, 3]
    finally:
        for server in (first, second):
            if server is not None:
                assert server.stop() == 0, server.output()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("stickybot-metrics")] == []


def test_a_metrics_folder_the_operator_names_is_never_deleted(db_url, tmp_path):
    named = tmp_path / "prom"
    named.mkdir()
    (named / "keep.txt").write_text("the operator's")
    server = serve("procfile", db_url, tmp_path, PROMETHEUS_MULTIPROC_DIR=named)
    assert server.stop() == 0, server.output()
    assert (named / "keep.txt").read_text() == "the operator's"


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2) to read the listen backlog")
def test_the_web_process_listens_with_gunicorns_backlog_so_a_burst_of_connections_is_not_dropped(db_url, tmp_path):
    server = serve("procfile", db_url, tmp_path)
    port = server.base.rsplit(":", 1)[1]
    try:
        listening = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True,
                                   check=True).stdout.split()
        assert listening[0] == "LISTEN" and listening[2] == "2048"
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["serve", "procfile"])
def test_a_request_timeout_that_is_not_a_number_stops_the_server_at_once_saying_what_to_fix(kind, db_url, tmp_path):
    port = free_port()
    env = env_for(db_url, STICKY_REQUEST_TIMEOUT_S="soon", TMPDIR=tmp_path)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    argv = [str(BIN), "serve", "--port", str(port)] if kind == "serve" else procfile_web(port, env)
    done = subprocess.run(argv, cwd=tmp_path if kind == "serve" else ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert "STICKY_REQUEST_TIMEOUT_S must be a number of seconds" in done.stdout + done.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("stickybot-metrics")] == []


def test_the_server_reads_a_chatwoot_delivery_up_to_chatwoots_own_limit_and_other_bodies_up_to_1_mib(db_url,
                                                                                                     tmp_path):
    from bot.web.chatwoot import MAX_BODY
    server = serve("serve", db_url, tmp_path, CHATWOOT_WEBHOOK_SECRET="cw-secret")
    try:
        big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
        chatwoot = requests.post(f"{server.base}/webhooks/chatwoot", data=big, timeout=10,
                                 headers={"Content-Type": "application/json"})
        assert chatwoot.status_code == 401  # read whole, then refused for its missing signature
        too_big = requests.post(f"{server.base}/webhooks/chatwoot", data=b" " * (MAX_BODY + 1), timeout=10)
        assert too_big.status_code == 413
        admin = requests.put(f"{server.base}/api/teams/x", data=big, timeout=10)
        assert admin.status_code == 413
    finally:
        server.stop()
