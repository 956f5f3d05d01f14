"""A real `stickybot worker` with SLACK_APP_TOKEN holds Slack's Socket Mode connection: it answers a slash command
sent over the fake Socket Mode server, and lets the connection go when it stops (CONTRACT.md 5)."""
from __future__ import annotations

import signal
import subprocess

from tests.e2e.test_processes import BIN, env_for
from tests.fakes.socket_mode import FakeSocketMode
from tests.integration.test_socket_mode import APP_TOKEN, command_payload


def test_the_worker_holds_the_socket_mode_connection_and_answers_over_it(db_url, tmp_path, slack, app):
    from tests.conftest import StickyClient
    StickyClient(app.test_client()).agent("alice", slack="U_ALICE")  # migrated by the fixtures
    server = FakeSocketMode().start()
    slack.socket_url = server.url
    proc = subprocess.Popen([str(BIN), "worker"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env_for(db_url, SLACK_BOT_TOKEN="xoxb-t", SLACK_API_URL=slack.url,
                                        SLACK_APP_TOKEN=APP_TOKEN))
    try:
        server.wait_for_links(1)
        envelope_id = server.send("slash_commands", command_payload("U_ALICE", "offline"), True)
        assert "*offline*" in server.ack(envelope_id, timeout=30)["payload"]["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
        server.stop()
    text = out.decode()
    assert proc.returncode == 0, text[-2000:]
    assert "Socket Mode: connected" in text and "Socket Mode: connection closed" in text
    assert APP_TOKEN not in text and "xoxb-t" not in text
