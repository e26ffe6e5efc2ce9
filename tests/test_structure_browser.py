"""Headless Chromium: the secretary adds a measure on the inspection tree and moves it up.

Screenshots go to test-artifacts/structure/."""

from __future__ import annotations

import pytest

from rectification.models import Measure

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("structure")


@pytest.fixture
def page():
    with chromium() as browser:
        yield new_page(browser, {"width": 414, "height": 900})


def test_secretary_adds_a_measure_and_moves_it_up(live_server, page, personas):
    inspection = f.inspection(organisation=personas.tree.a)
    finding = f.finding(category=f.category(inspection=inspection, title="关于安全管理方面"), heading="压实安全管理")
    f.measure(finding=finding, title="开展专项排查工作")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "secretary_a")
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    page.screenshot(path=str(ARTIFACTS / "1-tree.png"), full_page=True)

    item = page.locator(f"#f{finding.pk}")
    item.locator("summary", has_text="添加整改措施").click()
    form = item.locator("form.inline-form").first
    form.locator("textarea[name=title]").fill("建立房中房安全台账")
    form.locator("input[name=due_on]").fill("2025-09-30")
    form.locator("select[name=owner]").select_option(label="赵敏")
    page.screenshot(path=str(ARTIFACTS / "2-add-form.png"), full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=已添加整改措施")

    new = Measure.objects.get(title="建立房中房安全台账")
    assert [p.name for p in new.owners.all()] == ["赵敏"] and new.position == 2
    page.screenshot(path=str(ARTIFACTS / "3-added.png"), full_page=True)

    page.locator(f"#m{new.pk} button[value=up]").click()
    page.wait_for_load_state()
    ordinals = page.locator(f"#f{finding.pk} .tree-measure").all_inner_texts()
    assert ordinals[0].startswith("一是") and "建立房中房安全台账" in ordinals[0]
    assert ordinals[1].startswith("二是") and "开展专项排查工作" in ordinals[1]
    assert list(finding.measures.order_by("position").values_list("title", flat=True)) == [
        "建立房中房安全台账",
        "开展专项排查工作",
    ]
    page.screenshot(path=str(ARTIFACTS / "4-moved-up.png"), full_page=True)
