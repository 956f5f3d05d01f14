"""The README's pictures of the dashboard: `python -m tests.browser.screenshots` (or the browser test that
runs it) starts `stickybot serve` on a scratch SQLite database, fills it with two weeks of made-up traffic,
and saves the overview, the stats page and an agent's page as PNGs in docs/."""
from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.db import Database
from bot.migrate import upgrade
from bot.store import OutboxKind, OutboxState
from tests.browser.kit import CHROMIUM, NO_CHROMIUM, Api, launch, sign_in
from tests.e2e.test_slow_clients import serve

DOCS = Path(__file__).resolve().parents[2] / "docs"
CUSTOMERS = 17
SHOTS = {"dashboard-overview.png": "/", "dashboard-stats.png": "/stats?days=14", "dashboard-agent.png": "/agents/alice"}
AGENTS = [("alice", "billing", "Alice Archer"), ("bob", "billing", "Bob Baker"), ("carol", "billing", "Carol Chen"),
          ("dan", "sales", "Dan Diaz"), ("erin", "sales", "Erin Eze")]


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed(api: Api, db_url: str, now: datetime) -> None:
    """Two weeks of conversations: customers coming back, some to an agent who is away, then what waits now."""
    for agent_id, team, name in AGENTS:
        api.agent(agent_id, team, name=name, max_open=4)
    n = 0
    for day in range(13, -1, -1):
        away = AGENTS[day % 3][0]  # one billing agent away each day: some returning customers miss them
        api.call("PATCH", f"/api/agents/{away}", {"status": "away"})
        for k in range(4 + day % 3):
            n += 1
            customer = f"cust_{(n * 7) % CUSTOMERS:02d}"
            team = "billing" if k % 4 else "sales"
            at = now - timedelta(days=day, hours=8 - k)
            api.event(conversation=f"conv_{n:03d}", customer=customer, team=team, at=_iso(at))
            api.event(type="conversation.resolved", conversation=f"conv_{n:03d}", at=_iso(at + timedelta(minutes=20)))
        api.call("PATCH", f"/api/agents/{away}", {"status": "online"})
    api.call("PATCH", "/api/settings", {"sticky_wait_minutes": 30})
    api.call("PATCH", "/api/agents/bob", {"status": "away"})
    bobs = next(c for c in (f"cust_{k:02d}" for k in range(CUSTOMERS))
                if (api.get(f"/api/customers/{c}")["sticky"] or {}).get("agent") == "bob")
    api.event(conversation="conv_900", customer=bobs, team="billing", at=_iso(now - timedelta(minutes=5)))
    for agent in ("dan", "erin"):
        api.call("PATCH", f"/api/agents/{agent}", {"status": "offline"})
    api.event(conversation="conv_901", customer="cust_new", team="sales", at=_iso(now - timedelta(minutes=12)))
    api.event(conversation="conv_902", customer="cust_newer", team="sales", at=_iso(now - timedelta(minutes=3)))
    _week(api, now)
    _failed_delivery(db_url, now)


def _week(api: Api, now: datetime) -> None:
    """Alice works weekdays in Berlin (a long Friday) and has two days of training ahead, bob and carol covering;
    dan works in Tokyo."""
    weekdays = {day: [["08:30", "12:30"], ["13:30", "17:00"]] for day in ("mon", "tue", "wed", "thu")}
    api.call("PATCH", "/api/agents/alice", {"time_zone": "Europe/Berlin",
                                            "hours": {**weekdays, "fri": [["08:00", "18:00"]]}, "cover": ["bob"]})
    api.call("PATCH", "/api/agents/dan", {"time_zone": "Asia/Tokyo", "hours": {"sat": [["09:00", "17:00"]]}})
    start = (now + timedelta(days=2)).strftime("%Y-%m-%d")
    end = (now + timedelta(days=3)).strftime("%Y-%m-%d")
    api.call("POST", "/api/agents/alice/absences", {"start": start, "end": end, "cover": ["bob", "carol"],
                                                    "note": "training"})


def _failed_delivery(db_url: str, now: datetime) -> None:
    db = Database(db_url)
    try:
        db.transact(lambda s: s.enqueue(OutboxKind.SLACK_HANDOFF, {"decision": 1}))
        item = db.transact(lambda s: s.claim_next(frozenset(OutboxKind), now + timedelta(days=1),
                                                  timedelta(seconds=60)))
        db.transact(lambda s: s.finish(item, OutboxState.FAILED, "channel_not_found"))
    finally:
        db.dispose()


def take(out: Path = DOCS, browser=None) -> list[Path]:
    """Seed a scratch server and photograph its pages with `browser` (or a Chromium of its own)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = launch(playwright)
            try:
                return take(out, chromium)
            finally:
                chromium.close()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        db_url = f"sqlite:///{scratch}/stickybot.db"
        upgrade(db_url)
        server = serve("serve", db_url, Path(scratch))
        try:
            seed(Api(server.base), db_url, datetime.now(timezone.utc))
            context = browser.new_context(base_url=server.base, viewport={"width": 1200, "height": 900})
            page = context.new_page()
            sign_in(page)
            saved = []
            for name, path in SHOTS.items():
                page.goto(path)
                page.screenshot(path=str(out / name), full_page=True)
                saved.append(out / name)
            context.close()
        finally:
            server.stop()
    return saved


if __name__ == "__main__":
    if not CHROMIUM.exists():
        sys.exit(NO_CHROMIUM)
    for shot in take(Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS):
        print(shot)
