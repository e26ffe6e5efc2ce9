"""Headless Chromium: under a street acceptance rule the street's supervisor opens an
inspection of community A, drafts its 整改验收意见 (限期二次整改 on the measure not yet
accepted), saves, issues it; the secretary reads it on a phone, and the inspection's page
and the roll-up show the conclusion. Screenshots (desktop and 390 px phone) in
test-artifacts/acceptance-opinion/. Also a 督办函 corrected, then withdrawn, before its
reply (test-artifacts/urging/)."""

# ruff: noqa: F811 (``browser``, a fixture imported from test_urging_browser, is the tests' argument)
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rectification.models import AcceptanceOpinion, Notification, ReportingRules

from . import factories as f
from .helpers.browser import artifacts
from .test_acceptance import _signed_off
from .test_urging_browser import DESKTOP, PHONE, _as, _fits_a_phone, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("acceptance-opinion")


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_supervisor_drafts_and_issues_the_opinion_the_secretary_reads_it(live_server, browser, personas):
    from rectification import services

    ReportingRules.objects.create(organisation=personas.tree.district, acceptance_level="street")
    accepted = _signed_off(personas, title="规范三务公开")
    services.measure_accept(measure=accepted, user=personas.supervisor, expected_version=accepted.version)
    late = f.measure(finding=accepted.finding, title="整改台账补齐", owners=[personas.person_staff_a])
    inspection = accepted.finding.category.inspection
    due = timezone.localdate() + dt.timedelta(days=30)

    page = _as(browser, live_server, "supervisor", DESKTOP)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    page.click("#acceptance-opinion a")
    page.check("input[name=conclusion][value=second_round]")
    page.fill("input[name=second_due_on]", due.isoformat())
    page.check(f"input[name=measures][value='{late.pk}']")
    page.fill("textarea[name=text]", "验收组查阅了整改台账和佐证材料，并实地察看。\n“整改台账补齐”一项尚未完成。")
    page.click("button[value=save]")
    page.wait_for_selector("#messages >> text=草稿已保存")
    _shot(page, "01-draft")
    assert AcceptanceOpinion.objects.get().state == "draft"
    page.click("button[value=issue]")
    page.wait_for_selector("#messages >> text=已签发")
    opinion = AcceptanceOpinion.objects.get()
    assert opinion.state == "issued" and [m.pk for m in opinion.measures.all()] == [late.pk]
    _shot(page, "02-issued")
    page.goto(f"{live_server.url}/rollup/")
    assert "二次整改 1" in page.inner_text("table.rollup-table")
    _shot(page, "03-rollup")
    page.context.close()

    assert Notification.objects.filter(recipient=personas.secretary_a, kind="acceptance_opinion").exists()
    phone = _as(browser, live_server, "secretary_a", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    assert "限期二次整改" in phone.inner_text("#acceptance-opinion")
    phone.click("#acceptance-opinion a")
    phone.wait_for_selector(f"text={opinion.number}")
    assert phone.locator("textarea[name=text]").count() == 0  # the secretary reads, drafts nothing
    _fits_a_phone(phone)
    _shot(phone, "04-phone-secretary")
    phone.context.close()


def test_letter_corrected_then_withdrawn_before_the_reply(live_server, browser, personas):
    from rectification.services import urging as urging_service

    today = timezone.localdate()
    first = f.measure_in(personas.tree.a, title="规范三务公开", due_on=today - dt.timedelta(days=20))
    letter = urging_service.urging_issue(
        user=personas.supervisor, inspection=first.finding.category.inspection, measure_ids=[first.pk],
        subject="关于加快推进巡察整改工作的督办函", text="请抓紧推进。", reply_due_on=today + dt.timedelta(days=7),
    )  # fmt: skip
    shots = artifacts("urging")
    page = _as(browser, live_server, "supervisor", DESKTOP)
    page.goto(f"{live_server.url}/urging/{letter.pk}/")
    page.click("text=修改督办函")
    page.fill("textarea[name=text]", "你单位“规范三务公开”一项已超期二十天，请于一周内整改到位并书面回复。")
    page.screenshot(path=str(shots / "05-revise-form.png"), full_page=True)
    page.click("text=保存修改")
    page.wait_for_selector("#messages >> text=已修改")
    page.fill("input[name=reason]", "该事项已纳入区级统一督办，本函撤回")
    page.click("text=撤回督办函")
    page.wait_for_selector("#withdrawn")
    page.screenshot(path=str(shots / "06-withdrawn.png"), full_page=True)
    page.context.close()
    letter.refresh_from_db()
    assert letter.is_withdrawn and "二十天" in letter.text and letter.number.endswith("1号")

    phone = _as(browser, live_server, "secretary_a", PHONE, is_mobile=True, has_touch=True)
    assert phone.locator("[data-todo=urging_reply]").count() == 0
    phone.goto(f"{live_server.url}/urging/{letter.pk}/")
    assert "无需回复" in phone.inner_text("#withdrawn") and phone.locator("textarea[name=text]").count() == 0
    _fits_a_phone(phone)
    phone.screenshot(path=str(shots / "07-phone-withdrawn.png"), full_page=True)
    phone.context.close()
