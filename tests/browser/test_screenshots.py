"""The README's screenshots stay reproducible: the script that makes them runs end to end."""
from __future__ import annotations

import pytest

from tests.browser.screenshots import SHOTS, take
from tests.conftest import PG_URL


@pytest.mark.skipif(bool(PG_URL), reason="the screenshots are made on SQLite; the SQLite run covers the script")
def test_the_screenshot_script_saves_the_overview_the_stats_and_an_agents_page_as_pngs(browser, tmp_path):
    saved = take(tmp_path, browser)
    assert sorted(p.name for p in saved) == sorted(SHOTS)
    for shot in saved:
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 20_000
