"""The bench's load client (wrk and bench/wrk.lua) against a small HTTP server that remembers event ids."""
from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.client import Load, pause_for, run_wrk, streams_for
from bench.workload import WORKLOADS

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)")


class Recorder(BaseHTTPRequestHandler):
    """Answers like the webhook: "duplicate": true for an id seen before; 503 for every 7th new event."""
    protocol_version = "HTTP/1.1"
    seen: Counter
    lock: threading.Lock

    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.seen[event["id"]] += 1
            repeat, number = self.seen[event["id"]] > 1, len(self.seen)
        status = 503 if not repeat and number % 7 == 0 else 200
        self.answer(status, {"conversation": event["conversation"]["id"], "rule": "sticky", "duplicate": repeat})

    def do_GET(self):
        self.answer(200, {"status": "ok"})

    def answer(self, status: int, body: dict) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


class Quiet(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # wrk drops its connections when it stops


@pytest.fixture
def recorder():
    handler = type("Handler", (Recorder,), {"seen": Counter(), "lock": threading.Lock()})
    server = Quiet(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_file_shorter_than_the_run_is_sent_once_and_the_run_says_it_ran_out(recorder, tmp_path):
    load = Load(concurrency=2, duration=1)  # one connection per thread: every answer is read before it stops
    streams = streams_for(WORKLOADS["default"], "short", 20, 0, load.lag)
    result = run_wrk(recorder.server_address[1], streams, load, tmp_path / "events", load.duration)
    seen = recorder.RequestHandlerClass.seen
    assert result["exhausted"] == len(streams)  # each thread ran out
    assert result["sent"] == [len(s.lines) for s in streams]
    assert len(seen) == sum(result["sent"]) and max(seen.values()) == 1
    assert result["duplicates"] == 0
    assert result["non_2xx"] == len(seen) // 7
    assert result["rules"] == {"sticky": len(seen)}


def test_answers_marked_duplicate_are_counted(recorder, tmp_path):
    load = Load(concurrency=2, duration=1)
    streams = streams_for(WORKLOADS["default"], "again", 20, 0, load.lag)
    port = recorder.server_address[1]
    run_wrk(port, streams, load, tmp_path / "events", load.duration)
    result = run_wrk(port, streams, load, tmp_path / "events", load.duration)  # the same events again
    assert result["duplicates"] == sum(result["sent"]) == sum(len(s.lines) for s in streams)
    assert result["non_2xx"] == 0


def test_a_paced_run_waits_between_an_answer_and_the_next_request(recorder, tmp_path):
    load = Load(concurrency=2, duration=2)
    port = recorder.server_address[1]
    streams = streams_for(WORKLOADS["default"], "paced", 2_000, load.duration, load.lag)
    result = run_wrk(port, streams, load, tmp_path / "events", load.duration, pause_ms=100)
    # two connections, each pausing 100 ms after every answer: at most about 20 requests a second
    assert 0 < result["requests"] <= 2 * (load.duration * 10 + 1)
    assert result["pause_ms"] == 100
    assert result["exhausted"] == 0


def test_the_pause_brings_the_connections_to_the_asked_share_of_the_rate():
    load = Load(concurrency=16, duration=10)
    # 16 connections at 400 events/s is 40 ms per request and answer; half the rate is 80 ms, less 10 ms answer
    assert pause_for(load, 400.0, 0.5, 10.0) == pytest.approx(70.0)
    assert pause_for(load, 400.0, 1.0, 50.0) == 0.0  # never negative
