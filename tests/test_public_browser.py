"""Headless Chromium on public disclosure: an anonymous visitor opens a bulletin from `/`,
sees the contact paragraph and the QR code and comments (the 6th within a minute is
refused); the secretary answers and closes it in the register, and the counts of the
dashboard and the roll-up follow. axe-core on the public pages and the staff pages; the
bytes of a first visit, served as in production (collectstatic, WhiteNoise, gzip).
Screenshots (desktop and 360 px phone) in test-artifacts/public/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from django.urls import reverse
from django.utils import timezone

from rectification import services
from rectification.models import Measure, PublicComment

from . import factories as f
from .helpers.axe import serious_violations
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("public")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
PUBLIC_BUDGET, DASHBOARD_BUDGET = 300 * 1024, 600 * 1024


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _as(browser, base: str, username: str, viewport: dict = DESKTOP, **options):
    page = new_page(browser, viewport, **options)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


@pytest.fixture
def published(personas, settings):
    settings.BULLETIN_FONTS = "free"
    today = timezone.localdate()
    measure = f.measure_in(personas.tree.a, title="规范三务公开", due_on=today + dt.timedelta(days=20))
    measure.progress = "已在社区公示栏和微信群公开。"
    measure.save()
    f.measure(finding=measure.finding, title="整改台账补齐", status=Measure.Status.DONE)
    inspection = measure.finding.category.inspection
    org = personas.tree.a
    org.contact_phone, org.contact_hours = "0755-83000000", "工作日9:00—12:00、14:00—18:00"
    org.contact_address, org.contact_email = "深圳市福田区福华路1号（518000）", "fuhua@example.gov.cn"
    org.save()
    services.bulletin_update(
        inspection=inspection,
        user=personas.secretary_a,
        expected_version=1,
        comment_until=today + dt.timedelta(days=30),
    )
    return services.bulletin_publish(inspection=inspection, user=personas.secretary_a)


def test_visitor_comments_and_the_secretary_answers(live_server, browser, personas, published, settings):
    settings.COMMENT_RATE_PER_MINUTE = 5
    cache.clear()
    base = live_server.url
    page = new_page(browser, PHONE)
    page.goto(f"{base}/")
    page.click(f"text={personas.tree.a.name}")
    page.click("a:text('网页')")
    page.wait_for_selector("aside.public-extra")
    text = page.inner_text("body")
    assert "欢迎广大干部群众对巡察整改落实情况进行监督" in text and "0755-83000000" in text
    qr = page.locator("figure.qr svg")
    assert qr.count() == 1 and qr.bounding_box()["width"] >= 100
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    _shot(page, "01-bulletin-phone")
    bulletin_url = page.url
    for n in range(1, 7):
        page.goto(bulletin_url)
        page.fill("textarea[name=body]", f"第{n}条：建议公示栏增加夜间照明。")
        page.fill("input[name=contact]", "13800000000")
        page.click("button:text('提交意见建议')")
        message = page.inner_text("main")
        if n < 6:
            assert "感谢您的意见建议" in message, n
        else:
            assert "请稍候一分钟再试" in message
            _shot(page, "02-sixth-refused")
    assert PublicComment.objects.count() == 5
    page.context.close()

    secretary = _as(browser, base, "secretary_a")
    secretary.click("nav >> text=意见建议")
    assert secretary.inner_text("[data-count=received]") == "5"
    _shot(secretary, "03-register")
    secretary.click("text=第1条：建议公示栏增加夜间照明。")
    secretary.select_option("select[name=assignee]", str(personas.staff_a.pk))
    secretary.fill("textarea[name=answer]", "已在公示栏加装照明灯，并电话告知反映人。")
    secretary.click("button:text('保存答复')")
    secretary.click("button:text('办结')")
    assert secretary.inner_text("[data-testid=comment-state]") == "已办结"
    _shot(secretary, "04-closed")
    secretary.goto(f"{base}/dashboard/?organisation={personas.tree.a.pk}")
    counts = {
        k: secretary.inner_text(f"[data-testid=dashboard-comments] [data-count={k}]")
        for k in ("received", "answered", "open")
    }
    assert counts == {"received": "5", "answered": "1", "open": "4"}
    secretary.context.close()

    supervisor = _as(browser, base, "supervisor")
    supervisor.goto(f"{base}/rollup/")
    row = supervisor.locator("tr", has_text=personas.tree.a.short_name).first
    assert "收到 5 · 已答复 1 · 未办结 4" in row.inner_text()
    supervisor.context.close()


def test_axe_finds_no_serious_violation(live_server, browser, personas, published):
    base = live_server.url
    slug, bulletin_id = personas.tree.a.slug, published.bulletin_id
    public = [
        reverse("rectification:public_index"),
        reverse("rectification:public_bulletin_list", args=[slug]),
        reverse("rectification:public_bulletin_html", args=[slug, bulletin_id, 1]),
    ]
    problems = {}
    for viewport in (DESKTOP, PHONE):
        page = new_page(browser, viewport, bypass_csp=True)
        for url in public:
            page.goto(base + url)
            if found := serious_violations(page):
                problems[f"{url} {viewport['width']}"] = found
        page.context.close()
    measure = Measure.objects.filter(finding__category__inspection__organisation=personas.tree.a).first()
    staff = _as(browser, base, "staff_a", bypass_csp=True)
    for url in [reverse("rectification:measure_list"), reverse("rectification:measure_detail", args=[measure.pk])]:
        staff.goto(base + url)
        if found := serious_violations(staff):
            problems[url] = found
    assert problems == {}


# ----------------------------------------------------------------- page weight


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """The static files as production serves them: collectstatic with hashed names and
    their gzip/Brotli copies (CompressedManifestStaticFilesStorage)."""
    root = tmp_path_factory.mktemp("static")
    storages = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
    from django.test import override_settings

    with override_settings(STATIC_ROOT=str(root), STORAGES={**_storages(), "staticfiles": storages}):
        call_command("collectstatic", "--no-input", verbosity=0)
    return root


def _storages():
    from django.conf import settings

    return settings.STORAGES


@pytest.fixture
def production_static(collected, settings):
    """A live server whose static files WhiteNoise serves from ``collected`` (no Django
    static handler in front): compressed, hashed names, long-lived caching."""
    settings.STATIC_ROOT = str(collected)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.DEBUG = False
    thread = LiveServerThread("127.0.0.1", lambda app: app, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


def _first_visit_bytes(page, url: str) -> tuple[int, dict[str, int]]:
    """Bytes on the wire (headers and encoded bodies) of every response a first visit needs."""
    sizes: dict[str, int] = {}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def finished(request):
        s = request.sizes()
        sizes[request.url] = s["responseHeadersSize"] + s["responseBodySize"]

    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", finished)
    return sum(sizes.values()), sizes


def test_first_visit_weighs_within_budget(production_static, browser, personas, published):
    base = production_static
    slug, bulletin_id = personas.tree.a.slug, published.bulletin_id
    report = []
    for url in [
        reverse("rectification:public_index"),
        reverse("rectification:public_bulletin_list", args=[slug]),
        reverse("rectification:public_bulletin_html", args=[slug, bulletin_id, 1]),
    ]:
        page = new_page(browser, PHONE)
        total, sizes = _first_visit_bytes(page, base + url)
        report.append((url, total, sizes))
        assert not any(".otf" in u or ".woff" in u for u in sizes), sizes
        assert total <= PUBLIC_BUDGET, (url, total, sizes)
        page.context.close()
    page = _as(browser, base, "secretary_a", viewport=PHONE)
    total, sizes = _first_visit_bytes(page, f"{base}/dashboard/?organisation={personas.tree.a.pk}")
    report.append(("dashboard", total, sizes))
    assert page.locator("[data-chart=status] svg path").count() > 0  # the cut ECharts draws
    (ARTIFACTS / "page-weight.txt").write_text(
        "\n".join(f"{url}: {total} bytes {sorted(sizes.items())}" for url, total, sizes in report)
    )
    assert total <= DASHBOARD_BUDGET, (total, sizes)
