"""Headless Chromium: where the district requires it, the bulletin goes public only once a
supervisor above approved its text. The secretary holds a problem back (不予公开), is
refused publishing the unapproved draft, submits; the street's supervisor returns it with
a comment from the review queue; the secretary edits and submits again; the supervisor
approves; the secretary publishes. The held-back problem is in none of the public files
(HTML, PDF read with pdftotext, .docx read with python-docx). Screenshots (desktop and
390 px phone) in test-artifacts/bulletin-review/."""

from __future__ import annotations

import io
import subprocess

import docx
import pytest

from rectification.models import BulletinReview, BulletinVersion, Measure, ReportingRules, WithheldFinding

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("bulletin-review")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SECRET = "涉嫌违规发放补贴问题"


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture(autouse=True)
def free_fonts(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _as(browser, live_server, username: str, viewport: dict = DESKTOP):
    page = new_page(browser, viewport)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw-Secret-123")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


@pytest.fixture
def inspection(personas):
    ReportingRules.objects.create(organisation=personas.tree.district, bulletin_review_required=True)
    inspection = f.inspection(organisation=personas.tree.a)
    category = f.category(inspection=inspection, title="关于落实主体责任方面")
    public = f.finding(category=category, heading="理论学习不够深入")
    f.measure(finding=public, title="制定年度学习计划", progress="已完成。", status=Measure.Status.DONE)
    secret = f.finding(category=category, heading=SECRET)
    f.measure(finding=secret, title="核查补贴发放台账", progress="正在调查。")
    return inspection


def _publish(page) -> None:
    page.check("#publish input[name=confirm]")
    page.click("#publish >> text=发布已保存的草稿")


def test_submit_return_edit_submit_approve_publish(live_server, browser, personas, inspection, tmp_path):
    url, editor = live_server.url, f"{live_server.url}/inspections/{inspection.pk}/bulletin/"

    # The secretary holds the problem under investigation back, with the reason and who agreed.
    secretary = _as(browser, live_server, "secretary_a")
    secretary.goto(editor)
    secretary.select_option("#withheld select[name=finding]", label=SECRET)
    secretary.fill("#withheld textarea[name=reason]", "问题线索正在调查核实中。")
    secretary.fill("#withheld input[name=agreed_by]", "巡察工作领导小组组长 张某某")
    secretary.click("#withheld button[type=submit] >> text=列为不予公开")
    secretary.wait_for_selector("#messages >> text=已列为不予公开")
    assert WithheldFinding.objects.get().agreed_by == "巡察工作领导小组组长 张某某"
    # Publishing the unapproved draft is refused, saying why.
    _publish(secretary)
    secretary.wait_for_selector("#messages >> text=请先报审，审核通过后方可发布")
    assert not BulletinVersion.objects.exists()
    secretary.click("#review button >> text=报送审核")
    secretary.wait_for_selector("#messages >> text=审核通过后方可发布")
    assert "已报审，等待审核" in secretary.locator("#review").inner_text()
    _shot(secretary, "editor-submitted")

    # The street's supervisor finds it in the review queue and returns it with a comment.
    supervisor = _as(browser, live_server, "supervisor")
    supervisor.goto(f"{url}/reviews/")
    assert supervisor.locator(".bulletin-review-row").count() == 1
    _shot(supervisor, "queue")
    supervisor.click(".bulletin-review-open")
    supervisor.wait_for_selector("#decide")
    assert SECRET in supervisor.locator(".withheld-snapshot").inner_text()
    # The frozen text in its frame, without the held-back problem.
    frame = supervisor.frame_locator(".bulletin-preview iframe")
    frame.locator("text=理论学习不够深入").wait_for()
    assert SECRET not in frame.locator("body").inner_text()
    _shot(supervisor, "review")
    supervisor.fill("#decide textarea[name=comments]", "第三部分请写明下一步的具体时限。")
    supervisor.click("#decide button >> text=退回修改")
    supervisor.wait_for_selector("#messages >> text=已退回修改")
    assert BulletinReview.objects.get().state == "returned"

    # The secretary reads the comment, edits the draft, submits again.
    secretary.goto(editor)
    assert "第三部分请写明下一步的具体时限。" in secretary.locator("#review").inner_text()
    secretary.fill("textarea[name=section3_text]", "2026年3月底前完成全部整改任务。")
    secretary.click("#bulletin-form >> text=保存草稿")
    secretary.wait_for_selector("#messages >> text=通报草稿已保存")
    secretary.click("#review button >> text=报送审核")
    secretary.wait_for_selector("#messages >> text=审核通过后方可发布")

    # The supervisor approves the new text; the queue is empty again.
    supervisor.goto(f"{url}/reviews/")
    supervisor.click(".bulletin-review-open")
    assert (
        "2026年3月底前完成全部整改任务。"
        in supervisor.frame_locator(".bulletin-preview iframe").locator("body").inner_text()
    )
    supervisor.click("#decide button >> text=审核通过")
    supervisor.wait_for_selector("#messages >> text=已审核通过")
    supervisor.goto(f"{url}/reviews/")
    supervisor.wait_for_selector("#no-bulletins")

    # The secretary publishes the approved text.
    secretary.goto(editor)
    assert "审核通过，可以发布" in secretary.locator("#review").inner_text()
    _publish(secretary)
    secretary.wait_for_selector("#messages >> text=已发布第 1 版")
    version = BulletinVersion.objects.get()
    assert version.html_sha256 == BulletinReview.objects.get(number=2).html_sha256
    _shot(secretary, "editor-published")

    # Read back every public file: the held-back problem and its measure are in none.
    public = f"{url}/public/{personas.tree.a.slug}/bulletins/{version.bulletin_id}/v1"
    anonymous = new_page(browser, DESKTOP)
    html = anonymous.request.get(f"{public}/").text()
    pdf_path = tmp_path / "v1.pdf"
    pdf_path.write_bytes(anonymous.request.get(f"{public}.pdf").body())
    pdf = subprocess.run(["pdftotext", str(pdf_path), "-"], check=True, capture_output=True, text=True).stdout
    word = "\n".join(
        p.text for p in docx.Document(io.BytesIO(anonymous.request.get(f"{public}.docx").body())).paragraphs
    )
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(ARTIFACTS / "published")])
    for text in (html, pdf.replace("\n", ""), word):
        assert "理论学习不够深入" in text and "2026年3月底前完成全部整改任务。" in text
        assert SECRET not in text and "核查补贴发放台账" not in text

    # On a phone: the editor's review box, the review page and the queue fit the screen.
    for username, path in (
        ("secretary_a", f"/inspections/{inspection.pk}/bulletin/"),
        ("supervisor", f"/bulletin-reviews/{BulletinReview.objects.get(number=2).pk}/"),
        ("supervisor", "/reviews/"),
    ):
        phone = _as(browser, live_server, username, PHONE)
        phone.goto(url + path)
        _fits_a_phone(phone)
        _shot(phone, f"phone-{username}-{path.strip('/').replace('/', '-')}")
