"""One Chromium per test module; a real `stickybot serve` per test, on the test database."""
from __future__ import annotations

import os

import pytest

from tests.browser.kit import CHROMIUM, NO_CHROMIUM, Api, launch
from tests.e2e.test_slow_clients import serve


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):  # .ci/run installs it: a CI run without it must not pass quietly
            pytest.fail(NO_CHROMIUM)
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def server(browser, db_url, tmp_path):
    running = serve("serve", db_url, tmp_path)
    yield running
    running.stop()


@pytest.fixture
def api(server) -> Api:
    return Api(server.base)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server.base)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
