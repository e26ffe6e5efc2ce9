"""The second factor and the audit trail as people see them, in Chromium: a secretary
required to use TOTP enrols on first login (QR code, recovery codes) and reaches the app only
then; the auditor reads the trail, where that login stands."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rectification import services

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-Secret-123"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _login(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_totp_enrolment_then_the_auditor_reads_the_login(browser, live_server, settings, personas):
    settings.OTP_REQUIRED_FOR = ["secretary"]
    shots = artifacts("identity")
    page = new_page(browser, {"width": 390, "height": 844})
    _login(page, live_server, "secretary_a")
    page.wait_for_url(re.compile(r".*/accounts/second-factor/setup/$"))
    assert page.locator(".otp-qr svg").count() == 1
    page.screenshot(path=str(shots / "otp-setup.png"), full_page=True)
    page.goto(live_server.url + reverse("rectification:measure_list"))  # no way around it
    assert page.url.endswith("/accounts/second-factor/setup/")
    device = TOTPDevice.objects.get(user=personas.secretary_a)
    page.fill("input[name=token]", f"{totp(device.bin_key):06d}")
    page.click("main button[type=submit]")
    page.wait_for_selector(".otp-codes")
    assert page.locator(".otp-codes li").count() == 10
    page.screenshot(path=str(shots / "otp-recovery-codes.png"), full_page=True)
    page.click("text=我已保存，继续")
    page.wait_for_url(live_server.url + "/")

    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    auditor = f.user(username="auditor")
    services.administrator_grant(by=root, user=auditor, role="auditor")
    other = new_page(browser, {"width": 1280, "height": 900})
    _login(other, live_server, "auditor")
    other.click("nav >> text=审计记录")
    other.wait_for_url(re.compile(r".*/audit/$"))
    body = other.inner_text("main table")
    assert "secretary_a" in body and "绑定双因素认证" in body and "登录" in body
    other.screenshot(path=str(shots / "audit-list.png"), full_page=True)
