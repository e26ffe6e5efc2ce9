"""Headless Chromium: a Chinese browser switches the app to English with the top bar's
button, logs in and finds the dashboard (charts included), the measure list and a measure
page in English, data aside; the button back restores Chinese. Screenshots go to
test-artifacts/i18n/."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from rectification.models import Measure

from .helpers.browser import artifacts, chromium, new_page
from .test_i18n import chinese_left, data_strings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("i18n")
# The dashboard browser test's meeting day: overdue, due-soon and awaiting measures at once.
MEETING = dt.datetime(2025, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """LocaleMiddleware activates a request's language in this thread and nothing deactivates
    it: without this, tests that run later would find English active."""
    yield
    translation.deactivate()


@pytest.fixture
def demo_on_meeting_day(db):
    from rectification.devdata.demo import demo_load
    from rectification.models import Inspection

    with time_machine.travel(MEETING, tick=True):
        demo_load()
        yield Inspection.objects.get(organisation__slug="fuhua")


def _visible_chinese(page, data: list[str]) -> list[str]:
    """Chinese in the rendered page besides the data: its text (the switch back to 中文 aside)
    and the texts of the charts the server labels (status, trend); the bar charts' axes show
    shortened category titles and names, which are data."""
    text = page.evaluate(
        """() => { const body = document.body.cloneNode(true);
                   body.querySelectorAll(".chart, .langswitch, script").forEach(e => e.remove());
                   return body.textContent; }"""
    )
    charts = page.locator('[data-chart="status"] svg text, [data-chart="trend"] svg text').all_text_contents()
    return chinese_left("\n".join([text, *charts]), data)


def test_switch_to_english_and_back(live_server, demo_on_meeting_day):
    # The database is read before the browser starts: inside Playwright's event loop the ORM
    # would open a connection of its own that the test's teardown never closes.
    data = data_strings()
    done = Measure.objects.filter(finding__category__inspection=demo_on_meeting_day, status="done").first()
    with chromium() as browser:
        page = new_page(browser, {"width": 1366, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        page.click("form.langswitch button[value=en]")
        page.wait_for_selector("html[lang=en]")
        page.fill("input[name=username]", "shuji")
        page.fill("input[name=password]", "Fuhua@2025")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r".*/$"))

        page.goto(f"{live_server.url}/dashboard/")
        page.locator('[data-chart="status"] svg text').first.wait_for(state="attached")
        chart_texts = page.locator('[data-chart="status"] svg text').all_text_contents()
        assert "measures" in chart_texts, chart_texts
        page.screenshot(path=ARTIFACTS / "dashboard-en.png", full_page=True)
        assert page.get_by_role("heading", name="Key figures").count() == 1
        assert _visible_chinese(page, data) == []

        page.goto(f"{live_server.url}/measures/")
        page.screenshot(path=ARTIFACTS / "measure-list-en.png", full_page=True)
        assert page.get_by_text("Filter and sort").count() >= 1
        assert _visible_chinese(page, data) == []

        page.goto(f"{live_server.url}/measures/{done.pk}/")
        page.screenshot(path=ARTIFACTS / "measure-en.png", full_page=True)
        assert page.get_by_role("heading", name="Change history").count() == 1
        assert _visible_chinese(page, data) == []

        page.click("form.langswitch button[value=zh-hans]")
        page.wait_for_selector("html[lang=zh-CN]")
        assert page.url.endswith(f"/measures/{done.pk}/")
        assert page.get_by_role("heading", name="变更历史").count() == 1
