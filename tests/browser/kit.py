"""Driving the dashboard in the system's Chromium (Debian's `chromium` package) with Playwright: nothing is
downloaded, no browser of Playwright's own is used. Shared by the browser tests and the screenshot script."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import requests

from tests.conftest import ADMIN_TOKEN
from tests.e2e.test_slow_clients import post_event

CHROMIUM = Path("/usr/bin/chromium")
# This machine's network is closed: nothing in the background, no updates, no first-run pages.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
NO_CHROMIUM = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)"


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


class Api:
    """The admin API and the signed widget webhook of a running server, to arrange what the pages show."""

    def __init__(self, base: str):
        self.base = base
        self.auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    def call(self, method: str, path: str, body=None) -> requests.Response:
        r = requests.request(method, self.base + path, json=body, headers=self.auth, timeout=10)
        assert r.status_code < 300, (path, r.status_code, r.text)
        return r

    def team(self, team_id: str, name: str | None = None) -> None:
        self.call("PUT", f"/api/teams/{team_id}", {"name": name or team_id.title()})

    def agent(self, agent_id: str, *teams: str, status="online", name=None, max_open=None, slack=None) -> None:
        for team in teams:
            self.team(team)
        self.call("PUT", f"/api/agents/{agent_id}", {"name": name or agent_id.title(), "teams": list(teams),
                                                      "status": status, "max_open": max_open,
                                                      "slack_user_id": slack})

    def event(self, **fields) -> dict:
        # The server runs on the real clock: events happen now (unless a test says when), so what the pages
        # show about windows and ages does not depend on the day the suite runs.
        fields.setdefault("at", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        r = post_event(self.base, 10, **fields)
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, path: str):
        return self.call("GET", path).json()


def sign_in(page, token: str = ADMIN_TOKEN) -> None:
    page.goto("/login")
    page.get_by_label("Admin token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
