"""The bare-Flask limit: one endpoint that checks the signature and parses the JSON, nothing else."""
from __future__ import annotations

import json
import os
import time

from flask import Flask, jsonify, request

from integrations import signing


def create_app() -> Flask:
    app = Flask("baseline")
    secret = os.environ["STICKY_WEBHOOK_SECRET"]

    @app.post("/webhooks/widget")
    def widget():
        body = request.get_data()
        try:
            signing.verify(secret, request.headers.get("X-Sticky-Timestamp"),
                           request.headers.get("X-Sticky-Signature"), body, time.time(), "v1",
                           "X-Sticky-Timestamp", "X-Sticky-Signature")
        except signing.SignatureError as exc:
            return jsonify({"error": "bad_signature", "message": str(exc)}), 401
        event = json.loads(body)
        return jsonify({"conversation": event["conversation"]["id"], "status": "parsed"})

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app
