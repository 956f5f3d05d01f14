"""bot/asgi.py: requests are read whole in the event loop before Flask runs them on a thread."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import threading

import pytest
from flask import Flask, jsonify, request

from bot.asgi import PAGE_NICENESS, asgi_app, page_threads
from bot.serving import request_timeout_s


def flask_app(calls: list) -> Flask:
    app = Flask("probe")
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.route("/echo", methods=["GET", "POST"])
    def echo():
        calls.append(request.path)
        return jsonify({"body": request.get_data(as_text=True), "remote": request.remote_addr,
                        "signature": request.headers.get("X-Sticky-Signature"), "q": request.args.get("q")})

    return app


def scope(headers=(), method="POST", query=b"") -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": "/echo", "raw_path": b"/echo", "query_string": query, "root_path": "",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers],
            "client": ("203.0.113.9", 40123), "server": ("127.0.0.1", 8000)}


def run(app, scope_, messages, stall: bool = False) -> list[dict]:
    """Call the ASGI app with these receive messages (then silence, or a stall), and return what it sent."""
    async def go():
        pending = list(messages)
        sent = []

        async def receive():
            if pending:
                return pending.pop(0)
            await asyncio.sleep(3600 if stall else 0)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        await app(scope_, receive, send)
        return sent

    return asyncio.run(go())


def answer(sent: list[dict]) -> tuple[int, dict, dict]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict((k.decode(), v.decode()) for k, v in start["headers"]), json.loads(body)


def piece(body: bytes, more: bool) -> dict:
    return {"type": "http.request", "body": body, "more_body": more}


def test_a_body_that_arrives_in_pieces_reaches_flask_whole_with_headers_query_and_the_clients_address():
    calls = []
    app = asgi_app(flask_app(calls), threads=2, timeout_s=5)
    sent = run(app, scope([("Content-Type", "application/json"), ("Content-Length", "13"),
                           ("X-Sticky-Signature", "v1=abc")], query=b"q=1"),
               [piece(b'{"id":', True), piece(b' "e1"', True), piece(b"}", False)])
    status, _, body = answer(sent)
    assert status == 200 and calls == ["/echo"]
    assert body == {"body": '{"id": "e1"}', "remote": "203.0.113.9", "signature": "v1=abc", "q": "1"}


def test_a_chunked_body_without_content_length_reaches_flask_whole():
    calls = []
    app = asgi_app(flask_app(calls), threads=1, timeout_s=5)
    sent = run(app, scope([("Transfer-Encoding", "chunked")]), [piece(b"abc", True), piece(b"def", False)])
    assert answer(sent)[2]["body"] == "abcdef"


def test_a_body_over_the_cap_is_refused_with_413_before_flask_sees_it():
    calls = []
    app = asgi_app(flask_app(calls), threads=1, timeout_s=5)
    sent = run(app, scope([("Transfer-Encoding", "chunked")]), [piece(b"x" * 600, True), piece(b"x" * 600, True)])
    status, headers, body = answer(sent)
    assert (status, body["error"]) == (413, "payload_too_large") and "1000 bytes" in body["message"]
    assert headers["connection"] == "close" and calls == []


def test_a_declared_length_over_the_cap_is_refused_without_reading_the_body():
    calls = []
    app = asgi_app(flask_app(calls), threads=1, timeout_s=5)
    sent = run(app, scope([("Content-Length", "5000")]), [], stall=True)
    assert answer(sent)[0] == 413 and calls == []


def test_a_body_that_does_not_arrive_by_the_deadline_gets_408_and_flask_never_runs():
    calls = []
    app = asgi_app(flask_app(calls), threads=1, timeout_s=0.2)
    sent = run(app, scope([("Content-Length", "100")]), [piece(b"{", True)], stall=True)
    status, _, body = answer(sent)
    assert (status, body["error"]) == (408, "request_timeout") and "0.2 s" in body["message"]
    assert calls == []


def test_a_client_that_hangs_up_mid_body_gets_nothing_and_flask_never_runs():
    calls = []
    app = asgi_app(flask_app(calls), threads=1, timeout_s=5)
    sent = run(app, scope([("Content-Length", "100")]), [piece(b"{", True), {"type": "http.disconnect"}])
    assert sent == [] and calls == []


def test_lifespan_startup_and_shutdown_are_acknowledged():
    app = asgi_app(flask_app([]), threads=1, timeout_s=5)
    sent = run(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


@pytest.mark.parametrize("raw", ["soon", "0", "-3", "99999"])
def test_a_request_timeout_that_is_not_a_sane_number_of_seconds_stops_the_server_with_what_to_fix(monkeypatch, raw):
    monkeypatch.setenv("STICKY_REQUEST_TIMEOUT_S", raw)
    with pytest.raises(SystemExit, match="STICKY_REQUEST_TIMEOUT_S must be a number of seconds"):
        request_timeout_s()


def test_the_request_timeout_defaults_to_ten_seconds(monkeypatch):
    monkeypatch.delenv("STICKY_REQUEST_TIMEOUT_S", raising=False)
    assert request_timeout_s() == 10.0


@pytest.mark.parametrize("threads", ["0", "-1", "many"])
def test_serve_refuses_a_thread_count_that_is_not_a_positive_number_and_says_which_option(tmp_path, threads):
    from click.testing import CliRunner

    from bot.cli import main

    result = CliRunner().invoke(main, ["serve", "--threads", threads],
                                env={"DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}"})
    assert result.exit_code == 2 and "Invalid value for '--threads'" in result.output
    assert not (tmp_path / "never.db").exists()


def lanes_app(gate: threading.Event, seen: list) -> Flask:
    """/page waits for `gate`; /webhooks/x and /page say which thread ran them, at what priority."""
    app = Flask("lanes")

    def where():
        me = threading.current_thread()
        priority = os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) if sys.platform == "linux" else 0
        seen.append((request.path, me.name.split("_")[0], priority))

    @app.get("/page")
    def page():
        where()
        gate.wait(5)
        return "page"

    @app.post("/webhooks/x")
    def webhook():
        where()
        return "done"
    return app


def test_pages_wait_on_threads_of_their_own_at_a_lower_priority_and_never_hold_up_a_webhook():
    gate, seen = threading.Event(), []
    app = asgi_app(lanes_app(gate, seen), threads=4, timeout_s=5)
    get = lambda: {**scope(method="GET"), "path": "/page", "raw_path": b"/page"}
    post = {**scope(), "path": "/webhooks/x", "raw_path": b"/webhooks/x"}

    async def go():
        async def one(s):
            sent = []

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message):
                sent.append(message)
            await app(s, receive, send)
            return sent
        pages = [asyncio.create_task(one(get())) for _ in range(6)]  # more than the pool has threads
        await asyncio.sleep(0.2)
        hook = await asyncio.wait_for(one(post), 2)  # answered while every page waits
        assert [p for p, _, _ in seen] == ["/page", "/webhooks/x"]  # one page at a time (4 threads: 1 for pages)
        gate.set()
        await asyncio.gather(*pages)
        return hook

    hook = asyncio.run(go())
    assert hook[-1]["body"] == b"done"
    threads = {path: (name, priority) for path, name, priority in seen}
    assert threads["/webhooks/x"][0] == "stickybot-web" and threads["/page"][0] == "stickybot-page"
    if sys.platform == "linux":
        assert threads["/page"][1] == threads["/webhooks/x"][1] + PAGE_NICENESS
    assert page_threads(4) == 1 and page_threads(8) == 2 and page_threads(1) == 1
