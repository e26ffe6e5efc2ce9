"""Headless Chromium: the secretary uploads a ledger on a phone-sized screen, reads the
preview with its problems, fixes the file, and confirms. Screenshots in test-artifacts/ledger/."""

from __future__ import annotations

from pathlib import Path

import pytest

from rectification.models import Inspection, Measure

from .helpers.browser import artifacts, chromium, new_page
from .ledger_books import book, row, rows3

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("ledger")


@pytest.fixture
def page():
    with chromium() as browser:
        yield new_page(browser, {"width": 414, "height": 900})


def _upload(page, live_server, path: Path) -> None:
    page.goto(f"{live_server.url}/ledger/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("text=上传并预览")


def test_secretary_imports_a_ledger(live_server, page, personas, tmp_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "secretary_a")
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("button[type=submit]")
    page.click(".menu-toggle")  # on a phone the top bar's menu holds the links
    page.click("text=导入台账")
    page.screenshot(path=str(ARTIFACTS / "1-upload.png"), full_page=True)

    bad = tmp_path / "福华台账.xlsx"
    bad.write_bytes(book([*rows3(), row(measure="坏日期", due="下个月")]))
    _upload(page, live_server, bad)
    page.screenshot(path=str(ARTIFACTS / "2-problems.png"), full_page=True)
    assert page.locator(".ledger-problems").is_visible()
    assert page.locator("text=确认导入").count() == 0

    good = tmp_path / "福华台账-修改后.xlsx"
    good.write_bytes(book([*rows3(), row(measure="新增措施", owners="孙新")]))
    _upload(page, live_server, good)
    page.screenshot(path=str(ARTIFACTS / "3-preview.png"), full_page=True)
    page.click("text=确认导入")
    page.wait_for_url(f"{live_server.url}/inspections/*/")
    page.screenshot(path=str(ARTIFACTS / "4-imported.png"), full_page=True)
    assert "整改台账已导入" in page.content()
    assert Inspection.objects.count() == 1 and Measure.objects.count() == 4
