"""The bare-Flask limit: one endpoint that checks the signature and parses the JSON, nothing else.

Self-contained (Flask and the standard library only; psycopg for the durable floor on PostgreSQL), so it is
the same code whichever source tree the bench serves it beside.

`create_durable_app()` is a second limit, the floor of any webhook that keeps what it accepted: the same
endpoint, plus one committed transaction per event (one INSERT of the event's id and body into a table of its
own, on the bench's database, with stickybot's durability settings: SQLite WAL with synchronous=NORMAL,
PostgreSQL's defaults).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time

from flask import Flask, jsonify, request

TOLERANCE_S = 300


def _verified(secret: str, stamp: str | None, signature: str | None, body: bytes) -> bool:
    if not stamp or not signature or not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_S:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, part.strip()[3:]) for part in signature.split(",")
               if part.strip().startswith("v1="))


def create_app(store=None) -> Flask:
    app = Flask("baseline")
    secret = os.environ["STICKY_WEBHOOK_SECRET"]

    @app.post("/webhooks/widget")
    def widget():
        body = request.get_data()
        if not _verified(secret, request.headers.get("X-Sticky-Timestamp"),
                         request.headers.get("X-Sticky-Signature"), body):
            return jsonify({"error": "bad_signature", "message": "sign the request as the README describes"}), 401
        try:
            event = json.loads(body)
            if store is not None:
                store(event["id"], body)
            return jsonify({"conversation": event["conversation"]["id"], "status": "parsed", "duplicate": False})
        except (ValueError, KeyError, TypeError):
            return jsonify({"error": "invalid", "message": "send an event as a JSON object"}), 400

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app


def create_durable_app() -> Flask:
    url = os.environ["DATABASE_URL"]
    local = threading.local()
    if url.startswith("sqlite"):
        import sqlite3

        path = url.removeprefix("sqlite:///")

        def connect():
            conn = sqlite3.connect(path, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn

        def write(conn, key, body):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_floor (key, body) VALUES (?, ?)", (key, body))
            conn.execute("COMMIT")
    else:
        import psycopg
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
        options = parse_qs(parts.query).get("options", [""])[0]
        dsn = parts._replace(query="").geturl()

        def connect():
            return psycopg.connect(dsn, options=options)

        def write(conn, key, body):
            conn.execute("INSERT INTO bench_floor (key, body) VALUES (%s, %s)", (key, body))
            conn.commit()

    setup = connect()
    setup.execute("CREATE TABLE IF NOT EXISTS bench_floor (key TEXT PRIMARY KEY, body TEXT NOT NULL)")
    setup.commit()
    setup.close()

    def store(key: str, body: bytes) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = connect()
        write(conn, key, body.decode())

    return create_app(store)
