"""The measure workflow services: transitions, sign-off freezing, send-back, progress,
plan edits, extensions, optimistic concurrency."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rectification import services
from rectification.models import DeadlineExtension, Measure, ProgressEntry, SignOff
from rectification.services.measures import ConflictError

from . import factories as f

S = Measure.Status
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name: str = "会议纪要.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def _awaiting(measure: Measure, user) -> Measure:
    measure = services.measure_report_progress(measure=measure, user=user, progress="已完成专项排查 32 处。")
    return services.measure_change_status(measure=measure, user=user, to_status=S.AWAITING_SIGN_OFF)


# ---------------------------------------------------------------- transitions allowed


@pytest.mark.django_db
def test_forward_transitions_by_the_responsible_person(personas):
    m = f.measure_in(personas.tree.a, status=S.NOT_STARTED, owners=[personas.person_staff_a])
    m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.IN_PROGRESS)
    assert m.status == S.IN_PROGRESS and m.version == 2
    m = services.measure_report_progress(measure=m, user=personas.staff_a, progress="已整改。")
    m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    m.refresh_from_db()
    assert m.status == S.AWAITING_SIGN_OFF and m.submitted_at is not None
    kinds = list(m.entries.order_by("created_at", "pk").values_list("kind", "new_status"))
    assert kinds == [("status", S.IN_PROGRESS), ("note", ""), ("status", S.AWAITING_SIGN_OFF)]
    # Every write left a history row naming the user.
    assert {h.history_user for h in m.history.all()[:3]} == {personas.staff_a}


@pytest.mark.django_db
def test_leader_may_move_the_measure(personas, measure_a):
    m = services.measure_report_progress(measure=measure_a, user=personas.member_a, progress="进展。")
    m = services.measure_change_status(measure=m, user=personas.member_a, to_status=S.AWAITING_SIGN_OFF)
    assert m.status == S.AWAITING_SIGN_OFF


@pytest.mark.django_db
def test_secretary_signs_off(personas, measure_a):
    m = _awaiting(measure_a, personas.staff_a)
    sign_off = services.measure_sign_off(measure=m, user=personas.secretary_a)
    m.refresh_from_db()
    assert m.status == S.DONE and m.signed_off_by == personas.secretary_a and m.completed_on is not None
    assert sign_off.decision == SignOff.Decision.APPROVED
    assert m.entries.filter(kind=ProgressEntry.Kind.SIGN_OFF).count() == 1


@pytest.mark.django_db
def test_change_status_to_done_is_a_sign_off(personas, measure_a):
    m = _awaiting(measure_a, personas.staff_a)
    m = services.measure_change_status(measure=m, user=personas.secretary_a, to_status=S.DONE)
    assert m.status == S.DONE and m.sign_offs.get().decision == SignOff.Decision.APPROVED


@pytest.mark.django_db
def test_secretary_sends_back_with_reason(personas, measure_a):
    m = _awaiting(measure_a, personas.staff_a)
    sign_off = services.measure_send_back(measure=m, user=personas.secretary_a, reason="佐证材料不全")
    m.refresh_from_db()
    assert m.status == S.IN_PROGRESS and m.submitted_at is None
    assert sign_off.decision == SignOff.Decision.SENT_BACK and sign_off.reason == "佐证材料不全"
    assert m.entries.filter(kind=ProgressEntry.Kind.SEND_BACK, text__contains="佐证材料不全").exists()


@pytest.mark.django_db
def test_change_status_back_to_in_progress_is_a_send_back(personas, measure_a):
    m = _awaiting(measure_a, personas.staff_a)
    m = services.measure_change_status(measure=m, user=personas.secretary_a, to_status=S.IN_PROGRESS, reason="补充")
    assert m.status == S.IN_PROGRESS and m.sign_offs.get().decision == SignOff.Decision.SENT_BACK


@pytest.mark.django_db
def test_reporting_on_a_measure_not_started_starts_it(personas):
    m = f.measure_in(personas.tree.a, status=S.NOT_STARTED, owners=[personas.person_staff_a])
    m = services.measure_report_progress(measure=m, user=personas.staff_a, note="已召开专题会")
    assert m.status == S.IN_PROGRESS and m.last_progress_at is not None and m.progress == ""


# ---------------------------------------------------------------- transitions refused


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, target",
    [
        (S.NOT_STARTED, S.AWAITING_SIGN_OFF),  # no skipping
        (S.IN_PROGRESS, S.NOT_STARTED),  # no way back
        (S.IN_PROGRESS, S.IN_PROGRESS),
        (S.DONE, S.IN_PROGRESS),  # a done measure reopens only through a change
        (S.DONE, S.AWAITING_SIGN_OFF),
    ],
)
def test_transition_refused(personas, start, target):
    m = f.measure_in(personas.tree.a, status=start, owners=[personas.person_staff_a], progress="x")
    with pytest.raises(ValidationError):
        services.measure_change_status(measure=m, user=personas.secretary_a, to_status=target)
    m.refresh_from_db()
    assert m.status == start and m.version == 1 and not m.entries.exists()


@pytest.mark.django_db
def test_unknown_status_refused(personas, measure_a):
    with pytest.raises(ValidationError):
        services.measure_change_status(measure=measure_a, user=personas.staff_a, to_status="archived")


@pytest.mark.django_db
def test_submit_needs_public_progress(personas, measure_a):
    with pytest.raises(ValidationError, match="整改进展"):
        services.measure_change_status(measure=measure_a, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)


@pytest.mark.django_db
def test_ongoing_measure_never_goes_to_sign_off(personas):
    m = f.measure_in(personas.tree.a, kind=Measure.Kind.ONGOING, owners=[personas.person_staff_a], progress="常态化")
    with pytest.raises(ValidationError, match="长期坚持"):
        services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    # It takes periodic progress instead.
    m = services.measure_report_progress(measure=m, user=personas.staff_a, note="本月开展巡查 4 次")
    assert m.status == S.IN_PROGRESS and m.last_progress_at is not None


@pytest.mark.django_db
def test_staff_cannot_sign_off_or_send_back(personas, measure_a):
    m = _awaiting(measure_a, personas.staff_a)
    with pytest.raises(PermissionDenied):
        services.measure_sign_off(measure=m, user=personas.staff_a)
    with pytest.raises(PermissionDenied):
        services.measure_change_status(measure=m, user=personas.member_a, to_status=S.DONE)
    with pytest.raises(PermissionDenied):
        services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.IN_PROGRESS, reason="撤回")
    m.refresh_from_db()
    assert m.status == S.AWAITING_SIGN_OFF and not m.sign_offs.exists()


@pytest.mark.django_db
def test_sign_off_only_from_awaiting(personas, measure_a):
    with pytest.raises(ValidationError):
        services.measure_sign_off(measure=measure_a, user=personas.secretary_a)
    with pytest.raises(ValidationError):
        services.measure_send_back(measure=measure_a, user=personas.secretary_a, reason="x")


@pytest.mark.django_db
def test_send_back_needs_a_reason(personas, measure_a):
    m = _awaiting(measure_a, personas.staff_a)
    with pytest.raises(ValidationError, match="理由"):
        services.measure_send_back(measure=m, user=personas.secretary_a, reason="  ")
    m.refresh_from_db()
    assert m.status == S.AWAITING_SIGN_OFF


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["staff_b", "supervisor"])
def test_outsiders_and_supervisors_change_nothing(personas, measure_a, who):
    user = getattr(personas, who)
    with pytest.raises(PermissionDenied):
        services.measure_change_status(measure=measure_a, user=user, to_status=S.AWAITING_SIGN_OFF)
    with pytest.raises(PermissionDenied):
        services.measure_report_progress(measure=measure_a, user=user, note="x")
    with pytest.raises(PermissionDenied):
        services.evidence_add(measure=measure_a, user=user, files=[_pdf()])
    measure_a.refresh_from_db()
    assert measure_a.version == 1


@pytest.mark.django_db
def test_staff_not_responsible_cannot_change(personas):
    other = f.measure_in(personas.tree.a, owners=[f.person(organisation=personas.tree.a)])
    with pytest.raises(PermissionDenied):
        services.measure_report_progress(measure=other, user=personas.staff_a, note="x")


# ---------------------------------------------------------------- sign-off freezing


@pytest.mark.django_db
def test_sign_off_freezes_progress_and_evidence(personas, measure_a):
    ev = services.evidence_add(measure=measure_a, user=personas.staff_a, files=[_pdf()])[0]
    m = _awaiting(measure_a, personas.staff_a)
    sign_off = services.measure_sign_off(measure=m, user=personas.secretary_a)
    assert sign_off.progress_snapshot == "已完成专项排查 32 处。"
    assert sign_off.evidence_snapshot == [
        {"id": ev.pk, "name": "会议纪要.pdf", "sha256": ev.sha256, "size": len(PDF_BYTES)}
    ]
    assert len(ev.sha256) == 64


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["progress", "evidence_add", "evidence_delete", "title"])
def test_change_after_sign_off_reopens(personas, measure_a, change):
    ev = services.evidence_add(measure=measure_a, user=personas.staff_a, files=[_pdf()])[0]
    m = _awaiting(measure_a, personas.staff_a)
    sign_off = services.measure_sign_off(measure=m, user=personas.secretary_a)
    if change == "progress":
        services.measure_report_progress(measure=m, user=personas.staff_a, progress="改写后的进展")
    elif change == "evidence_add":
        services.evidence_add(measure=m, user=personas.staff_a, files=[_pdf("补充.pdf")])
    elif change == "evidence_delete":
        services.evidence_delete(evidence=ev, user=personas.staff_a)
    else:
        m.refresh_from_db()
        services.measure_update(measure=m, user=personas.secretary_a, expected_version=m.version, title="新标题")
    m.refresh_from_db()
    assert m.status == S.AWAITING_SIGN_OFF
    assert m.signed_off_at is None and m.signed_off_by is None and m.completed_on is None
    assert m.entries.filter(kind=ProgressEntry.Kind.SYSTEM, text__contains="重新提请销号").exists()
    # The record of what was approved is untouched.
    sign_off.refresh_from_db()
    assert sign_off.progress_snapshot == "已完成专项排查 32 处。" and len(sign_off.evidence_snapshot) == 1


@pytest.mark.django_db
def test_note_or_reassignment_after_sign_off_does_not_reopen(personas, measure_a):
    m = services.measure_sign_off(measure=_awaiting(measure_a, personas.staff_a), user=personas.secretary_a).measure
    services.measure_report_progress(measure=m, user=personas.staff_a, note="补记：已归档")
    m.refresh_from_db()
    services.measure_update(
        measure=m, user=personas.secretary_a, expected_version=m.version, owners=[personas.person_member_a]
    )
    m.refresh_from_db()
    assert m.status == S.DONE


# ---------------------------------------------------------------- optimistic concurrency


@pytest.mark.django_db
def test_stale_version_is_a_conflict(personas, measure_a):
    services.measure_report_progress(
        measure=measure_a, user=personas.member_a, progress="王委员的版本", expected_version=1
    )
    with pytest.raises(ConflictError) as caught:
        services.measure_report_progress(
            measure=measure_a, user=personas.staff_a, progress="赵敏的版本", expected_version=1
        )
    assert caught.value.current.progress == "王委员的版本" and caught.value.current.version == 2
    measure_a.refresh_from_db()
    assert measure_a.progress == "王委员的版本" and measure_a.version == 2


@pytest.mark.django_db
def test_a_note_on_a_stale_page_is_not_a_conflict(personas, measure_a):
    services.measure_report_progress(measure=measure_a, user=personas.member_a, progress="新", expected_version=1)
    m = services.measure_report_progress(measure=measure_a, user=personas.staff_a, note="补记", expected_version=1)
    assert m.version == 3 and m.progress == "新"


@pytest.mark.django_db
def test_sign_off_of_a_changed_measure_is_a_conflict(personas, measure_a):
    m = _awaiting(measure_a, personas.staff_a)
    seen = m.version
    services.evidence_add(measure=m, user=personas.staff_a, files=[_pdf()])
    with pytest.raises(ConflictError):
        services.measure_sign_off(measure=m, user=personas.secretary_a, expected_version=seen)
    m.refresh_from_db()
    assert m.status == S.AWAITING_SIGN_OFF


# ---------------------------------------------------------------- plan edits (secretary)


@pytest.mark.django_db
def test_secretary_updates_owners_leader_and_deadline(personas, measure_a):
    m = services.measure_update(
        measure=measure_a,
        user=personas.secretary_a,
        expected_version=1,
        owners=[personas.person_member_a],
        leader=personas.person_staff_a,
        due_on=dt.date(2025, 9, 30),
    )
    m.refresh_from_db()
    assert list(m.owners.all()) == [personas.person_member_a] and m.leader == personas.person_staff_a
    assert m.due_on == dt.date(2025, 9, 30) and m.original_due_on == dt.date(2025, 6, 30)
    entry = m.entries.get(kind=ProgressEntry.Kind.SYSTEM)
    assert "责任人：赵敏 → 王委员" in entry.text and "完成时限：2025-06-30 → 2025-09-30" in entry.text
    assert m.history.first().history_user == personas.secretary_a


@pytest.mark.django_db
def test_update_to_ongoing_clears_deadlines(personas, measure_a):
    m = services.measure_update(measure=measure_a, user=personas.secretary_a, expected_version=1, kind="ongoing")
    assert m.due_on is None and m.original_due_on is None


@pytest.mark.django_db
def test_update_refusals(personas, measure_a):
    with pytest.raises(PermissionDenied):
        services.measure_update(measure=measure_a, user=personas.staff_a, expected_version=1, title="x")
    with pytest.raises(ValidationError, match="不属于"):
        services.measure_update(
            measure=measure_a, user=personas.secretary_a, expected_version=1, owners=[personas.person_staff_b]
        )
    with pytest.raises(ValidationError, match="时限"):
        services.measure_update(measure=measure_a, user=personas.secretary_a, expected_version=1, due_on=None)
    with pytest.raises(ConflictError):
        services.measure_update(measure=measure_a, user=personas.secretary_a, expected_version=7, title="x")
    with pytest.raises(TypeError):
        services.measure_update(measure=measure_a, user=personas.secretary_a, expected_version=1, status="done")
    measure_a.refresh_from_db()
    assert measure_a.version == 1


@pytest.mark.django_db
def test_update_without_change_writes_nothing(personas, measure_a):
    m = services.measure_update(measure=measure_a, user=personas.secretary_a, expected_version=1, title=measure_a.title)
    assert m.version == 1 and not m.entries.exists()


# ---------------------------------------------------------------- extensions


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2025, 6, 20, 10, tzinfo=dt.UTC))
def test_extension_approved_keeps_both_deadlines(personas, measure_a):
    ext = services.extension_request(
        measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 8, 31), reason="需协调住建部门"
    )
    assert ext.state == DeadlineExtension.State.PENDING and ext.old_due_on == dt.date(2025, 6, 30)
    measure_a.refresh_from_db()
    assert measure_a.due_on == dt.date(2025, 6, 30)  # unchanged until decided
    services.extension_decide(extension=ext, user=personas.secretary_a, approve=True)
    measure_a.refresh_from_db()
    assert measure_a.due_on == dt.date(2025, 8, 31) and measure_a.original_due_on == dt.date(2025, 6, 30)
    assert measure_a.is_extended
    ext.refresh_from_db()
    assert ext.state == DeadlineExtension.State.APPROVED and ext.decided_by == personas.secretary_a
    # A second extension still remembers the very first deadline.
    ext2 = services.extension_request(
        measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 10, 31), reason="再次延期"
    )
    services.extension_decide(extension=ext2, user=personas.secretary_a, approve=True)
    measure_a.refresh_from_db()
    assert measure_a.due_on == dt.date(2025, 10, 31) and measure_a.original_due_on == dt.date(2025, 6, 30)


@pytest.mark.django_db
def test_extension_refused_keeps_the_deadline(personas, measure_a):
    ext = services.extension_request(
        measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 8, 31), reason="理由"
    )
    with pytest.raises(ValidationError, match="理由"):
        services.extension_decide(extension=ext, user=personas.secretary_a, approve=False, note="")
    services.extension_decide(extension=ext, user=personas.secretary_a, approve=False, note="按期完成")
    measure_a.refresh_from_db()
    ext.refresh_from_db()
    assert ext.state == DeadlineExtension.State.REFUSED and ext.decision_note == "按期完成"
    assert measure_a.due_on == measure_a.original_due_on == dt.date(2025, 6, 30) and not measure_a.is_extended
    with pytest.raises(ValidationError, match="已处理"):
        services.extension_decide(extension=ext, user=personas.secretary_a, approve=True)


@pytest.mark.django_db
def test_extension_refusals(personas, measure_a):
    bad = [
        dict(user=personas.staff_a, new_due_on=dt.date(2025, 6, 30), reason="不晚于原时限"),
        dict(user=personas.staff_a, new_due_on=dt.date(2025, 8, 1), reason=" "),
    ]
    for kwargs in bad:
        with pytest.raises(ValidationError):
            services.extension_request(measure=measure_a, **kwargs)
    for user in (personas.staff_b, personas.supervisor):
        with pytest.raises(PermissionDenied):
            services.extension_request(measure=measure_a, user=user, new_due_on=dt.date(2025, 8, 1), reason="x")
    ext = services.extension_request(
        measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 8, 1), reason="x"
    )
    with pytest.raises(ValidationError, match="待审批"):
        services.extension_request(measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 9, 1), reason="y")
    for user in (personas.staff_a, personas.member_a, personas.supervisor):
        with pytest.raises(PermissionDenied):
            services.extension_decide(extension=ext, user=user, approve=True)
    ongoing = f.measure_in(personas.tree.a, kind=Measure.Kind.ONGOING, owners=[personas.person_staff_a])
    with pytest.raises(ValidationError, match="长期坚持"):
        services.extension_request(measure=ongoing, user=personas.staff_a, new_due_on=dt.date(2026, 1, 1), reason="x")
