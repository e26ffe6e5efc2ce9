"""The bulletin review's pages: the editor's review box and 不予公开 form, the refusal to
publish an unapproved draft, the review page, and the third list of the review queue."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from rectification.models import BulletinReview, BulletinVersion, Measure, Membership, ReportingRules, WithheldFinding
from rectification.services import bulletin_review as svc

from . import factories as f

Role = Membership.Role


@pytest.fixture(autouse=True)
def isolated_cache(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


def _inspection(organisation):
    inspection = f.inspection(organisation=organisation)
    item = f.finding(category=f.category(inspection=inspection, title="关于测试方面"), heading="测试事项")
    f.measure(finding=item, title="第一项措施", progress="已完成。", status=Measure.Status.DONE)
    return inspection


@pytest.fixture
def small(personas):
    ReportingRules.objects.create(organisation=personas.tree.district, bulletin_review_required=True)
    return _inspection(personas.tree.a)


def test_publishing_an_unapproved_draft_is_refused_with_a_message(client, personas, small):
    client.force_login(personas.secretary_a)
    editor = client.get(reverse("rectification:bulletin_edit", args=[small.pk])).content.decode()
    assert "尚未报审" in editor and "报送审核" in editor
    response = client.post(reverse("rectification:bulletin_publish", args=[small.pk]), {"confirm": "1"}, follow=True)
    assert "请先报审，审核通过后方可发布" in response.content.decode()
    assert not BulletinVersion.objects.exists()


def test_decide_form_errors_change_nothing(client, personas, small):
    review = svc.bulletin_review_submit(inspection=small, user=personas.secretary_a)
    client.force_login(personas.supervisor)
    url = reverse("rectification:bulletin_review_decide", args=[review.pk])
    response = client.post(url, {"decision": "returned", "comments": " "})
    assert response.status_code == 400 and "退回修改时请填写意见" in response.content.decode()
    assert client.post(url, {"decision": "nonsense"}).status_code == 400
    assert BulletinReview.objects.get(pk=review.pk).state == "submitted"
    page = client.get(reverse("rectification:bulletin_review", args=[review.pk]))
    assert page["Cache-Control"] == "private, no-store" and "审核通过" in page.content.decode()
    frozen = client.get(reverse("rectification:bulletin_review_document", args=[review.pk]))
    assert "测试事项" in frozen.content.decode() and "script-src" not in frozen["Content-Security-Policy"]


def test_withhold_form_refuses_bad_input(client, personas, small, measure_b):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:bulletin_withhold", args=[small.pk])
    data = {"finding": measure_b.finding_id, "reason": "调查中", "agreed_by": "组长"}
    response = client.post(url, data, follow=True)
    assert "未能列为不予公开" in response.content.decode()
    finding = small.categories.get().findings.get()
    response = client.post(url, data | {"finding": finding.pk, "reason": ""}, follow=True)
    assert "未能列为不予公开" in response.content.decode()
    assert not WithheldFinding.objects.exists()
    response = client.post(url, data | {"finding": finding.pk}, follow=True)
    assert "已列为不予公开" in response.content.decode()
    assert WithheldFinding.objects.get().agreed_by == "组长"


@pytest.mark.parametrize("n", [1, 4])
def test_queue_lists_bulletins_with_a_flat_query_count(client, personas, n, django_assert_num_queries):
    ReportingRules.objects.create(organisation=personas.tree.district, bulletin_review_required=True)
    for i in range(n):
        community = personas.tree.a if i % 2 else personas.tree.b
        secretary = f.user(organisation=community, role=Role.SECRETARY)
        svc.bulletin_review_submit(inspection=_inspection(community), user=secretary, today=dt.date(2025, 12, 31))
    client.force_login(personas.supervisor)
    # Queries: session, user, memberships; the documents awaiting review counted (none: no
    # page read); the plan changes counted (none); the bulletin drafts counted and their
    # page (inspection, organisation, submitter joined); the bell's unread count.
    with django_assert_num_queries(8):
        body = client.get(reverse("rectification:review_queue")).content.decode()
    assert body.count('class="bulletin-review-row"') == n
    assert f'class="nav-count">{n}<' in body


def test_hostile_decision_input_is_refused_or_cleaned(client, personas, small):
    review = svc.bulletin_review_submit(inspection=small, user=personas.secretary_a)
    client.force_login(personas.supervisor)
    url = reverse("rectification:bulletin_review_decide", args=[review.pk])
    for data in (
        {"decision": "' OR 1=1 --", "comments": "x"},
        {"decision": "returned", "comments": "长" * 5001},
        {"decision": "returned", "comments": "\x00\x07 \r\n"},
        {},
    ):
        assert client.post(url, data).status_code == 400, data
    assert BulletinReview.objects.get(pk=review.pk).state == "submitted"
    assert client.post(url, {"decision": "returned", "comments": "请\x0b补充\x00依据。"}).status_code == 302
    # NUL dropped; the vertical tab Word pastes is a line break (the request middleware).
    assert BulletinReview.objects.get(pk=review.pk).comments == "请\n补充依据。"
    # Decided once: a second decision (a double submit) is refused with a message.
    response = client.post(url, {"decision": "approved"})
    assert response.status_code == 400 and "不能重复审核" in response.content.decode()
