"""The bare-Flask limit: one endpoint that checks the signature and parses the JSON, nothing else.

Self-contained (Flask and the standard library only), so it is the same code whichever source tree the
bench serves it beside.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import time

from flask import Flask, jsonify, request

TOLERANCE_S = 300


def _verified(secret: str, stamp: str | None, signature: str | None, body: bytes) -> bool:
    if not stamp or not signature or not stamp.isdigit() or abs(time.time() - int(stamp)) > TOLERANCE_S:
        return False
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, part.strip()[3:]) for part in signature.split(",")
               if part.strip().startswith("v1="))


def create_app() -> Flask:
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
            return jsonify({"conversation": event["conversation"]["id"], "status": "parsed", "duplicate": False})
        except (ValueError, KeyError, TypeError):
            return jsonify({"error": "invalid", "message": "send an event as a JSON object"}), 400

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app
