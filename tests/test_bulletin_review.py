"""The bulletin's review before publication (where the district requires it) and the
problems held back from publication (不予公开): services, rules, refusals, the public files."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from types import SimpleNamespace

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rectification import services
from rectification.models import (
    BulletinReview,
    BulletinVersion,
    HistoricalWithheldFinding,
    Measure,
    Membership,
    Notification,
    ReportingRules,
    WithheldFinding,
)
from rectification.selectors.bulletin_review import bulletin_review_required
from rectification.selectors.reviews import review_queue_count
from rectification.services import bulletin_review as svc
from rectification.services.notification_kinds import Kind as NoticeKind
from rectification.services.notification_kinds import notification_path

from . import factories as f

Role = Membership.Role
State = BulletinReview.State
DAY = dt.date(2025, 12, 31)
SECRET = "涉嫌违规发放补贴问题"


@pytest.fixture(autouse=True)
def isolated_cache(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


@pytest.fixture
def small(personas):
    """An inspection of A: one public problem, one to hold back (with a sub-problem)."""
    inspection = f.inspection(organisation=personas.tree.a)
    category = f.category(inspection=inspection, title="关于测试方面")
    public = f.finding(category=category, heading="公开的整改事项")
    f.measure(finding=public, title="公开的措施", progress="已完成。", status=Measure.Status.DONE)
    secret = f.finding(category=category, heading=SECRET)
    f.measure(finding=secret, title="核查补贴发放台账", progress="正在调查。")
    sub = f.finding(category=category, heading="下属子问题", parent=secret)
    f.measure(finding=sub, title="子问题的措施", progress="正在调查。")
    return SimpleNamespace(inspection=inspection, public=public, secret=secret, sub=sub)


@pytest.fixture
def required(personas):
    """The district requires the review (the street and A inherit it)."""
    return ReportingRules.objects.create(organisation=personas.tree.district, bulletin_review_required=True)


def _submit(small, personas, **kw) -> BulletinReview:
    return svc.bulletin_review_submit(inspection=small.inspection, user=personas.secretary_a, today=DAY, **kw)


def _publish(small, personas) -> BulletinVersion:
    return services.bulletin_publish(inspection=small.inspection, user=personas.secretary_a, today=DAY)


# ------------------------------------------------------------------ the district's rule


def test_the_nearest_rules_up_the_tree_decide_and_the_default_is_off(personas, django_assert_num_queries):
    a = personas.tree.a
    # 1 query: the ReportingRules rows of A and its ancestors.
    with django_assert_num_queries(1):
        assert bulletin_review_required(organisation=a) is False
    ReportingRules.objects.create(organisation=personas.tree.district, bulletin_review_required=True)
    assert bulletin_review_required(organisation=a) is True
    # The street's own rules (review off) are nearer than the district's.
    ReportingRules.objects.create(organisation=personas.tree.street, bulletin_review_required=False)
    assert bulletin_review_required(organisation=a) is False


def test_without_the_rule_publishing_needs_nobody_and_submitting_is_refused(small, personas):
    assert _publish(small, personas).number == 1
    with pytest.raises(ValidationError, match="未要求"):
        _submit(small, personas)
    assert not BulletinReview.objects.exists()


# ------------------------------------------------------------------ the review


def test_submit_return_edit_submit_approve_publish(small, personas, required):
    secretary, supervisor = personas.secretary_a, personas.supervisor
    with pytest.raises(ValidationError, match="先报审"):
        _publish(small, personas)
    first = _submit(small, personas)
    assert (first.number, first.state, first.rendered_on) == (1, State.SUBMITTED, DAY)
    assert NoticeKind.BULLETIN_SUBMITTED in Notification.objects.filter(recipient=supervisor).values_list(
        "kind", flat=True
    )
    assert review_queue_count(user=supervisor) == 1
    with pytest.raises(ValidationError, match="不能重复报审"):
        _submit(small, personas)
    with pytest.raises(ValidationError, match="等待上级审核"):
        _publish(small, personas)

    svc.bulletin_review_decide(review=first, user=supervisor, decision="returned", comments="第三部分请具体些。")
    notice = Notification.objects.get(recipient=secretary, kind=NoticeKind.BULLETIN_RETURNED)
    assert "第三部分请具体些。" in notice.message
    assert notification_path(notice) == reverse("rectification:bulletin_review", args=[first.pk])
    assert review_queue_count(user=supervisor) == 0

    draft = services.bulletin_update(
        inspection=small.inspection, user=secretary, expected_version=1, section3_text="下一步具体安排。"
    )
    second = _submit(small, personas, expected_version=draft.version)
    assert "下一步具体安排。" in BulletinReview.objects.get(pk=second.pk).html
    svc.bulletin_review_decide(review=second, user=supervisor, decision="approved")
    assert Notification.objects.filter(recipient=secretary, kind=NoticeKind.BULLETIN_APPROVED).count() == 1
    with pytest.raises(ValidationError, match="不能重复审核"):
        svc.bulletin_review_decide(review=second, user=supervisor, decision="returned", comments="再改")

    version = _publish(small, personas)
    # What went public is exactly the approved text.
    assert version.html_sha256 == BulletinReview.objects.get(pk=second.pk).html_sha256


def test_an_edit_after_approval_asks_for_approval_again(small, personas, required):
    review = _submit(small, personas)
    svc.bulletin_review_decide(review=review, user=personas.supervisor, decision="approved")
    services.bulletin_update(
        inspection=small.inspection, user=personas.secretary_a, expected_version=1, section1_text="审核后的改动。"
    )
    with pytest.raises(ValidationError, match="重新报审"):
        _publish(small, personas)
    assert not BulletinVersion.objects.exists()
    # A change of the measures' data is a different text as well.
    review = _submit(small, personas)
    svc.bulletin_review_decide(review=review, user=personas.supervisor, decision="approved")
    Measure.objects.filter(title="公开的措施").update(progress="进展有变化。")
    with pytest.raises(ValidationError, match="重新报审"):
        _publish(small, personas)
    Measure.objects.filter(title="公开的措施").update(progress="已完成。")
    assert _publish(small, personas).number == 1


def test_bad_decisions_change_nothing(small, personas, required):
    review = _submit(small, personas)
    with pytest.raises(ValidationError, match="填写意见"):
        svc.bulletin_review_decide(review=review, user=personas.supervisor, decision="returned", comments="  \x07 ")
    with pytest.raises(ValidationError, match="审核意见"):
        svc.bulletin_review_decide(review=review, user=personas.supervisor, decision="maybe")
    with pytest.raises(ValidationError, match="最多"):
        svc.bulletin_review_decide(review=review, user=personas.supervisor, decision="returned", comments="长" * 5001)
    assert BulletinReview.objects.get(pk=review.pk).state == State.SUBMITTED


def test_who_may_submit_and_decide(small, personas, required):
    street_secretary = f.user(username="street_secretary", organisation=personas.tree.street, role=Role.SECRETARY)
    other_street = f.organisation(
        level="street", parent=personas.tree.district, name="中共深圳市福田区华富街道工作委员会"
    )
    other = f.user(username="other_supervisor", organisation=other_street, role=Role.SUPERVISOR)
    for user in (personas.staff_a, personas.member_a, personas.supervisor):
        with pytest.raises(PermissionDenied):
            svc.bulletin_review_submit(inspection=small.inspection, user=user, today=DAY)
    review = _submit(small, personas)
    # Not the committee itself, not an ancestor's secretary, not another street's supervisor.
    for user in (personas.secretary_a, personas.staff_a, street_secretary, other, personas.staff_b):
        with pytest.raises(PermissionDenied):
            svc.bulletin_review_decide(review=review, user=user, decision="approved")
    assert review_queue_count(user=other) == 0
    assert BulletinReview.objects.get(pk=review.pk).state == State.SUBMITTED


# ------------------------------------------------------------------ 不予公开


def _withhold(small, personas, **kw) -> WithheldFinding:
    values = {
        "finding_id": small.secret.pk,
        "reason": "问题线索正在调查核实中。",
        "agreed_by": "巡察工作领导小组组长 张某某",
    }
    return svc.bulletin_withhold(inspection=small.inspection, user=personas.secretary_a, **(values | kw))


def test_withholding_is_recorded_and_bad_input_refused(small, personas, measure_b):
    with pytest.raises(ValidationError, match="理由"):
        _withhold(small, personas, reason=" ")
    with pytest.raises(ValidationError, match="同意"):
        _withhold(small, personas, agreed_by="")
    with pytest.raises(ValidationError, match="不属于本次巡察"):
        _withhold(small, personas, finding_id=measure_b.finding_id)
    with pytest.raises(ValidationError, match="不属于本次巡察"):
        _withhold(small, personas, finding_id=2**62)
    with pytest.raises(PermissionDenied):
        svc.bulletin_withhold(
            inspection=small.inspection, user=personas.staff_a, finding_id=small.secret.pk, reason="x", agreed_by="y"
        )
    assert not WithheldFinding.objects.exists()
    row = _withhold(small, personas)
    assert (row.recorded_by, row.agreed_by) == (personas.secretary_a, "巡察工作领导小组组长 张某某")
    with pytest.raises(ValidationError, match="已列为不予公开"):
        _withhold(small, personas)
    svc.bulletin_release(inspection=small.inspection, user=personas.secretary_a, withheld_id=row.pk)
    # Released, the record stays in the history: who held it back, why, who agreed.
    assert set(HistoricalWithheldFinding.objects.values_list("history_type", "reason")) == {
        ("+", "问题线索正在调查核实中。"),
        ("-", "问题线索正在调查核实中。"),
    }
    with pytest.raises(ValidationError, match="不存在"):
        svc.bulletin_release(inspection=small.inspection, user=personas.secretary_a, withheld_id=row.pk)


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "bulletin.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_a_held_back_problem_is_absent_from_every_public_file(small, personas, required, client, tmp_path):
    _withhold(small, personas)
    review = _submit(small, personas)
    assert review.withheld == [
        {"heading": SECRET, "reason": "问题线索正在调查核实中。", "agreed_by": "巡察工作领导小组组长 张某某"}
    ]
    svc.bulletin_review_decide(review=review, user=personas.supervisor, decision="approved")
    version = _publish(small, personas)
    slug, args = personas.tree.a.slug, (version.bulletin_id, version.number)
    html = client.get(reverse("rectification:public_bulletin_html", args=[slug, *args])).content.decode()
    pdf = _pdf_text(client.get(reverse("rectification:public_bulletin_pdf", args=[slug, *args])).content, tmp_path)
    word = _docx_text(client.get(reverse("rectification:public_bulletin_docx", args=[slug, *args])).content)
    for text in (html, pdf.replace("\n", ""), word):
        assert "公开的整改事项" in text  # the test reads the right files
        for hidden in (SECRET, "核查补贴发放台账", "下属子问题", "子问题的措施"):
            assert hidden not in text


def test_the_admin_sets_the_rule(admin_client, personas):
    response = admin_client.post(
        reverse("admin:rectification_reportingrules_add"),
        {
            "organisation": personas.tree.district.pk,
            "plan_due_days": 30,
            "report_due_months": "2",
            "bulletin_review_required": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert bulletin_review_required(organisation=personas.tree.a) is True
