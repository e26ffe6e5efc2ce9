"""Headless Chromium: the secretary drafts and signs the plan (整改方案) and submits it; the
street's supervisor finds it in the review queue and returns it with a comment; the
secretary revises and resubmits; the supervisor sees what changed and approves; another
street's supervisor sees none of it. Once approved, a measure added asks for the
supervisor's approval (方案调整) and exists once approved. Screenshots (desktop and 390 px
phone) in test-artifacts/upward/."""

from __future__ import annotations

import pytest

from rectification import services
from rectification.models import Measure, Membership, PlanChange, Review, SubmittedVersion, UpwardDocument

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = artifacts("upward")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


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


def _as(browser, live_server, username: str, viewport: dict = DESKTOP, **options):
    page = new_page(browser, viewport, **options)
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
    measure = f.measure_in(personas.tree.a, owners=[personas.person_staff_a], title="开展“房中房”专项排查")
    return measure.finding.category.inspection


def test_plan_submitted_returned_resubmitted_and_approved(live_server, browser, personas, inspection):
    url = live_server.url

    # The secretary opens the plan from the inspection page, drafts, saves and submits it.
    page = _as(browser, live_server, "secretary_a")
    page.goto(f"{url}/inspections/{inspection.pk}/")
    page.click("#upward-links >> text=整改方案")
    page.wait_for_selector("#editor")
    document = UpwardDocument.objects.get(inspection=inspection, kind="plan")
    assert page.url == f"{url}/upward/{document.pk}/"
    page.fill("textarea[name=general_requirements]", "坚持问题导向，逐项落实巡察反馈意见。")
    page.click("#editor >> text=保存草稿")
    page.wait_for_selector("#messages >> text=草稿已保存")
    # A required section is still empty: the submission says which, and nothing is sent.
    assert "保障措施" in page.locator("#missing").inner_text()
    page.check("#submit input[name=attest]")
    page.click("#submit >> text=签字并报送")
    page.wait_for_selector("#messages >> text=保障措施")
    assert not document.versions.exists()
    page.fill("textarea[name=safeguards]", "成立整改工作领导小组，书记任组长。")
    page.click("#editor >> text=保存草稿")
    page.wait_for_selector("#messages >> text=草稿已保存")
    _shot(page, "01-secretary-draft")
    page.check("#submit input[name=attest]")
    page.click("#submit >> text=签字并报送")
    page.wait_for_selector("#messages >> text=已签字报送第 1 版")
    assert page.locator("#doc-state").inner_text() == "已报送待审核"
    assert "李书记" in page.locator("#v1").inner_text() and page.locator("#editor").count() == 0
    _shot(page, "02-secretary-submitted")
    page.context.close()

    # The street's supervisor: the queue (with its count in the menu), the document, a return.
    page = _as(browser, live_server, "supervisor")
    assert page.locator("nav.mainnav .nav-count").inner_text() == "1"
    page.click("nav.mainnav >> text=报送审核")
    page.wait_for_selector("table.review-queue")
    assert "整改方案" in page.locator(f"#d{document.pk}").inner_text()
    _shot(page, "03-supervisor-queue")
    page.click(f"#d{document.pk} >> text=审核")
    page.wait_for_selector("#review")
    _shot(page, "04-supervisor-review")
    page.fill("#review textarea[name=comments]", "保障措施过于笼统，请明确经费和督导安排。")
    page.click("#review button[value=returned]")
    page.wait_for_selector("#messages >> text=退回修改")
    assert page.locator("#doc-state").inner_text() == "已退回待修改" and page.locator("#review").count() == 0
    page.context.close()

    # The secretary reads the comment, revises and resubmits as version 2.
    page = _as(browser, live_server, "secretary_a")
    page.goto(f"{url}/notifications/")
    page.click("text=被退回修改")
    page.wait_for_url(f"{url}/upward/{document.pk}/")
    assert "请明确经费和督导安排" in page.locator("#return-comments").inner_text()
    page.fill("textarea[name=safeguards]", "成立整改工作领导小组，书记任组长。\n安排专项经费5万元，街道每月督导一次。")
    page.click("#editor >> text=保存草稿")
    page.wait_for_selector("#messages >> text=草稿已保存")
    _shot(page, "05-secretary-revising")
    page.check("#submit input[name=attest]")
    page.click("#submit >> text=签字并报送")
    page.wait_for_selector("#messages >> text=已签字报送第 2 版")
    page.context.close()

    # The supervisor sees what changed since the version returned, and approves.
    page = _as(browser, live_server, "supervisor")
    page.goto(f"{url}/upward/{document.pk}/")
    diff = page.locator("#diff")
    assert "安排专项经费5万元" in diff.locator(".diff-added").inner_text()
    _shot(page, "06-supervisor-diff")
    page.click("#review button[value=approved]")
    page.wait_for_selector("#approved")
    assert page.locator("#doc-state").inner_text() == "已审核通过"
    history = page.locator("#history").inner_text()
    assert "第 2 版" in history and "第 1 版" in history and "保障措施过于笼统" in history
    _shot(page, "07-approved")
    page.context.close()

    # On a phone: the document page and the queue in one column.
    phone = _as(browser, live_server, "supervisor", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{url}/upward/{document.pk}/")
    _fits_a_phone(phone)
    _shot(phone, "08-phone-supervisor-document")
    phone.goto(f"{url}/reviews/")
    _fits_a_phone(phone)
    _shot(phone, "09-phone-queue-empty")
    phone.context.close()


def test_the_secretary_and_the_supervisor_on_a_phone(live_server, browser, personas, inspection):
    """The draft's editor and a document awaiting review, both at 390 px."""
    document = UpwardDocument.objects.create(inspection=inspection, kind="plan")
    phone = _as(browser, live_server, "secretary_a", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/upward/{document.pk}/")
    phone.fill("textarea[name=general_requirements]", "坚持问题导向。")
    phone.fill("textarea[name=safeguards]", "加强组织领导。")
    phone.click("#editor >> text=保存草稿")
    phone.wait_for_selector("#messages >> text=草稿已保存")
    _fits_a_phone(phone)
    _shot(phone, "10-phone-secretary-editor")
    phone.check("#submit input[name=attest]")
    phone.click("#submit >> text=签字并报送")
    phone.wait_for_selector("#messages >> text=已签字报送第 1 版")
    _fits_a_phone(phone)
    _shot(phone, "10b-phone-secretary-submitted")
    phone.context.close()
    phone = _as(browser, live_server, "supervisor", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/reviews/")
    _fits_a_phone(phone)
    _shot(phone, "11-phone-queue")
    phone.goto(f"{live_server.url}/upward/{document.pk}/")
    _fits_a_phone(phone)
    _shot(phone, "12-phone-review")
    phone.context.close()


def test_another_streets_supervisor_sees_none_of_it(live_server, browser, personas, inspection):
    document = UpwardDocument.objects.create(inspection=inspection, kind="plan", state="submitted")
    other_street = f.organisation(level="street", parent=personas.tree.district)
    f.user(username="other_supervisor", organisation=other_street, role=Membership.Role.SUPERVISOR)
    page = _as(browser, live_server, "other_supervisor")
    assert page.locator("nav.mainnav .nav-count").count() == 0
    page.click("nav.mainnav >> text=报送审核")
    assert "目前没有等待审核的文书" in page.locator("main").inner_text()
    for path in (
        f"/upward/{document.pk}/",
        f"/inspections/{inspection.pk}/",
        f"/inspections/{inspection.pk}/upward/plan/1/",
    ):
        assert page.goto(f"{live_server.url}{path}").status == 404, path
    _shot(page, "13-other-supervisor")
    page.context.close()


def _approved_plan(inspection, personas) -> UpwardDocument:
    """The plan as the review leaves it: version 1 signed and approved (rows only)."""
    plan = UpwardDocument.objects.create(inspection=inspection, kind="plan", state="approved")
    version = SubmittedVersion.objects.create(
        document=plan, number=1, text="方案", html="<p/>", pdf=b"%PDF-1.4", docx=b"PK", sha256="0" * 64,
        docx_sha256="2" * 64, attestation="签字背书", signed_by=personas.secretary_a,
    )  # fmt: skip
    Review.objects.create(submitted=version, decision="approved", reviewer=personas.supervisor)
    return plan


def test_a_measure_added_after_the_approval_waits_for_the_supervisor(live_server, browser, personas, inspection):
    url = live_server.url
    plan = _approved_plan(inspection, personas)
    finding = inspection.categories.get().findings.get()
    title = "建立“房中房”问题月度复查制度"

    # The secretary adds a measure on the inspection page: it becomes a request.
    page = _as(browser, live_server, "secretary_a")
    page.goto(f"{url}/inspections/{inspection.pk}/")
    assert "整改方案已审核通过" in page.locator("#plan-fixed").inner_text()
    page.click(f"#f{finding.pk} >> text=添加整改措施")
    form = page.locator(f"#f{finding.pk} form.inline-form").first
    form.locator("textarea[name=title]").fill(title)
    form.locator("input[name=due_on]").fill("2025-09-30")
    form.locator("textarea[name=change_reason]").fill("巡察办反馈意见要求建立长效机制。")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#messages >> text=新增措施需报巡察办（街道）审批，已提交调整申请")
    assert not Measure.objects.filter(title=title).exists()
    _shot(page, "14-secretary-asked-to-add")
    page.context.close()

    # Another street's supervisor sees none of it.
    other_street = f.organisation(level="street", parent=personas.tree.district)
    f.user(username="other_supervisor", organisation=other_street, role=Membership.Role.SUPERVISOR)
    page = _as(browser, live_server, "other_supervisor")
    assert page.locator("nav.mainnav .nav-count").count() == 0
    page.goto(f"{url}/reviews/")
    assert page.locator("#no-changes").count() == 1 and title not in page.locator("main").inner_text()
    assert page.goto(f"{url}/upward/{plan.pk}/").status == 404
    page.context.close()

    # The street's supervisor: the count in the menu, the change in the queue, approved.
    page = _as(browser, live_server, "supervisor")
    assert page.locator("nav.mainnav .nav-count").inner_text() == "1"
    page.click("nav.mainnav >> text=报送审核")
    change = PlanChange.objects.get()
    item = page.locator(f"#pc{change.pk}")
    assert title in item.inner_text() and "长效机制" in item.inner_text() and "2025-09-30" in item.inner_text()
    _shot(page, "15-supervisor-plan-change")
    item.locator("text=审批").click()  # decided on the plan's page, as a document is on its own
    page.wait_for_url(f"{url}/upward/{plan.pk}/#pc{change.pk}")
    item = page.locator(f"#pc{change.pk}")
    item.locator("textarea[name=note]").fill("同意增加。")
    item.locator("button[value=approve]").click()
    page.wait_for_selector("#messages >> text=已同意方案调整")
    measure = Measure.objects.get(title=title)
    assert measure.due_on.isoformat() == "2025-09-30" and measure.finding == finding
    assert "已同意" in page.locator(f"#pc{change.pk}").inner_text()
    assert page.locator("nav.mainnav .nav-count").count() == 0
    page.goto(f"{url}/reviews/")
    assert page.locator("#no-changes").count() == 1
    page.context.close()

    # The secretary sees the measure in the tree and the decision on the plan's page.
    page = _as(browser, live_server, "secretary_a")
    page.goto(f"{url}/inspections/{inspection.pk}/")
    assert title in page.locator(f"#m{measure.pk}").inner_text()
    page.goto(f"{url}/upward/{plan.pk}/")
    assert "同意增加" in page.locator(f"#pc{change.pk}").inner_text()
    _shot(page, "16-secretary-plan-changes")
    page.context.close()


def test_plan_changes_on_a_phone(live_server, browser, personas, inspection):
    """The queue with a pending change and the plan's page, at 390 px."""
    plan = _approved_plan(inspection, personas)
    measure = inspection.categories.get().findings.get().measures.get()
    services.measure_update(
        measure=measure, user=personas.secretary_a, expected_version=None,
        due_on=measure.due_on.replace(month=12), change_reason="需协调区住建局，原时限不足。",
    )  # fmt: skip
    phone = _as(browser, live_server, "supervisor", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/reviews/")
    assert phone.locator(".plan-change-open").count() == 1
    _fits_a_phone(phone)
    _shot(phone, "17-phone-queue-plan-change")
    phone.goto(f"{live_server.url}/upward/{plan.pk}/")
    _fits_a_phone(phone)
    _shot(phone, "18-phone-plan-changes")
    phone.context.close()
