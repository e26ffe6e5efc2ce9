"""The documents handed upward, read: the review queue and the document's history with
their query budgets, the diff since a returned version, and the pages (document page,
frozen downloads, queue, links on the inspection page, the navigation's count)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from rectification.models import Membership, Review, SubmittedVersion, UpwardDocument
from rectification.selectors import reviews as sel
from rectification.services import upward as svc

from . import factories as f

Role = Membership.Role
State = UpwardDocument.State
PLAN, REPORT = UpwardDocument.Kind.PLAN, UpwardDocument.Kind.REPORT
T0 = timezone.make_aware(dt.datetime(2025, 3, 1, 9, 0))


@pytest.fixture(autouse=True)
def isolated_cache(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


def _version(document, number: int, user, *, text: str = "正文", at=T0) -> SubmittedVersion:
    """A version as rows only (no rendering): the selectors never read the files."""
    return SubmittedVersion.objects.create(
        document=document, number=number, text=text, html="<p/>", pdf=b"%PDF-1.4", docx=b"PK",
        sha256=hashlib.sha256(b"%PDF-1.4").hexdigest(), docx_sha256="2" * 64, attestation=svc.ATTESTATION,
        signed_by=user, signed_at=at,
    )  # fmt: skip


def _awaiting(organisation, user, *, kind=PLAN, versions: int = 1, at=T0) -> UpwardDocument:
    """A document of a new inspection of ``organisation`` under review at its version
    ``versions`` (the earlier ones returned)."""
    inspection = f.inspection(organisation=organisation)
    document = UpwardDocument.objects.create(inspection=inspection, kind=kind, state=State.SUBMITTED)
    for n in range(1, versions + 1):
        version = _version(document, n, user, text=f"第{n}稿", at=at + dt.timedelta(hours=n))
        if n < versions:
            Review.objects.create(submitted=version, decision="returned", comments="改", reviewer=user)
    return document


# ---------------------------------------------------------------------------- the queue


def _fill_queue(personas, n: int) -> None:
    t = personas.tree
    for i in range(n):
        _awaiting(t.a, personas.secretary_a, versions=1 + i % 3, at=T0 - dt.timedelta(days=i))
        _awaiting(t.b, personas.staff_b, kind=REPORT, at=T0 - dt.timedelta(days=i, hours=12))


@pytest.mark.parametrize("n", [1, 6])
def test_queue_query_count_is_flat(personas, django_assert_num_queries, n):
    _fill_queue(personas, n)
    personas.supervisor.memberships.all()  # the rules' membership cache is filled below
    sel.review_queue_count(user=personas.supervisor)
    # 1: the documents with inspection and organisation joined, the latest version's
    # number, time and signer as correlated subqueries.
    with django_assert_num_queries(1):
        rows = sel.review_queue(user=personas.supervisor)
    assert len(rows) == 2 * n
    assert [r.submitted_at for r in rows] == sorted(r.submitted_at for r in rows)
    row = rows[0]
    assert row.organisation_name and row.team and row.version_number >= 1 and row.submitted_by_username


def test_queue_covers_the_subtree_of_real_supervisors_only(personas):
    t = personas.tree
    in_a = _awaiting(t.a, personas.secretary_a, versions=2)
    draft = UpwardDocument.objects.create(inspection=f.inspection(organisation=t.b), kind=PLAN)
    other_street = f.organisation(level="street", parent=t.district)
    stranger = f.user(organisation=other_street, role=Role.SUPERVISOR)
    street_secretary = f.user(organisation=t.street, role=Role.SECRETARY)
    district = f.user(organisation=t.district, role=Role.SUPERVISOR)
    rows = sel.review_queue(user=personas.supervisor)
    assert [(r.pk, r.version_number) for r in rows] == [(in_a.pk, 2)] and draft.pk not in {r.pk for r in rows}
    assert [r.pk for r in sel.review_queue(user=district)] == [in_a.pk]
    assert sel.review_queue(user=stranger) == [] and sel.review_queue(user=street_secretary) == []
    assert sel.review_queue_count(user=personas.supervisor) == 1


# ---------------------------------------------------------------------------- history and diff


def test_text_diff_lists_removed_and_added_lines():
    old = "标题\n一、总体要求\n旧的要求。\n二、保障措施\n保障。"
    new = "标题\n一、总体要求\n新的要求。\n二、保障措施\n保障。\n经费保障。"
    hunks = sel.text_diff(old, new)
    assert [(h.after, h.removed, h.added) for h in hunks] == [
        ("一、总体要求", ["旧的要求。"], ["新的要求。"]),
        ("保障。", [], ["经费保障。"]),
    ]
    assert sel.text_diff(old, old) == []


@pytest.mark.parametrize("versions", [2, 5])
def test_history_query_count_is_flat(personas, django_assert_num_queries, versions):
    document = _awaiting(personas.tree.a, personas.secretary_a, versions=versions)
    # 1: versions with signer, review and reviewer joined (files left out);
    # 2: the texts of the returned version and the latest, for the diff.
    with django_assert_num_queries(2):
        history = sel.document_history(document=document)
    assert [v.number for v in history.versions] == list(range(versions, 0, -1))
    assert history.versions[0].outcome is None and history.versions[1].outcome.decision == "returned"
    assert (history.diff.old_number, history.diff.new_number) == (versions - 1, versions)
    assert history.diff.hunks[0].removed == [f"第{versions - 1}稿"] and history.latest_return is None


# ---------------------------------------------------------------------------- pages


@pytest.fixture
def plan(personas, measure_a):
    inspection = measure_a.finding.category.inspection
    return svc.upward_document_open(inspection=inspection, kind=PLAN, user=personas.secretary_a)


def _post_content(client, plan, version: int, **content):
    data = {"expected_version": version, "general_requirements": "总体要求。", "safeguards": "保障措施。", **content}
    return client.post(reverse("rectification:upward_edit", args=[plan.pk]), data)


def test_the_secretary_drafts_and_submits_through_the_page(client, personas, plan):
    client.force_login(personas.secretary_a)
    page = reverse("rectification:upward_document", args=[plan.pk])
    body = client.get(page).content.decode()
    assert 'id="editor"' in body and 'id="submit"' in body and 'id="review"' not in body
    assert "本人已审核上述内容，确认真实、准确、完整，签字背书。" in body
    # A bad date: the field says so and nothing is saved.
    date_keys = [s.key for s in svc.SECTIONS[PLAN] if s.kind == "date"]
    if date_keys:
        response = _post_content(client, plan, 1, **{date_keys[0]: "2025-13-01"})
        assert response.status_code == 400 and UpwardDocument.objects.get(pk=plan.pk).version == 1
    assert _post_content(client, plan, 1).status_code == 302
    # A stale form: 409 with the message.
    response = _post_content(client, plan, 1, general_requirements="旧的。")
    assert response.status_code == 409 and "请刷新页面" in response.content.decode()
    # Without the attestation: refused, nothing submitted.
    submit = reverse("rectification:upward_submit", args=[plan.pk])
    response = client.post(submit, {"expected_version": 2})
    assert response.status_code == 400 and "签字背书" in response.content.decode()
    assert client.post(submit, {"expected_version": 2, "attest": "on"}).status_code == 302
    # Submitting again from the same page: a clear message, still one version.
    response = client.post(submit, {"expected_version": 2, "attest": "on"})
    assert response.status_code == 400 and "不能重复报送" in response.content.decode()
    assert SubmittedVersion.objects.filter(document=plan).count() == 1
    body = client.get(page).content.decode()
    assert 'id="waiting"' in body and 'id="editor"' not in body and 'id="submit"' not in body


def test_frozen_downloads_are_private_and_exact(client, personas, plan):
    version = _version(plan, 1, personas.secretary_a)
    client.force_login(personas.supervisor)
    pdf = client.get(reverse("rectification:upward_version_pdf", args=[version.pk]))
    assert pdf.status_code == 200 and pdf["Cache-Control"] == "private, no-store"
    assert hashlib.sha256(pdf.content).hexdigest() == version.sha256 == pdf["ETag"].strip('"')
    docx = client.get(reverse("rectification:upward_version_docx", args=[version.pk]))
    assert docx["Cache-Control"] == "private, no-store" and "attachment" in docx["Content-Disposition"]
    client.force_login(personas.secretary_a)
    draft = client.get(reverse("rectification:upward_draft_pdf", args=[plan.pk]))
    assert draft.content.startswith(b"%PDF") and draft["Cache-Control"] == "private, no-store"


def test_review_through_the_page_shows_the_diff_and_refuses_a_superseded_version(client, personas, plan):
    first = _version(plan, 1, personas.secretary_a, text="标题\n旧的要求。")
    Review.objects.create(submitted=first, decision="returned", comments="请修改要求。", reviewer=personas.supervisor)
    second = _version(plan, 2, personas.secretary_a, text="标题\n新的要求。")
    UpwardDocument.objects.filter(pk=plan.pk).update(state=State.SUBMITTED)
    client.force_login(personas.supervisor)
    page = reverse("rectification:upward_document", args=[plan.pk])
    body = client.get(page).content.decode()
    assert 'id="review"' in body and 'id="diff"' in body and "旧的要求。" in body and "新的要求。" in body
    response = client.post(reverse("rectification:upward_review", args=[first.pk]), {"decision": "approved"})
    assert response.status_code == 400 and "已被第 2 版取代" in response.content.decode()
    response = client.post(reverse("rectification:upward_review", args=[second.pk]), {"decision": "returned"})
    assert response.status_code == 400 and UpwardDocument.objects.get(pk=plan.pk).state == State.SUBMITTED
    response = client.post(reverse("rectification:upward_review", args=[second.pk]), {"decision": "approved"})
    assert response.status_code == 302 and UpwardDocument.objects.get(pk=plan.pk).state == State.APPROVED
    # The secretary sees the whole record: both versions, the return's comments, the approval.
    client.force_login(personas.secretary_a)
    history = client.get(page).content.decode()
    assert "请修改要求。" in history and 'id="approved"' in history and 'id="v1"' in history and 'id="v2"' in history


def test_links_queue_and_nav_count(client, personas, plan):
    inspection_page = reverse("rectification:inspection_detail", args=[plan.inspection_id])
    open_plan = reverse("rectification:upward_open", args=[plan.inspection_id, PLAN, 1])
    for user, shown in ((personas.secretary_a, True), (personas.supervisor, True), (personas.staff_a, False)):
        client.force_login(user)
        assert (open_plan in client.get(inspection_page).content.decode()) is shown
    _awaiting(personas.tree.a, personas.secretary_a)
    client.force_login(personas.supervisor)
    body = client.get(reverse("rectification:review_queue")).content.decode()
    assert 'class="nav-count">1<' in body and "review-queue" in body
    client.force_login(personas.secretary_a)
    assert "报送审核" not in client.get(reverse("rectification:home")).content.decode()


def test_the_queue_page_in_english(client, personas):
    _awaiting(personas.tree.a, personas.secretary_a, kind=REPORT)
    client.force_login(personas.supervisor)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    try:
        body = client.get(reverse("rectification:review_queue")).content.decode()
    finally:
        translation.deactivate()  # LocaleMiddleware left English active in this thread
    assert "Reviews" in body and "Rectification report" in body


def test_the_document_pages_in_english_have_no_chinese_chrome(client, personas, plan):
    """Both sides' pages of a resubmitted plan (history, return, diff, review form) and
    a report's editor, in English: Chinese only in the data. The section labels come from
    the document kind's schema, which must translate them too."""
    from .test_i18n import chinese_left

    first = _version(plan, 1, personas.secretary_a, text="旧")
    Review.objects.create(submitted=first, decision="returned", comments="改", reviewer=personas.supervisor)
    _version(plan, 2, personas.secretary_a, text="新")
    UpwardDocument.objects.filter(pk=plan.pk).update(state=State.SUBMITTED)
    report = svc.upward_document_open(inspection=plan.inspection, kind=REPORT, user=personas.secretary_a)
    pages = {
        personas.supervisor: [plan.pk],
        personas.secretary_a: [plan.pk, report.pk],
    }
    left = {}
    try:
        for user, documents in pages.items():
            client.force_login(user)
            client.post(reverse("set_language"), {"language": "en", "next": "/"})
            for pk in documents:
                body = client.get(reverse("rectification:upward_document", args=[pk])).content.decode()
                if runs := chinese_left(body):
                    left[(user.username, pk)] = runs
    finally:
        translation.deactivate()
    assert left == {}


def test_hostile_review_input_is_refused_or_cleaned(client, personas, plan):
    version = _version(plan, 1, personas.secretary_a)
    UpwardDocument.objects.filter(pk=plan.pk).update(state=State.SUBMITTED)
    client.force_login(personas.supervisor)
    url = reverse("rectification:upward_review", args=[version.pk])
    for data in (
        {"decision": "' OR 1=1 --", "comments": "x"},
        {"decision": "returned", "comments": "长" * (svc.MAX_COMMENTS + 1)},
        {"decision": "returned", "comments": "\x00\x07 \r\n"},
    ):
        assert client.post(url, data).status_code == 400
    assert not Review.objects.exists() and UpwardDocument.objects.get(pk=plan.pk).state == State.SUBMITTED
    assert client.post(url, {"decision": "returned", "comments": "请\x0b修改\x00。"}).status_code == 302
    # NUL dropped; the vertical tab Word pastes is a line break (the request middleware).
    assert Review.objects.get().comments == "请\n修改。"
