"""Headless Chromium: from the roll-up the street's supervisor issues a 督办函 on the red
(overdue) measures of community A, the secretary answers it in writing, the supervisor
records a talk (约谈) and the roll-up shows the letter answered and the talk. Screenshots
(desktop and 390 px phone) in test-artifacts/urging/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rectification.models import Talk, UrgingLetter

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("urging")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _as(browser, live_server, username: str, viewport: dict = DESKTOP, **options):
    page = new_page(browser, viewport, **options)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_letter_issued_from_the_roll_up_answered_and_a_talk_recorded(live_server, browser, personas):
    today = timezone.localdate()
    first = f.measure_in(personas.tree.a, title="规范三务公开", due_on=today - dt.timedelta(days=20))
    f.measure(finding=first.finding, title="整改台账补齐", due_on=today - dt.timedelta(days=3))
    f.measure(finding=first.finding, title="建立长效机制", due_on=today + dt.timedelta(days=4))
    f.measure(finding=first.finding, title="完善议事规则", due_on=today + dt.timedelta(days=100))

    page = _as(browser, live_server, "supervisor")
    page.goto(f"{live_server.url}/rollup/")
    page.click(f"a[href='/organisations/{personas.tree.a.pk}/urging/'] >> nth=0")
    _shot(page, "01-organisation")
    page.click("text=督办超期（红色）措施")
    assert page.locator("input[name=measures]:checked").count() == 2  # the two overdue ones
    page.fill("textarea[name=text]", "你单位两项整改措施已超过完成时限，请抓紧推进。")
    page.fill("input[name=reply_due_on]", (today + dt.timedelta(days=7)).isoformat())
    _shot(page, "02-issue-form")
    page.click("text=发出督办函")
    page.wait_for_selector("#messages >> text=已发出")
    letter = UrgingLetter.objects.get()
    assert letter.measures.count() == 2
    _shot(page, "03-letter-issued")
    page.context.close()

    phone = _as(browser, live_server, "secretary_a", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/urging/{letter.pk}/")
    phone.fill("textarea[name=text]", "两项措施已完成整改，佐证材料见附件。")
    phone.click("text=提交回复")
    phone.wait_for_selector("#replied")
    _fits_a_phone(phone)
    _shot(phone, "04-phone-secretary-replied")
    phone.context.close()

    page = _as(browser, live_server, "supervisor", PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/organisations/{personas.tree.a.pk}/talks/new/")
    page.fill("input[name=held_on]", today.isoformat())
    page.fill("input[name=talked_by]", "街道督导")
    page.fill("input[name=talked_with]", "李书记")
    page.fill("textarea[name=reason]", "两项整改措施超期")
    page.fill("textarea[name=promises]", "两周内完成")
    _fits_a_phone(page)
    _shot(page, "05-phone-talk-form")
    page.click("text=保存")
    page.wait_for_selector("#messages >> text=约谈记录已保存")
    assert Talk.objects.count() == 1
    _fits_a_phone(page)
    _shot(page, "06-phone-organisation")
    page.goto(f"{live_server.url}/rollup/")
    cell = page.locator("td.urging-cell").first
    assert "已回复 1" in cell.inner_text()
    _shot(page, "07-phone-rollup")
    page.context.close()

    desktop = _as(browser, live_server, "supervisor")
    desktop.goto(f"{live_server.url}/rollup/")
    _shot(desktop, "08-rollup")
    desktop.context.close()
