"""A fake Slack Socket Mode server: a WebSocket server on loopback that says hello to each connection, sends the
envelopes a test gives it, records what the client answers (the acknowledgements), and can drop a connection or
ask the client to reconnect (`disconnect`), as Slack does."""
from __future__ import annotations

import json
import queue
import threading
import uuid
from dataclasses import dataclass, field

from websockets.sync.server import ServerConnection, serve


@dataclass
class Link:
    """One client connection, and what it sent."""

    ws: ServerConnection
    path: str
    received: "queue.Queue[dict]" = field(default_factory=queue.Queue)


class FakeSocketMode:
    def __init__(self):
        self.links: list[Link] = []
        self._lock = threading.Lock()
        self._connected = threading.Condition(self._lock)
        self.server = serve(self._serve, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeSocketMode":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket={uuid.uuid4().hex}"

    def _serve(self, ws: ServerConnection) -> None:
        link = Link(ws, ws.request.path if ws.request else "")
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"},
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))
        with self._connected:
            self.links.append(link)
            self._connected.notify_all()
        try:
            for message in ws:
                link.received.put(json.loads(message))
        except Exception:
            pass  # dropped

    def wait_for_links(self, count: int, timeout: float = 30.0) -> list[Link]:
        """Wait (a real socket) until `count` connections have been made."""
        with self._connected:
            if not self._connected.wait_for(lambda: len(self.links) >= count, timeout):
                raise AssertionError(f"{len(self.links)} Socket Mode connections, expected {count}")
            return list(self.links)

    def send(self, kind: str, payload: dict, accepts_response_payload: bool = False) -> str:
        """Send an envelope on the newest connection; its id."""
        envelope_id = uuid.uuid4().hex
        self.links[-1].ws.send(json.dumps({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                           "accepts_response_payload": accepts_response_payload,
                                           "retry_attempt": 0, "retry_reason": ""}))
        return envelope_id

    def ack(self, envelope_id: str, timeout: float = 10.0) -> dict:
        """Wait for the client's acknowledgement of an envelope (what it answered with)."""
        link = self.links[-1]
        while True:
            message = link.received.get(timeout=timeout)
            if message.get("envelope_id") == envelope_id:
                return message

    def disconnect(self) -> None:
        """Slack's `disconnect` message: the client should open a new connection."""
        self.links[-1].ws.send(json.dumps({"type": "disconnect", "reason": "refresh_requested",
                                           "debug_info": {"host": "fake"}}))

    def drop(self) -> None:
        """The newest connection dies, without a word."""
        self.links[-1].ws.socket.close()
