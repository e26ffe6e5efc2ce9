"""Headless Chromium through the whole second check (验收): staff submit, the secretary signs
off, the street supervisor returns one measure (it reopens; the staff member is told), the
staff member resubmits, the secretary signs off, the supervisor accepts; the dashboard counts
it as the district's rule says. Screenshots (desktop and phone) in test-artifacts/acceptance/."""

from __future__ import annotations

import pytest

from rectification.models import Measure, ReportingRules

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("acceptance")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _submit(page, live_server, measure: Measure) -> None:
    page.goto(f"{live_server.url}/measures/{measure.pk}/")
    page.click("text=提请销号")
    page.wait_for_selector(".m-badges >> text=待销号")


def _sign_off(page, live_server, measure: Measure) -> None:
    page.goto(f"{live_server.url}/sign-off/")
    page.check(f"#q{measure.pk} input[name=confirm_no_evidence]")  # no evidence in this story
    page.click(f"#q{measure.pk} button[value=approve]")
    page.wait_for_selector(f"#q{measure.pk}.queue-done")


def test_second_check_return_then_accept(live_server, browser, personas):
    url = live_server.url
    ReportingRules.objects.create(organisation=personas.tree.district, acceptance_level="street")
    insp = f.inspection(organisation=personas.tree.a)
    fin = f.finding(category=f.category(inspection=insp, title="关于基层党组织建设方面"), heading="规范“三会一课”")
    common = {"owners": [personas.person_staff_a], "leader": personas.person_member_a}
    kept = f.measure(finding=fin, title="一是建立会议记录台账", progress="已建立会议记录台账并按月检查。", **common)
    returned = f.measure(finding=fin, title="二是补齐缺失的会议记录", progress="已补齐 2024 年会议记录。", **common)

    page = new_page(browser, DESKTOP)
    _login(page, live_server, "staff_a")
    for measure in (kept, returned):
        _submit(page, live_server, measure)
    page.context.close()

    page = new_page(browser, DESKTOP)
    _login(page, live_server, "secretary_a")
    for measure in (kept, returned):
        _sign_off(page, live_server, measure)
    page.context.close()

    # The street supervisor: the queue shows the frozen progress; one is returned with a reason.
    page = new_page(browser, DESKTOP)
    _login(page, live_server, "supervisor")
    page.click("nav.mainnav >> text=验收")
    page.wait_for_url(f"{url}/acceptance/")
    assert page.locator(".queue-item").count() == 2
    assert "已补齐 2024 年会议记录" in page.locator(f"#a{returned.pk}").inner_text()
    _shot(page, "01-supervisor-queue")
    page.fill(f"#a{returned.pk} input[name=reason]", "缺少 2024 年第四季度的会议记录原件")
    page.click(f"#a{returned.pk} >> text=退回重新整改")
    page.wait_for_selector("#messages >> text=已退回重新整改")
    assert page.locator(".queue-item").count() == 1
    _shot(page, "02-returned")
    returned.refresh_from_db()
    assert returned.status == Measure.Status.IN_PROGRESS
    page.context.close()

    # The staff member is told, finds the reason on the timeline, and resubmits.
    page = new_page(browser, DESKTOP)
    _login(page, live_server, "staff_a")
    page.goto(f"{url}/notifications/")
    assert "缺少 2024 年第四季度的会议记录原件" in page.locator("main").inner_text()
    page.goto(f"{url}/measures/{returned.pk}/")
    assert "验收未通过" in page.locator("#timeline").inner_text()
    _shot(page, "03-staff-sees-return")
    page.fill("textarea[name=progress]", "已补齐 2024 年全部会议记录，含第四季度原件。")
    page.click("text=保存进展")
    page.wait_for_selector("#messages >> text=已保存整改进展")
    _submit(page, live_server, returned)
    page.context.close()

    page = new_page(browser, DESKTOP)
    _login(page, live_server, "secretary_a")
    _sign_off(page, live_server, returned)
    page.context.close()

    # The supervisor accepts both.
    page = new_page(browser, DESKTOP)
    _login(page, live_server, "supervisor")
    page.goto(f"{url}/acceptance/")
    assert "含第四季度原件" in page.locator(f"#a{returned.pk}").inner_text()
    page.click(f"#a{returned.pk} >> text=验收通过")
    page.wait_for_selector("#messages >> text=已验收通过")
    page.click(f"#a{kept.pk} >> text=验收通过")
    page.wait_for_selector("text=目前没有等待您验收的措施")
    _shot(page, "04-all-accepted")

    # The dashboard: both signed off (已销号) and, as the district's rule asks, both accepted.
    page.goto(f"{url}/dashboard/?inspection={insp.pk}")
    assert page.locator("[data-figure=done] .fig-num").inner_text() == "2"
    assert page.locator("[data-figure=accepted] .fig-num").inner_text() == "2"
    _shot(page, "05-dashboard")
    page.context.close()

    phone = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    _login(phone, live_server, "supervisor")
    phone.goto(f"{url}/acceptance/")
    _shot(phone, "06-phone-queue-empty")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.context.close()


def test_phone_queue_with_a_measure(live_server, browser, personas):
    """The queue with an item on a 390 px phone: no sideways scrolling."""
    from rectification import services

    ReportingRules.objects.create(organisation=personas.tree.district, acceptance_level="street")
    measure = f.measure_in(personas.tree.a, owners=[personas.person_staff_a], progress="已整改到位。" * 20)
    services.measure_change_status(measure=measure, user=personas.staff_a, to_status="awaiting_sign_off")
    services.measure_sign_off(measure=measure, user=personas.secretary_a)
    phone = new_page(browser, PHONE, is_mobile=True, has_touch=True)
    _login(phone, live_server, "supervisor")
    phone.goto(f"{live_server.url}/acceptance/")
    _shot(phone, "07-phone-queue")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.context.close()
