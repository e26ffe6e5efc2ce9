"""Headless Chromium: the administrator uploads a district's roster, reads the preview with
a departed person and the measures to reassign, fixes a bad row, confirms. Screenshots in
test-artifacts/onboarding/."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from rectification.ledger.onboarding import write_roster
from rectification.models import Person
from rectification.services.onboarding import onboarding_import

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page
from .test_onboarding import district

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("onboarding")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_administrator_onboards_a_district(live_server, tmp_path, width):
    orgs, people = district(streets=2, communities=3, per_community=5)
    onboarding_import(data=write_roster(orgs, people))
    leaver = people[0]
    person = Person.objects.get(user__profile__employee_number=leaver.employee_number)
    f.measure_in(person.organisation, leader=person, title="规范“三会一课”记录，补齐缺失的会议纪要")
    admin = f.user(username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    people[1].role = "secretary"
    people[3].mobile = "12345"
    with chromium() as browser:
        page = new_page(browser, {"width": width, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "root")
        page.fill("input[name=password]", "pw-Secret-123")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/onboarding/")
        page.screenshot(path=str(ARTIFACTS / f"1-upload-{width}.png"), full_page=True)

        bad = tmp_path / "南山区上线名册.xlsx"
        bad.write_bytes(write_roster(orgs, people[1:]))
        page.set_input_files("input[name=file]", str(bad))
        page.click("text=上传并预览")
        page.screenshot(path=str(ARTIFACTS / f"2-problems-{width}.png"), full_page=True)
        assert page.locator(".ledger-problems").is_visible() and page.locator("text=确认导入").count() == 0

        people[3].mobile = "13912345678"
        good = tmp_path / "南山区上线名册-修改后.xlsx"
        good.write_bytes(write_roster(orgs, people[1:]))
        page.goto(f"{live_server.url}/onboarding/")
        page.set_input_files("input[name=file]", str(good))
        page.click("text=上传并预览")
        page.screenshot(path=str(ARTIFACTS / f"3-preview-{width}.png"), full_page=True)
        assert "其未完成的整改措施，请重新分配" in page.content()
        page.click("text=确认导入")
        page.wait_for_url(f"{live_server.url}/onboarding/")
        page.screenshot(path=str(ARTIFACTS / f"4-imported-{width}.png"), full_page=True)
        assert "上线名册已导入" in page.content()
    assert not get_user_model().objects.get(profile__employee_number=leaver.employee_number).is_active
