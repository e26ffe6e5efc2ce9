"""Headless Chromium: a staff member finds an overdue measure, reports progress, uploads a
file and asks for sign-off; the secretary signs it off from the queue; the measure page's
history shows all of it. Screenshots of each step (desktop and phone) in
test-artifacts/workflow/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rectification.models import Measure, SignOff

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("workflow")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


_page = new_page


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


@pytest.fixture
def work(personas):
    """A's measures for staff_a: one overdue, one due soon, one later; dates relative to today."""
    today = timezone.localdate()
    insp = f.inspection(organisation=personas.tree.a)
    cat = f.category(inspection=insp, title="关于党中央和上级各项决策部署落实情况方面")
    fin = f.finding(category=cat, heading="压实“房中房”安全管理工作")
    common = {"owners": [personas.person_staff_a], "leader": personas.person_member_a}
    overdue = f.measure(
        finding=fin, title="一是开展“房中房”专项排查工作", due_on=today - dt.timedelta(days=12), **common
    )
    f.measure(finding=fin, title="二是建立出租屋安全台账", due_on=today + dt.timedelta(days=3), **common)
    f.measure(finding=fin, title="三是完善长效巡查机制", due_on=today + dt.timedelta(days=90), **common)
    return overdue


def test_staff_reports_and_secretary_signs_off(live_server, browser, personas, work, tmp_path):
    url = live_server.url
    page = _page(browser, DESKTOP)
    _login(page, live_server, "staff_a")
    _shot(page, "01-staff-home")

    # 「我的整改任务」, filtered to the overdue measure (htmx swaps the results in place).
    page.click("nav.mainnav >> text=我的整改任务")
    page.wait_for_url(f"{url}/measures/")  # and its load: count() does not wait for the rows
    assert page.locator("td.m-title").count() == 3
    _shot(page, "02-my-measures")
    page.check("input[name=overdue]")
    page.wait_for_url("**overdue=1**")
    page.wait_for_function("document.querySelectorAll('td.m-title').length === 1")
    assert "overdue" in page.locator("tr.mrow").get_attribute("class")
    _shot(page, "03-filtered-overdue")

    # Report progress: an internal note and the public text.
    page.click(f"text={work.title}")
    page.wait_for_url(f"{url}/measures/{work.pk}/")
    page.fill("textarea[name=note]", "已召开专题会议，组织网格员逐栋排查。")
    page.fill("textarea[name=progress]", "已完成辖区 32 栋楼宇“房中房”专项排查，发现问题 5 处，均已整改到位。")
    page.click("text=保存进展")
    page.wait_for_selector("#messages >> text=已保存整改进展")
    assert "已召开专题会议" in page.locator("#timeline").inner_text()
    _shot(page, "04-progress-reported")

    # Upload a file.
    pdf = tmp_path / "排查记录表.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("input[name=files]", str(pdf))
    page.click("#evidence button[type=submit]")
    page.wait_for_selector("#evidence >> text=排查记录表.pdf")
    _shot(page, "05-evidence-uploaded")

    # Ask for sign-off.
    page.click("text=提请销号")
    page.wait_for_selector(".m-badges >> text=待销号")
    _shot(page, "06-sign-off-requested")
    work.refresh_from_db()
    assert work.status == Measure.Status.AWAITING_SIGN_OFF

    # The secretary signs it off from the queue in one click.
    page.context.close()
    page = _page(browser, DESKTOP)
    _login(page, live_server, "secretary_a")
    page.click("nav.mainnav >> text=待销号")
    assert "已完成辖区 32 栋" in page.locator(f"#q{work.pk}").inner_text()
    _shot(page, "07-secretary-queue")
    page.click(f"#q{work.pk} >> text=同意销号")
    page.wait_for_selector(f"#q{work.pk}.queue-done")
    _shot(page, "08-signed-off")
    work.refresh_from_db()
    assert work.status == Measure.Status.DONE
    sign_off = work.sign_offs.get()
    assert sign_off.decision == SignOff.Decision.APPROVED and sign_off.evidence_snapshot[0]["name"] == "排查记录表.pdf"

    # The measure page tells the whole story.
    page.goto(f"{url}/measures/{work.pk}/")
    timeline = page.locator("#timeline").inner_text()
    for text in ("已召开专题会议", "上传佐证材料：排查记录表.pdf", "推进中", "待销号", "同意销号"):
        assert text in timeline
    history = page.locator("#history").inner_text()
    assert "赵敏" in history and "李书记" in history and "整改进展（公开）" in history
    assert "上传佐证材料" in history and "已完成" in history
    assert "排查记录表.pdf" in page.locator("#sign-offs").inner_text()
    _shot(page, "09-history")
    # The secretary's list: every measure of the organisation, with the bulk bar.
    page.goto(f"{url}/measures/")
    assert page.locator("td.m-title").count() == 3 and page.locator("#bulk-form").is_visible()
    assert page.locator("details.filters").evaluate("d => d.open")  # a bare visit on a wide screen
    _shot(page, "10-secretary-list")
    page.context.close()

    # On a phone: the list as cards, the measure page in one column.
    phone = _page(browser, PHONE, is_mobile=True, has_touch=True)
    _login(phone, live_server, "staff_a")
    phone.goto(f"{url}/measures/?mine=1")
    _shot(phone, "11-phone-list")
    phone.goto(f"{url}/measures/{work.pk}/")
    _shot(phone, "12-phone-measure")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the measure page scrolls sideways on a phone"
    phone.context.close()


def test_works_without_javascript(live_server, browser, personas, work):
    page = _page(browser, PHONE, java_script_enabled=False)
    _login(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/measures/?overdue=1&mine=1")
    assert page.locator("td.m-title").count() == 1
    page.click(f"text={work.title}")
    page.fill("textarea[name=note]", "无脚本也能报告进展")
    page.click("text=保存进展")
    page.wait_for_url(f"{live_server.url}/measures/{work.pk}/")
    assert "无脚本也能报告进展" in page.locator("#timeline").inner_text()
    _shot(page, "13-no-javascript")
    page.context.close()


def test_supervisor_chooses_an_organisation_and_its_people_appear(live_server, browser, personas, work, monkeypatch):
    """Past the cap the people's selects wait for an organisation; choosing one (htmx)
    lists its people in place, without replacing the select being used."""
    from rectification import filters

    f.measure_in(personas.tree.b, owners=[personas.person_staff_b])
    monkeypatch.setattr(filters, "OPTIONS_CAP", 2)  # the street has three people
    page = _page(browser, PHONE)
    _login(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/measures/")  # a bare visit: everything they oversee
    assert page.locator("td.m-title").count() == 4
    # On a phone the measures come first: the filters, open on a wide screen, wait behind their heading.
    filters = page.locator("details.filters")
    assert not filters.evaluate("d => d.open") and not page.locator("select[name=organisation]").is_visible()
    filters.locator("summary").click()
    assert page.locator("select[name=owner] option").count() == 1
    _shot(page, "05-supervisor-filters-waiting-phone")

    page.evaluate("document.querySelector('select[name=organisation]').dataset.kept = '1'")
    page.select_option("select[name=organisation]", str(personas.tree.a.pk))
    page.wait_for_url(f"**organisation={personas.tree.a.pk}**")
    page.wait_for_function("document.querySelectorAll('select[name=owner] option').length === 3")
    assert page.locator("td.m-title").count() == 3
    # The select being used stays the same element (a swapped one would lose the focus).
    assert page.locator("select[name=organisation]").get_attribute("data-kept") == "1"
    page.select_option("select[name=owner]", str(personas.person_staff_a.pk))
    page.wait_for_url(f"**owner={personas.person_staff_a.pk}**")
    assert page.locator("select[name=owner]").input_value() == str(personas.person_staff_a.pk)
    _shot(page, "06-supervisor-filters-phone")
