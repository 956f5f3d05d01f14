"""Real processes: `stickybot serve` over HTTP; `stickybot worker` x2 on one database; a killed worker."""
from __future__ import annotations

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from integrations.signing import sign
from tests.conftest import ADMIN_TOKEN, WEBHOOK_SECRET, StickyClient, event_body

BIN = Path(sys.executable).parent / "stickybot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(db_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STICKY_", "SLACK_", "CHATWOOT_"))}
    env.update(DATABASE_URL=db_url, STICKY_WEBHOOK_SECRET=WEBHOOK_SECRET, STICKY_ADMIN_TOKEN=ADMIN_TOKEN)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def wait_until(check, timeout=30.0, every=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(every)
    return False


def test_stickybot_serve_routes_a_signed_event_and_stops_cleanly_on_sigterm(db_url, tmp_path, slack):
    port = free_port()
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port)], cwd=tmp_path,
                            env=env_for(db_url, SLACK_BOT_TOKEN="xoxb-t", SLACK_API_URL=slack.url),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _ok(f"{base}/healthz")), "serve did not come up"
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        requests.put(f"{base}/api/agents/alice", json={"name": "Alice", "status": "online",
                                                       "slack_user_id": "U_ALICE"}, headers=auth, timeout=5)
        body = json.dumps(event_body()).encode()
        stamp = int(time.time())
        r = requests.post(f"{base}/webhooks/widget", data=body, timeout=5, headers={
            "Content-Type": "application/json", "X-Sticky-Timestamp": str(stamp),
            "X-Sticky-Signature": f"v1={sign(WEBHOOK_SECRET, stamp, body)}"})
        assert r.status_code == 200 and r.json()["agent"] == "alice"
        assert wait_until(lambda: len(slack.posts("U_ALICE")) == 1, timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out.decode()[-2000:]


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def queue_handoffs(app, n: int) -> None:
    client = StickyClient(app.test_client())
    client.agent("alice", slack="U_ALICE")
    for i in range(n):
        client.event(conversation=f"c{i}", customer=f"cust{i}")


def pending(app) -> int:
    """Outbox rows not yet sent (nor given up on), claimed or not."""
    return app.extensions["stickybot"].db.read(lambda store: store.counts().outbox.get("pending", 0))


def delivered(slack) -> list[str]:
    return [json.loads(next(e for b in p["blocks"] if b["type"] == "actions" for e in b["elements"])["value"])["c"]
            for p in slack.posts("U_ALICE")]


def test_two_workers_on_one_database_deliver_every_handoff_exactly_once(app, db_url, slack, tmp_path):
    queue_handoffs(app, 80)
    env = env_for(db_url, SLACK_BOT_TOKEN="xoxb-t", SLACK_API_URL=slack.url, STICKY_OUTBOX_EVERY_S="0.2",
                  STICKY_SWEEP_EVERY_S="3600", STICKY_EXPIRE_EVERY_S="3600")
    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    workers = [subprocess.Popen([str(BIN), "worker"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
               for log in logs]
    started = lambda: all("worker started" in log.read_text() for log in logs)  # noqa: E731
    try:  # both running (one alone may deliver everything while the other still starts), and every row sent
        assert wait_until(lambda: started() and len(slack.posts()) >= 80 and not pending(app), timeout=60)
    finally:  # stopped before counting: a double sent late would be in the fake Slack by then
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.wait(timeout=30)
        outputs = [log.read_text() for log in logs]
    assert sorted(delivered(slack)) == sorted(f"c{i}" for i in range(80))
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert all("worker stopped" in out for out in outputs)


def test_with_slack_slower_than_a_lease_every_handoff_goes_out_once_from_a_worker_and_a_web_process(
        app, db_url, slack, tmp_path):
    """Each send takes 0.8 s and a claim is good for 1.5 s. The worker's job and the web process's deliverer
    (which takes no job lock) work on the same rows: neither may hold rows it is not sending yet, or the other
    takes them over and the agent gets two DMs."""
    queue_handoffs(app, 12)
    slack.delay_s = 0.8
    env = env_for(db_url, SLACK_BOT_TOKEN="xoxb-t", SLACK_API_URL=slack.url, STICKY_OUTBOX_LEASE_S="1.5",
                  STICKY_OUTBOX_EVERY_S="0.2", STICKY_SWEEP_EVERY_S="3600", STICKY_EXPIRE_EVERY_S="3600")
    port = free_port()
    web = subprocess.Popen([str(BIN), "serve", "--port", str(port)], cwd=tmp_path, env={**env, "STICKY_SCHEDULER": "off"},
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    worker = subprocess.Popen([str(BIN), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: _ok(f"http://127.0.0.1:{port}/healthz"))
        body = json.dumps(event_body(conversation="c12", customer="cust12")).encode()
        stamp = int(time.time())
        requests.post(f"http://127.0.0.1:{port}/webhooks/widget", data=body, timeout=5, headers={
            "Content-Type": "application/json", "X-Sticky-Timestamp": str(stamp),
            "X-Sticky-Signature": f"v1={sign(WEBHOOK_SECRET, stamp, body)}"})  # wakes the web's deliverer
        assert wait_until(lambda: len(slack.posts()) >= 13, timeout=40)
        assert wait_until(lambda: not app.extensions["stickybot"].db.read(
            lambda s: s.counts().outbox.get("pending")), timeout=10)
    finally:
        for proc in (web, worker):
            proc.send_signal(signal.SIGTERM)
        for proc in (web, worker):
            proc.communicate(timeout=30)
    assert sorted(delivered(slack)) == sorted(f"c{i}" for i in range(13))


CLAIM_AND_HANG = """
import time
from datetime import timedelta
from bot import create_app
from bot.store import OutboxKind
rt = create_app().extensions["stickybot"]
claim = lambda s: s.claim_next(frozenset({OutboxKind.SLACK_HANDOFF}), rt.clock.now(), timedelta(seconds=2))
rows = 0
while rt.db.transact(claim) is not None:
    rows += 1
print("claimed", rows, flush=True)
time.sleep(600)
"""


def test_a_killed_workers_rows_are_delivered_by_another_after_the_lease(app, db_url, slack):
    queue_handoffs(app, 10)
    env = env_for(db_url, SLACK_BOT_TOKEN="xoxb-t", SLACK_API_URL=slack.url, STICKY_OUTBOX_LEASE_S="2",
                  STICKY_OUTBOX_EVERY_S="0.2", STICKY_SWEEP_EVERY_S="3600", STICKY_EXPIRE_EVERY_S="3600")
    doomed = subprocess.Popen([sys.executable, "-c", CLAIM_AND_HANG], env=env, stdout=subprocess.PIPE)
    assert doomed.stdout.readline().decode().strip() == "claimed 10"
    doomed.kill()
    doomed.wait()
    survivor = subprocess.Popen([str(BIN), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: len(slack.posts()) >= 10 and not pending(app), timeout=30)
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.communicate(timeout=30)
    assert sorted(delivered(slack)) == sorted(f"c{i}" for i in range(10))


def test_metrics_add_up_across_gunicorn_workers(db_url, tmp_path):
    """Two gunicorn workers answer; every scrape reports all decisions, whichever worker serves it."""
    port = free_port()
    root = Path(__file__).resolve().parents[2]
    env = env_for(db_url, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    proc = subprocess.Popen([str(BIN.parent / "gunicorn"), "-c", str(root / "gunicorn.conf.py"), "--workers", "2",
                             "--bind", f"127.0.0.1:{port}", "bot:create_app()"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _ok(f"{base}/healthz")), "gunicorn did not come up"
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        requests.put(f"{base}/api/agents/alice", json={"name": "A", "status": "online"}, headers=auth, timeout=5)
        for i in range(20):
            body = json.dumps(event_body(conversation=f"m{i}", customer=f"k{i}")).encode()
            stamp = int(time.time())
            r = requests.post(f"{base}/webhooks/widget", data=body, timeout=5, headers={
                "Content-Type": "application/json", "X-Sticky-Timestamp": str(stamp),
                "X-Sticky-Signature": f"v1={sign(WEBHOOK_SECRET, stamp, body)}"})
            assert r.status_code == 200
        for _ in range(4):
            text = requests.get(f"{base}/metrics", timeout=5).text
            line = next(l for l in text.splitlines() if l.startswith('stickybot_decisions_total{rule="default"}'))
            assert float(line.split()[-1]) == 20
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)


def test_hold_and_claim_deadlines_are_acted_on_once_with_two_workers_and_the_agent_back_at_that_moment(
        app, db_url, clock):
    """Two worker processes sweep every 0.2 s while, at the same time, returning customers keep arriving for
    alice with holds already past due, alice keeps coming online (taking her held customers) and going away,
    and bob's assignments pass their claim deadline while he replies to some. Every ended hold and every lapse
    is one decision, and every load matches what its agent holds."""
    from datetime import timedelta
    client = StickyClient(app.test_client())
    for name in ("alice", "bob", "carol"):
        client.agent(name, "billing", max_open=500)
    client.api("PATCH", "/api/settings", {"sticky_wait_minutes": 1, "claim_minutes": 1})
    long_ago = (clock.now() - timedelta(hours=1)).replace(microsecond=0)
    at = lambda minutes: (long_ago + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    for n in range(HELD):
        client.event(conversation=f"was{n}", customer=f"w{n}", at=at(0), assign={"agent": "alice"})
        client.event(type="conversation.resolved", conversation=f"was{n}", at=at(1))
    client.api("PATCH", "/api/agents/carol", {"status": "away"})
    client.api("PATCH", "/api/agents/alice", {"status": "away"})
    for n in range(20):
        assert client.event(conversation=f"claim{n}", customer=f"c{n}", at=at(2), team="billing").get_json()[
            "agent"] == "bob"
    client.api("PATCH", "/api/agents/carol", {"status": "online"})
    clock.set(long_ago + timedelta(hours=1))
    env = env_for(db_url, STICKY_SWEEP_EVERY_S="0.2", STICKY_OUTBOX_EVERY_S="3600", STICKY_EXPIRE_EVERY_S="3600")
    workers = [subprocess.Popen([str(BIN), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True) for _ in range(2)]
    stop = threading.Event()

    def alice_comes_and_goes():  # each time she comes online she takes her held customers, racing the sweeps
        while not stop.is_set():
            for status in ("online", "away"):
                StickyClient(app.test_client()).api("PATCH", "/api/agents/alice", {"status": status})

    toggler = threading.Thread(target=alice_comes_and_goes)
    try:
        for w in workers:
            assert "worker started" in next(line for line in w.stdout if "worker started" in line)
        toggler.start()
        for n in range(HELD):  # past due on arrival: the sweep may end the hold at its next run
            client.event(conversation=f"held{n}", customer=f"w{n}", at=at(2), team="billing")
        for n in range(0, 20, 2):
            client.event(type="conversation.message", conversation=f"claim{n}", author="agent", at=at(3))
        stop.set()
        toggler.join()
        client.api("PATCH", "/api/agents/alice", {"status": "away"})

        def settled(conv: dict) -> bool:
            if conv["conversation"].startswith("held"):
                return conv["status"] != "held"
            return bool(conv["claimed_at"]) or any("did not take it" in d["reason"] for d in conv["decisions"])
        ids = held_ids() + [f"claim{n}" for n in range(20)]
        assert wait_until(lambda: all(settled(conversation_of(client)(cid)) for cid in ids), timeout=40)
    finally:
        stop.set()
        if toggler.is_alive():
            toggler.join()
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            w.communicate(timeout=30)
    ended = collections.Counter()
    for conv in map(conversation_of(client), held_ids()):
        rules = [d["rule"] for d in conv["decisions"]]
        if rules[0] == "sticky_hold":
            assert len(rules) == 2, conv  # came back, or fell back: once
            ended["came back" if rules[1] == "sticky" else "fell back"] += 1
    for n in range(20):
        lapses = [d for d in conversation_of(client)(f"claim{n}")["decisions"] if "did not take it" in d["reason"]]
        assert len(lapses) <= 1
    agents = client.api("GET", "/api/agents").get_json()
    holding = {a["id"]: 0 for a in agents}
    for cid in held_ids() + [f"claim{n}" for n in range(20)] + [f"was{n}" for n in range(HELD)]:
        conv = conversation_of(client)(cid)
        if conv["status"] == "assigned":
            holding[conv["agent"]] += 1
    assert {a["id"]: a["open_load"] for a in agents} == holding
    assert sum(ended.values()) > 0  # holds began and ended while the sweeps ran


HELD = 100


def held_ids() -> list[str]:
    return [f"held{n}" for n in range(HELD)]


def conversation_of(client):
    return lambda cid: client.api("GET", f"/api/conversations/{cid}").get_json()


def test_a_worker_notices_an_absence_start_and_end_by_the_clock(app, db_url, slack):
    """CONTRACT.md 9.2, 9.3a: by the server's clock, a running worker's sweep sends a hold for an agent who
    became absent to the cover, and gives an agent whose absence ended what waited in the queue."""
    client = StickyClient(app.test_client())
    client.agent("alice", "billing", status="away")
    client.agent("bob", "billing")
    client.agent("carol", "vip")
    client.api("PATCH", "/api/settings", {"sticky_wait_minutes": 60})
    now = datetime.now(timezone.utc)
    stamp = lambda t: t.isoformat()
    client.event(conversation="old", customer="ada", assign={"agent": "alice"}, at=stamp(now - timedelta(days=1)))
    client.event(type="conversation.resolved", conversation="old", at=stamp(now - timedelta(hours=23)))
    assert client.event(conversation="back", customer="ada", team="billing", at=stamp(now)).get_json()["status"] == "held"
    for agent, start, end, cover in (("alice", now + timedelta(seconds=1), now + timedelta(days=2), ["bob"]),
                                     ("carol", now - timedelta(hours=1), now + timedelta(seconds=4), [])):
        r = client.api("POST", f"/api/agents/{agent}/absences", {"start": stamp(start), "end": stamp(end),
                                                                 "cover": cover})
        assert r.status_code == 201, r.get_json()
    queued = client.event(conversation="q", customer="newcomer", team="vip", at=stamp(now)).get_json()
    assert queued["status"] == "unassigned"
    env = env_for(db_url, STICKY_SWEEP_EVERY_S="0.5", STICKY_EXPIRE_EVERY_S="3600")
    worker = subprocess.Popen([str(BIN), "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    conv = lambda c: client.api("GET", f"/api/conversations/{c}").get_json()
    try:
        assert wait_until(lambda: conv("back")["status"] == "assigned" and conv("q")["status"] == "assigned")
    finally:
        worker.send_signal(signal.SIGTERM)
        out = worker.communicate(timeout=30)[0].decode()
    assert (conv("back")["agent"], conv("back")["decisions"][-1]["rule"]) == ("bob", "cover"), out[-2000:]
    assert (conv("q")["agent"], conv("q")["decisions"][-1]["rule"]) == ("carol", "queue")
