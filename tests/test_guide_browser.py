"""The user guide's pictures (使用说明, templates/guide.html): headless Chromium takes them of
the real pages on the demo as `make run` loads it (a working day), while checking that each
page shows what its caption says. They go to test-artifacts/guide/; `make guide` sets
GUIDE_DIR=static/guide to refresh the committed ones, so the pictures never drift from the
app. Desktop pictures are 1200 px wide and cropped to the part the text explains; the staff's
are taken on a 390 px phone (at twice the pixel density, so they stay sharp when shrunk)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
DESKTOP, PHONE = {"width": 1200, "height": 800}, {"width": 390, "height": 844}
# Every picture templates/guide.html shows; tests/test_guide.py checks the two agree.
SHOTS = (
    "staff-todo",
    "staff-progress",
    "staff-evidence",
    "staff-submit",
    "secretary-todo",
    "secretary-signoff",
    "secretary-bulletin",
    "secretary-upward",
    "supervisor-rollup",
    "supervisor-review",
)
PLAN = {
    "general_requirements": "坚持以习近平新时代中国特色社会主义思想为指导，坚持问题导向、目标导向、结果导向，"
    "把巡察整改作为重大政治任务，逐条对照反馈问题，明确整改措施、责任人和完成时限，确保件件有着落、事事有回音。",
    "leading_group": ["组长：李明华（社区党委书记）", "副组长：王建国（社区党委委员）", "成员：张丽、刘洋、赵敏"],
    "safeguards": "社区党委每月召开一次整改推进会，听取各责任人进展汇报。\n对整改不力、敷衍应付的，依规依纪严肃追责问责。",
}


def _target() -> Path:
    """Where the pictures go: static/guide/ under `make guide`, test-artifacts/ otherwise."""
    wanted = os.environ.get("GUIDE_DIR")
    if not wanted:
        return artifacts("guide")
    path = Path(wanted) if Path(wanted).is_absolute() else ROOT / wanted
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def working_day(db, settings, tmp_path):
    """The demo as `make run` loads it, and the plan (整改方案) drafted as far as submitting."""
    from django.contrib.auth import get_user_model

    from rectification.devdata.demo import demo_load, demo_working_day
    from rectification.models import Inspection
    from rectification.services import upward as services

    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"
    today = timezone.localdate()
    demo_load(today=today)
    demo_working_day(today=today)
    inspection = Inspection.objects.get(organisation__slug="fuhua")
    secretary = get_user_model().objects.get(username="shuji")
    plan = services.upward_document_open(inspection=inspection, kind="plan", user=secretary)
    services.upward_update(document=plan, user=secretary, content=PLAN, expected_version=plan.version)
    return inspection, plan


def _login(browser, live_server, username: str, viewport: dict):
    scale = 2 if viewport is PHONE else 1
    page = new_page(browser, viewport, device_scale_factor=scale)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "Fuhua@2025")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    return page, errors


def _edge(page, selector: str, edge: str) -> float:
    """The top or bottom of the first element ``selector`` finds, in page coordinates."""
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    return page.evaluate(f"(e) => e.getBoundingClientRect().{edge} + window.scrollY", element.element_handle())


def _shot(page, name: str, start: str | None = None, end: str | None = None, height: int = 760) -> Path:
    """The part of the page from ``start`` (a selector; the top when None) down to the end
    of ``end`` (a selector), at most ``height`` CSS pixels, the full width of the window."""
    assert name in SHOTS, name
    top = max(0.0, _edge(page, start, "top") - 12) if start else 0.0
    if end:
        height = min(height, int(_edge(page, end, "bottom") + 12 - top))
    total = page.evaluate("document.documentElement.scrollHeight")
    width = page.viewport_size["width"]
    path = _target() / f"{name}.png"
    clip = {"x": 0, "y": top, "width": width, "height": min(height, total - top)}
    page.screenshot(path=str(path), full_page=True, clip=clip)
    assert path.stat().st_size > 10_000, name  # a real page, not a blank one
    return path


def test_staff_pictures_on_a_phone(live_server, browser, working_day):
    page, errors = _login(browser, live_server, "gongzuo", PHONE)
    first = page.locator(".todo-item").first
    assert first.get_attribute("data-todo") == "overdue"
    _shot(page, "staff-todo", end="main", height=700)
    # The overdue measure the to-do home puts first: its page, section by section.
    first.locator(".todo-measures a").first.click()
    page.wait_for_selector("#report")
    assert page.locator("#report button[type=submit]").inner_text() == "保存进展"
    _shot(page, "staff-progress", "#report", "#report")
    assert page.locator("#evidence input[type=file]").count() == 1
    _shot(page, "staff-evidence", "#evidence", "#evidence")
    assert "提请销号" in page.locator("#status").inner_text()
    _shot(page, "staff-submit", "#status", "#status")
    assert not errors, errors
    page.context.close()


def test_secretary_pictures(live_server, browser, working_day):
    inspection, plan = working_day
    page, errors = _login(browser, live_server, "shuji", DESKTOP)
    assert page.locator('.todo-item[data-todo="sign_off"]').count() == 1
    _shot(page, "secretary-todo", height=720)
    page.goto(f"{live_server.url}/sign-off/")
    assert page.locator("article[id^=q]").count() >= 1
    _shot(page, "secretary-signoff", height=720)
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/bulletin/")
    page.frame_locator("iframe[name=bulletin-preview]").locator("body").wait_for()
    _shot(page, "secretary-bulletin", height=800)
    # The plan, drafted: the last sections of the editor and the signing box, then submitted
    # for real, so that the supervisor has it to review.
    page.goto(f"{live_server.url}/upward/{plan.pk}/")
    assert page.locator("#missing").count() == 0
    _shot(page, "secretary-upward", "textarea[name=safeguards] >> xpath=ancestor::div[1]", height=660)
    page.check("#submit input[name=attest]")
    page.click("#submit >> text=签字并报送")
    page.wait_for_selector("#waiting")
    assert not errors, errors
    page.context.close()

    page, errors = _login(browser, live_server, "jiedao", DESKTOP)
    page.goto(f"{live_server.url}/rollup/")
    _shot(page, "supervisor-rollup", end="main")
    page.goto(f"{live_server.url}/reviews/")
    page.locator(f"#d{plan.pk} a").first.click()
    page.wait_for_selector("#review")
    _shot(page, "supervisor-review", end="#review")
    assert not errors, errors
    page.context.close()
