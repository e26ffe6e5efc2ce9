"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by
Playwright (a test tool cannot download its own browser here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out of a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS_ROOT = Path(__file__).resolve().parents[2] / "test-artifacts"


def artifacts(area: str) -> Path:
    path = ARTIFACTS_ROOT / area
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def chromium() -> Iterator:
    """A launched browser. Playwright's sync API runs an event loop in this thread, so
    Django's async guard is lifted only while the browser lives (set at import time it
    would leak into every later test, and into subprocesses such as `check --deploy`)."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


def new_page(browser, viewport: dict, **options):
    page = browser.new_context(viewport=viewport, locale="zh-CN", **options).new_page()
    page.set_default_timeout(10_000)
    return page
