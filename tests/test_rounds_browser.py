"""Headless Chromium: the secretary of community A starts a 回头看 from an inspection,
marks a brought-in problem 反弹; the street's supervisor opens the statistics from the
roll-up, sees both rounds say so, and downloads the workbook. Screenshots (desktop and
390 px phone) in test-artifacts/rounds/."""

from __future__ import annotations

import datetime as dt

import pytest

from rectification.models import Finding, Inspection, Measure

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("rounds")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def _as(browser, live_server, username: str, viewport: dict = DESKTOP, **options):
    page = new_page(browser, viewport, **options)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def test_a_follow_up_round_and_the_statistics(live_server, browser, personas):
    insp = f.inspection(organisation=personas.tree.a)
    Inspection.objects.filter(pk=insp.pk).update(round_no=1)
    cat = f.category(inspection=insp, title="关于基层党组织建设方面")
    fixed = f.finding(category=cat, heading="“三会一课”记录不规范")
    m = f.measure(finding=fixed, status=Measure.Status.DONE, completed_on=dt.date(2025, 5, 1))
    f.rule(m, "made", title="社区党委会议记录规范")
    f.money(m, "3.50", "refunded")
    f.measure(finding=f.finding(category=cat, heading="党员台账不全"))

    page = _as(browser, live_server, "secretary_a")
    page.goto(f"{live_server.url}/inspections/{insp.pk}/")
    page.click("text=发起“回头看”")
    page.fill("input[name=round_no]", "2")
    page.fill("input[name=team]", "区委第二巡察组")
    page.fill("input[name=onsite_start]", "2025-08-01")
    page.fill("input[name=onsite_end]", "2025-08-10")
    page.fill("input[name=feedback_on]", "2025-08-20")
    page.screenshot(path=str(ARTIFACTS / "follow-up-form.png"), full_page=True)
    page.click("main form button:text('保存'), form button:text('保存')")
    page.wait_for_selector("text=前一轮带入 · 当时已完成")
    follow = Inspection.objects.get(follows=insp)
    copy = Finding.objects.get(category__inspection=follow, heading="“三会一课”记录不规范")
    form = page.locator(f"#f{copy.pk} .recurrence form")
    form.locator("select[name=recurrence]").select_option("rebound")
    form.locator("button").click()
    page.wait_for_selector(f"#f{copy.pk} .badge.state-returned")
    page.screenshot(path=str(ARTIFACTS / "follow-up-tree.png"), full_page=True)

    sup = _as(browser, live_server, "supervisor")
    sup.goto(f"{live_server.url}/rollup/")
    sup.click("text=巡察整改统计表（按党组织、按轮次）")
    sup.wait_for_selector("h1")
    rows = sup.locator("section:has(h2:text('按轮次')) tbody tr")
    assert rows.count() == 2
    assert "第1轮" in rows.nth(0).inner_text() and "第2轮" in rows.nth(1).inner_text()
    sup.screenshot(path=str(ARTIFACTS / "statistics.png"), full_page=True)
    with sup.expect_download() as download:
        sup.click("text=下载统计表（Excel）")
    assert download.value.suggested_filename.endswith(".xlsx")

    phone = _as(browser, live_server, "supervisor", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/rollup/statistics/")
    phone.screenshot(path=str(ARTIFACTS / "statistics-phone.png"), full_page=True)
    # The wide tables scroll inside their panel; the page itself fits the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
