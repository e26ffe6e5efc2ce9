"""In Chromium, the Content-Security-Policy blocks nothing the app itself needs: no
violation on the pages that use scripts (htmx, ECharts, the bulletin preview), and the
pages still work. And clickjacking is refused: the app cannot be framed by another site."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from .helpers.browser import artifacts, chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("security")
DAY = dt.datetime(2025, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# Collected before any page script runs; CSP cannot block what the browser itself injects.
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));
"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def fuhua(db):
    from rectification.devdata.demo import demo_load
    from rectification.models import Inspection

    with time_machine.travel(DAY, tick=True):
        demo_load()
        yield Inspection.objects.get(organisation__slug="fuhua")


def _pages(inspection) -> list[str]:
    from rectification.models import Measure

    measure = Measure.objects.filter(finding__category__inspection=inspection).order_by("pk").first()
    return [
        reverse("rectification:home"),
        reverse("rectification:measure_list"),
        reverse("rectification:measure_detail", args=[measure.pk]),
        reverse("rectification:dashboard") + f"?inspection={inspection.pk}",
        reverse("rectification:inspection_detail", args=[inspection.pk]),
        reverse("rectification:bulletin_edit", args=[inspection.pk]),
        reverse("rectification:signoff_queue"),
        reverse("rectification:ledger_import"),
        reverse("rectification:public_bulletin_list", kwargs={"slug": inspection.organisation.slug}),
        "/admin/",
    ]


def test_the_csp_blocks_nothing_the_app_uses(browser, live_server, fuhua):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "shuji")
    page.fill("input[name=password]", "Fuhua@2025")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    problems = []
    for path in _pages(fuhua):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        problems += [f"{path}: {v}" for v in page.evaluate("window.__csp")]
    page.goto(live_server.url + reverse("rectification:dashboard") + f"?inspection={fuhua.pk}")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "dashboard-under-csp.png"), full_page=False)
    # ECharts draws (SVG or canvas) under the policy: scripts from static files run.
    assert page.locator("svg path, canvas").count() > 0
    assert not problems and not console, "\n".join(problems + console)
    # The listener works, and the policy bites: an injected inline script is refused.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
                  " document.body.appendChild(s); }")  # fmt: skip
    page.wait_for_timeout(300)
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    context.close()


def test_another_site_cannot_frame_the_app(browser, live_server, fuhua):
    """X-Frame-Options DENY and frame-ancestors 'none': a framing page gets an empty frame."""
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    target = live_server.url + reverse("login")
    page.route(
        "http://attacker.invalid/",
        lambda route: route.fulfill(content_type="text/html", body=f'<iframe id="f" src="{target}"></iframe>'),
    )
    page.goto("http://attacker.invalid/")
    page.wait_for_timeout(1500)
    frame = page.frame_locator("#f")
    assert frame.locator("input[name=username]").count() == 0
    context.close()


def test_password_change_and_lock_out_pages(browser, live_server, fuhua):
    """A person changes their password from the top bar; five wrong passwords lock the name."""
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "gongzuo")
    page.fill("input[name=password]", "Fuhua@2025")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))
    page.click(".menu-toggle")  # on a phone the top bar's menu holds the account links
    page.click(".userbox a[href$='/accounts/password/']")
    page.fill("input[name=old_password]", "Fuhua@2025")
    page.fill("input[name=new_password1]", "Huafu-河边-2025!")
    page.fill("input[name=new_password2]", "Huafu-河边-2025!")
    page.screenshot(path=str(ARTIFACTS / "password-change.png"))
    page.click("main button[type=submit]")  # not the top bar's logout button
    page.wait_for_url(re.compile(r".*/accounts/password/done/$"))
    assert "密码已修改" in page.content()

    page.context.clear_cookies()
    for _ in range(5):
        page.goto(live_server.url + reverse("login"))
        page.fill("input[name=username]", "gongzuo")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    page.wait_for_selector("text=账号已暂时锁定")
    page.screenshot(path=str(ARTIFACTS / "locked-out.png"))
    page.context.close()
