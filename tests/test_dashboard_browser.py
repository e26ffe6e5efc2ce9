"""Headless Chromium on the Fuhua demo data: the secretary's dashboard renders its charts
(SVG with drawn shapes), the tables stand without JavaScript, a figure opens its list,
and the supervisors' roll-up drills down. Screenshots go to test-artifacts/dashboard/."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rectification.selectors import dashboard as sel

from .helpers.browser import artifacts, chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("dashboard")
# A week before the meeting at the end of November 2025: the demo's deadlines then give
# overdue, due-soon, awaiting and ongoing measures all at once.
MEETING = dt.datetime(2025, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
CHARTS = ["status", "trend", "categories", "leaders", "owners"]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def meeting_day(db):
    """The Fuhua demo (as the conftest's ``demo`` fixture loads it), loaded and shown on
    the meeting day, so that its own change history does not lie in the future."""
    from rectification.devdata.demo import demo_load
    from rectification.models import Inspection

    with time_machine.travel(MEETING, tick=True):
        demo_load()
        yield Inspection.objects.get(organisation__slug="fuhua")


def _login(browser, live_server, username: str, **context):
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN", **context).new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Failed requests other than the favicon (static files, charts library) count as errors.
    page.on(
        "response",
        lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Fuhua@2025")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page, errors


def test_secretary_dashboard_renders_charts(live_server, browser, meeting_day):
    expected = sel.dashboard_data(inspection=meeting_day, today=MEETING.date(), due_soon_days=7)
    page, errors = _login(browser, live_server, "shuji")
    page.goto(f"{live_server.url}/dashboard/")
    for name in CHARTS:
        chart = page.locator(f'[data-chart="{name}"]').first
        chart.locator("svg path").first.wait_for(state="attached")
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150, name
        # Non-empty: the series drew shapes (axes alone are a handful of paths).
        assert chart.locator("svg path").count() >= 5, name
    figures = {k: page.locator(f'[data-figure="{k}"] .fig-num').inner_text() for k in ("total", "overdue", "due_soon")}
    assert figures == {
        "total": str(expected.counts.total),
        "overdue": str(expected.counts.overdue),
        "due_soon": str(expected.counts.due_soon),
    }
    assert expected.counts.overdue and expected.counts.due_soon and expected.counts.awaiting  # a telling day
    assert "统计口径" in page.inner_text("#rules")
    page.screenshot(path=str(ARTIFACTS / "1-dashboard-desktop.png"), full_page=True)

    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)  # the charts follow the resize after a short debounce
    assert page.locator('[data-chart="status"] svg').bounding_box()["width"] <= PHONE["width"]
    page.screenshot(path=str(ARTIFACTS / "2-dashboard-phone.png"), full_page=True)

    page.set_viewport_size(DESKTOP)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "3-dashboard-print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.click('[data-figure="overdue"]')
    page.wait_for_url(re.compile(r".*/measures/\?.*overdue=1"))
    assert page.locator("tr.mrow").count() == expected.counts.overdue
    page.screenshot(path=str(ARTIFACTS / "4-overdue-list.png"), full_page=True)
    assert not errors, errors


def test_without_javascript_the_tables_are_there(live_server, browser, meeting_day):
    page, _errors = _login(browser, live_server, "shuji", java_script_enabled=False)
    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator("[data-chart]").first.is_hidden()
    assert page.locator("#by-category table tbody tr").count() == 3
    assert page.locator("#by-leader table tbody tr").count() >= 4
    page.screenshot(path=str(ARTIFACTS / "5-dashboard-no-js.png"), full_page=True)


def test_supervisor_rolls_up_and_drills_down(live_server, browser, meeting_day):
    page, errors = _login(browser, live_server, "xunchaban")
    page.goto(f"{live_server.url}/rollup/?sort=-overdue")
    row = page.locator("tbody tr", has_text="福华社区党委")
    assert row.locator("td.danger").inner_text() != "0"
    page.screenshot(path=str(ARTIFACTS / "6-rollup.png"), full_page=True)
    row.get_by_role("link", name="福华社区党委").click()
    page.wait_for_url(re.compile(r".*/dashboard/\?organisation=\d+"))
    page.locator('[data-chart="trend"] svg path').first.wait_for(state="attached")
    assert page.locator("text=去审核销号").count() == 0  # read-only: no sign-off for supervisors
    page.screenshot(path=str(ARTIFACTS / "7-drill-down.png"), full_page=True)
    assert not errors, errors
