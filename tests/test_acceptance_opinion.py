"""整改验收意见: who concludes, the rules of each conclusion, issuing once, the secretary told,
the page, its files, and bad input refused with a message and no change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from rectification import services
from rectification.models import AcceptanceOpinion, MeasureStatus, Membership, Notification, ReportingRules
from rectification.services.acceptance_opinions import acceptance_opinion_issue, acceptance_opinion_save

from . import factories as f
from .test_acceptance import _rule, _signed_off

Level = ReportingRules.AcceptanceLevel
Conclusion = AcceptanceOpinion.Conclusion
Role = Membership.Role


def _accepted(personas, measure):
    services.measure_accept(measure=measure, user=personas.supervisor, expected_version=measure.version)
    measure.refresh_from_db()
    return measure


@pytest.fixture
def inspection_a(personas):
    """An inspection of A under a street acceptance rule: one measure accepted, one signed
    off only, one still in progress."""
    _rule(personas.tree.district, Level.STREET)
    first = _accepted(personas, _signed_off(personas))
    inspection = first.finding.category.inspection
    finding = first.finding
    second = f.measure(finding=finding, title="建立台账", owners=[personas.person_staff_a], progress="已建立")
    third = f.measure(finding=finding, title="完善制度", owners=[personas.person_staff_a], progress="已完善")
    return inspection, first, second, third


def _snapshot(inspection):
    return sorted(
        AcceptanceOpinion.objects.filter(inspection=inspection).values_list("round", "state", "conclusion", "version")
    )


def _later(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


# ---------------------------------------------------------------------------- who


def test_only_a_supervisor_at_the_acceptance_level_concludes(personas, inspection_a):
    inspection = inspection_a[0]
    other_street = f.organisation(
        level="street", parent=personas.tree.district, name="中共深圳市福田区南园街道工作委员会"
    )
    foreign = f.user(username="other_sup", organisation=other_street, role=Role.SUPERVISOR)
    district = f.user(username="district_sup", organisation=personas.tree.district, role=Role.SUPERVISOR)
    assert personas.supervisor.has_perm("rectification.conclude_acceptance", inspection)
    assert district.has_perm("rectification.conclude_acceptance", inspection)
    for user in (foreign, personas.secretary_a, personas.staff_a, personas.member_a):
        assert not user.has_perm("rectification.conclude_acceptance", inspection)
        with pytest.raises(PermissionDenied):
            acceptance_opinion_save(user=user, inspection=inspection, conclusion=Conclusion.PASSED, text="好")
    assert _snapshot(inspection) == []
    # A district rule leaves the street's supervisor out.
    ReportingRules.objects.filter(organisation=personas.tree.district).update(acceptance_level=Level.DISTRICT)
    fresh = type(personas.supervisor).objects.get(pk=personas.supervisor.pk)
    assert not fresh.has_perm("rectification.conclude_acceptance", type(inspection).objects.get(pk=inspection.pk))


def test_without_a_rule_nobody_concludes(personas):
    measure = _signed_off(personas)
    inspection = measure.finding.category.inspection
    assert not personas.supervisor.has_perm("rectification.conclude_acceptance", inspection)


# ---------------------------------------------------------------------------- passed


def test_passed_needs_every_measure_accepted_then_issues_once(personas, inspection_a):
    inspection, _first, second, third = inspection_a
    draft = acceptance_opinion_save(
        user=personas.supervisor, inspection=inspection, conclusion=Conclusion.PASSED, text="经查阅台账、实地察看。"
    )
    assert (draft.round, draft.state, draft.number) == (1, "draft", "")
    with pytest.raises(ValidationError, match="尚有 2 项措施未验收"):
        acceptance_opinion_issue(user=personas.supervisor, opinion=draft)
    assert _snapshot(inspection) == [(1, "draft", "passed", 1)]
    assert not Notification.objects.filter(kind="acceptance_opinion").exists()
    for measure in (second, third):
        measure.refresh_from_db()
        _accepted(personas, _sign_off(personas, measure))
    issued = acceptance_opinion_issue(user=personas.supervisor, opinion=draft, expected_version=draft.version)
    assert issued.state == "issued" and issued.serial == 1 and issued.number.endswith(f"巡验〔{issued.year}〕1号")
    assert issued.figures == {"findings": 1, "total": 3, "done": 3, "accepted": 3}
    notice = Notification.objects.get(kind="acceptance_opinion")
    assert notice.recipient == personas.secretary_a and "通过验收" in notice.message
    assert reverse("rectification:acceptance_opinion", args=[inspection.pk]) in _notice_path(notice)
    # Concluding twice: neither a new draft nor issuing again.
    with pytest.raises(ValidationError, match="已通过验收"):
        acceptance_opinion_save(
            user=personas.supervisor, inspection=inspection, conclusion=Conclusion.PASSED, text="再"
        )
    with pytest.raises(ValidationError, match="已签发"):
        acceptance_opinion_issue(user=personas.supervisor, opinion=issued)
    assert _snapshot(inspection) == [(1, "issued", "passed", 2)]
    assert Notification.objects.filter(kind="acceptance_opinion").count() == 1


def _sign_off(personas, measure):
    measure = services.measure_change_status(
        measure=measure, user=personas.staff_a, to_status=MeasureStatus.AWAITING_SIGN_OFF
    )
    services.measure_sign_off(measure=measure, user=personas.secretary_a)
    measure.refresh_from_db()
    return measure


def _notice_path(notice) -> str:
    from rectification.services.notification_kinds import notification_path

    return notification_path(notice)


# ---------------------------------------------------------------------------- second round


def test_second_round_needs_a_later_date_and_measures_of_the_inspection(personas, inspection_a, measure_b):
    inspection, _first, second, third = inspection_a
    base = {
        "user": personas.supervisor,
        "inspection": inspection,
        "conclusion": Conclusion.SECOND_ROUND,
        "text": "未到位",
    }
    cases = [
        ({"second_due_on": timezone.localdate() - dt.timedelta(days=1), "measure_ids": [second.pk]}, "晚于今天"),
        ({"second_due_on": timezone.localdate(), "measure_ids": [second.pk]}, "晚于今天"),
        ({"second_due_on": None, "measure_ids": [second.pk]}, "二次整改期限"),
        ({"second_due_on": _later(400), "measure_ids": [second.pk]}, "一年以内"),
        ({"second_due_on": _later(30), "measure_ids": []}, "选择需要二次整改的措施"),
        ({"second_due_on": _later(30), "measure_ids": [second.pk, measure_b.pk]}, "不属于该巡察"),
    ]
    for extra, message in cases:
        with pytest.raises(ValidationError, match=message):
            acceptance_opinion_save(**base, **extra)
    with pytest.raises(ValidationError, match="选择验收结论"):
        acceptance_opinion_save(**{**base, "conclusion": "maybe"}, second_due_on=_later(30), measure_ids=[second.pk])
    assert _snapshot(inspection) == []
    opinion = acceptance_opinion_save(**base, second_due_on=_later(30), measure_ids=[second.pk, third.pk], issue=True)
    assert opinion.is_issued and {m.pk for m in opinion.measures.all()} == {second.pk, third.pk}
    assert "限期二次整改" in Notification.objects.get(kind="acceptance_opinion").message
    # After a second round, the next round concludes again.
    nxt = acceptance_opinion_save(
        user=personas.supervisor, inspection=inspection, conclusion=Conclusion.PASSED, text="复验"
    )
    assert (nxt.round, nxt.state) == (2, "draft")


def test_a_refused_issue_keeps_the_draft_as_it_was(personas, inspection_a):
    inspection, _first, second, _third = inspection_a
    draft = acceptance_opinion_save(
        user=personas.supervisor, inspection=inspection, conclusion=Conclusion.SECOND_ROUND, text="初稿",
        second_due_on=_later(30), measure_ids=[second.pk],
    )  # fmt: skip
    with pytest.raises(ValidationError, match="未验收"):
        acceptance_opinion_save(
            user=personas.supervisor, inspection=inspection, conclusion=Conclusion.PASSED, text="改稿",
            expected_version=draft.version, issue=True,
        )  # fmt: skip
    draft.refresh_from_db()
    assert (draft.conclusion, draft.text, draft.version, draft.state) == ("second_round", "初稿", 1, "draft")
    assert [m.pk for m in draft.measures.all()] == [second.pk]
    # A form opened on an older version is refused.
    acceptance_opinion_save(user=personas.supervisor, inspection=inspection, conclusion=Conclusion.PASSED, text="二稿")
    with pytest.raises(ValidationError, match="刚被他人修改过"):
        acceptance_opinion_save(
            user=personas.supervisor, inspection=inspection, conclusion=Conclusion.PASSED, text="旧表单",
            expected_version=1,
        )  # fmt: skip
    draft.refresh_from_db()
    assert (draft.text, draft.version) == ("二稿", 2)


def test_an_empty_narrative_is_not_issued(personas, inspection_a):
    inspection, _first, second, _third = inspection_a
    with pytest.raises(ValidationError, match="验收情况"):
        acceptance_opinion_save(
            user=personas.supervisor, inspection=inspection, conclusion=Conclusion.SECOND_ROUND, text="  ",
            second_due_on=_later(30), measure_ids=[second.pk], issue=True,
        )  # fmt: skip
    assert _snapshot(inspection) == []


# ---------------------------------------------------------------------------- the page


def _post(client, inspection, **data):
    return client.post(reverse("rectification:acceptance_opinion", args=[inspection.pk]), data)


def test_page_drafts_issues_and_shows_the_record(personas, inspection_a, client):
    inspection, _first, second, _third = inspection_a
    url = reverse("rectification:acceptance_opinion", args=[inspection.pk])
    client.force_login(personas.supervisor)
    page = client.get(url)
    assert page.status_code == 200 and "起草验收意见" in page.text and "未验收 2 项" in page.text
    data = {"conclusion": "second_round", "second_due_on": _later(20).isoformat(), "measures": [second.pk]}
    response = _post(client, inspection, **data, text="经实地核查。", action="save")
    assert response.status_code == 302
    draft = AcceptanceOpinion.objects.get(inspection=inspection)
    assert draft.state == "draft"
    pdf = client.get(reverse("rectification:acceptance_opinion_pdf", args=[draft.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"].startswith("private")
    # The secretary does not see the draft, nor its files.
    client.force_login(personas.secretary_a)
    assert "经实地核查" not in client.get(url).text
    assert client.get(reverse("rectification:acceptance_opinion_pdf", args=[draft.pk])).status_code == 403
    client.force_login(personas.supervisor)
    response = _post(client, inspection, **data, text="经实地核查。", action="issue", version=draft.version)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == "issued"
    client.force_login(personas.secretary_a)
    page = client.get(url)
    assert draft.number in page.text and "限期二次整改" in page.text and "起草验收意见" not in page.text
    docx = client.get(reverse("rectification:acceptance_opinion_docx", args=[draft.pk]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    # The inspection's page and the roll-up show the conclusion.
    detail = client.get(reverse("rectification:inspection_detail", args=[inspection.pk]))
    assert "限期二次整改" in detail.text and url in detail.text
    client.force_login(personas.supervisor)
    rollup = client.get(reverse("rectification:rollup"))
    assert "二次整改 1" in rollup.text


@pytest.mark.parametrize(
    "data, message",
    [
        ({"conclusion": "second_round", "second_due_on": "2020-01-01", "measures": []}, "二次整改期限应晚于今天"),
        ({"conclusion": "second_round", "second_due_on": "not-a-date"}, "日期"),
        ({"conclusion": "nonsense"}, "选择"),
        ({"conclusion": "passed", "text": "x" * 5001}, "5000"),
    ],
)
def test_bad_posts_are_refused_with_a_message_and_change_nothing(personas, inspection_a, client, data, message):
    inspection = inspection_a[0]
    client.force_login(personas.supervisor)
    response = _post(client, inspection, action="issue", **data)
    assert response.status_code == 400 and message in response.text
    assert _snapshot(inspection) == []


def test_a_foreign_measure_in_the_form_is_refused(personas, inspection_a, measure_b, client):
    inspection, _first, second, _third = inspection_a
    client.force_login(personas.supervisor)
    data = {"conclusion": "second_round", "second_due_on": _later(10).isoformat(), "text": "x"}
    response = _post(client, inspection, action="save", measures=[second.pk, measure_b.pk], **data)
    assert response.status_code == 400 and "不属于该巡察" in response.text
    assert _snapshot(inspection) == []


def test_page_query_count_is_flat(personas, inspection_a, client, django_assert_max_num_queries):
    inspection, _first, second, _third = inspection_a
    acceptance_opinion_save(
        user=personas.supervisor, inspection=inspection, conclusion=Conclusion.SECOND_ROUND, text="初稿",
        second_due_on=_later(30), measure_ids=[second.pk], issue=True,
    )  # fmt: skip
    for n in range(5):
        f.measure(finding=second.finding, title=f"新措施{n}")
    client.force_login(personas.supervisor)
    url = reverse("rectification:acceptance_opinion", args=[inspection.pk])
    # session and user (2), memberships (1), the inspection (1), supervisor levels and rules
    # (2), the opinions and their measures (2), the measures to choose (1), the figures (2),
    # the navigation's counts (a few): fixed whatever the number of measures.
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200


# ---------------------------------------------------------------------------- the measure page


def test_the_measure_page_offers_acceptance_to_who_may_accept(personas, client):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    url = reverse("rectification:measure_detail", args=[measure.pk])
    for user in (personas.secretary_a, personas.staff_a):
        client.force_login(user)
        assert 'id="acceptance"' not in client.get(url).text
    client.force_login(personas.supervisor)
    assert 'id="acceptance"' in client.get(url).text
    data = {"decision": "return", "reason": "佐证材料不全", "version": measure.version, "back": "measure"}
    response = client.post(reverse("rectification:measure_acceptance", args=[measure.pk]), data)
    assert response.status_code == 302 and response["Location"] == url
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    assert 'id="acceptance"' not in client.get(url).text  # reopened: nothing to accept now


def test_hostile_opinion_input_is_refused_or_cleaned(personas, inspection_a, client):
    inspection, _first, second, _third = inspection_a
    client.force_login(personas.supervisor)
    hostile = "验收\x00情况\x1b[31m<script>alert(1)</script>\u202e"
    data = {"conclusion": "second_round", "second_due_on": _later(9).isoformat(), "measures": [second.pk]}
    assert _post(client, inspection, action="save", text=hostile, **data).status_code == 302
    opinion = AcceptanceOpinion.objects.get(inspection=inspection)
    assert "\x00" not in opinion.text and "\x1b" not in opinion.text and opinion.text.startswith("验收情况")
    page = client.get(reverse("rectification:acceptance_opinion", args=[inspection.pk])).text
    assert "<script>alert(1)</script>" not in page
    for bad in ({"measures": ["x"]}, {"measures": [10**12]}, {"second_due_on": "9999-99-99"}, {"version": "v"}):
        response = _post(client, inspection, action="issue", text="x", **{**data, **bad})
        assert response.status_code == 400
    opinion.refresh_from_db()
    assert opinion.state == "draft" and opinion.version == 1


def test_another_streets_supervisor_sees_and_does_none_of_it(personas, inspection_a, client):
    inspection, _first, second, _third = inspection_a
    draft = acceptance_opinion_save(
        user=personas.supervisor, inspection=inspection, conclusion=Conclusion.SECOND_ROUND, text="初稿",
        second_due_on=_later(30), measure_ids=[second.pk],
    )  # fmt: skip
    other_street = f.organisation(
        level="street", parent=personas.tree.district, name="中共深圳市福田区南园街道工作委员会"
    )
    foreign = f.user(username="other_sup", organisation=other_street, role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied, match="验收层级"):
        acceptance_opinion_issue(user=foreign, opinion=draft)
    client.force_login(foreign)
    data = {"conclusion": "passed", "text": "越权", "action": "issue"}
    assert client.post(reverse("rectification:acceptance_opinion", args=[inspection.pk]), data).status_code == 404
    assert client.get(reverse("rectification:acceptance_opinion", args=[inspection.pk])).status_code == 404
    assert client.get(reverse("rectification:acceptance_opinion_pdf", args=[draft.pk])).status_code == 404
    assert _snapshot(inspection) == [(1, "draft", "second_round", 1)]
