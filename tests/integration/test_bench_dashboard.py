"""The dashboard bench (bench/dashboard.py): what it seeds is what the pages show, and a run at a tiny size
measures every page (answered 200) and the webhook with and without dashboard loads. No timing is asserted."""
from __future__ import annotations

import re
from argparse import Namespace

import pytest

from bench.dashboard import pages, run
from bench.dashboard_seed import Size, seed
from bench.seed import app_for, close
from bench.workload import ADMIN_TOKEN
from tests.conftest import PG_URL

TINY = Size(agents=60, teams=4, conversations=1500, links=500)  # 5% queued: more than a page


def test_the_seeded_team_is_what_the_dashboard_and_the_api_read(db_url):
    done = seed(db_url, TINY)
    assert (done["agents"], done["conversations"], done["links"]) == (60, 1500, 500)
    app = app_for(db_url)
    try:
        http = app.test_client()
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        agents = http.get("/api/agents", headers=auth).get_json()
        assert len(agents) == 60 and sum(1 for a in agents if a["hours"]) == 12
        assert len(http.get("/api/agents/agent007/absences?past=true", headers=auth).get_json()) == 1
        assert len(http.get("/api/unassigned", headers=auth).get_json()) == done["queued"] > 0
        assert len(http.get("/api/held", headers=auth).get_json()) == done["held"]
        assert http.get("/api/stats?days=15", headers=auth).get_json()["total"]["routed"] == 1500
        assert http.get("/api/customers/cust1", headers=auth).get_json()["sticky"]["active"] is True
        form = http.get("/login")
        http.post("/login", data={"csrf": re.search(r'name="csrf" value="([^"]+)"', form.text).group(1),
                                  "token": ADMIN_TOKEN})
        for name, path in pages(TINY).items():
            if not path.startswith("NEXT:"):
                assert http.get(path).status_code == 200, name
    finally:
        close(app)


@pytest.mark.skipif(bool(PG_URL), reason="one tiny run, on SQLite, shows the script works end to end")
def test_a_tiny_run_measures_every_page_and_the_webhook_quiet_and_under_dashboard_loads(tmp_path):
    args = Namespace(agents=TINY.agents, teams=TINY.teams, conversations=TINY.conversations, links=TINY.links,
                     rounds=1, events=5, every_ms=1.0, loads=2, pg_url=None)
    result = run("sqlite", args, tmp_path)
    assert set(result["pages"]) == set(pages(TINY))
    assert all(p["status"] == 200 and p["bytes"] > 1000 for p in result["pages"].values())
    assert result["pages"]["queue, page 2"]["path"].startswith("/queue?cursor=")
    assert result["webhook_quiet"]["events"] == result["webhook_with_dashboard_loads"]["events"] == 5
    assert result["webhook_with_dashboard_loads"]["page_loads"] > 0
