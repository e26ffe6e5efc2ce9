"""方案调整: once the inspection's plan is approved, adding, removing or re-dating a measure
becomes a request the supervisors above decide; before that the plan is a draft and the
measures change freely. Who may ask and decide, what an approval applies, the deadline
extension forwarded upward, and every bad input refused with a clear message and nothing
changed."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from rectification import services, workflow
from rectification.models import (
    DeadlineExtension,
    Measure,
    Membership,
    Notification,
    Person,
    PlanChange,
    ProgressEntry,
    UpwardDocument,
)
from rectification.selectors.measures import signoff_extensions
from rectification.services import plan_changes as svc
from rectification.services.notification_kinds import Kind as NoticeKind
from rectification.services.notification_kinds import notification_path
from rectification.services.plan_change_requests import plan_change_request

from . import factories as f

Role = Membership.Role
Action, State = PlanChange.Action, PlanChange.State
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def more(personas):
    """Beyond the personas: the district's supervisor, the street's secretary (reads A as a
    supervisor, decides nothing) and another street's supervisor."""
    t = personas.tree
    other_street = f.organisation(level="street", parent=t.district)
    return SimpleNamespace(
        district_supervisor=f.user(username="xunchaban", organisation=t.district, role=Role.SUPERVISOR),
        street_secretary=f.user(username="street_secretary", organisation=t.street, role=Role.SECRETARY),
        other_supervisor=f.user(username="other_supervisor", organisation=other_street, role=Role.SUPERVISOR),
    )


def _plan(measure, state=UpwardDocument.State.APPROVED) -> UpwardDocument:
    inspection = measure.finding.category.inspection
    return UpwardDocument.objects.create(inspection=inspection, kind=UpwardDocument.Kind.PLAN, state=state)


@pytest.fixture
def plan(measure_a) -> UpwardDocument:
    """measure_a's inspection with its plan approved."""
    return _plan(measure_a)


def _add(finding, user, **extra):
    fields = {"title": "新增：建立台账月度核查制度", "kind": Measure.Kind.TIME_BOUND, "due_on": dt.date(2025, 9, 30)}
    return services.measure_create(finding=finding, user=user, **(fields | extra))


def _world() -> tuple:
    """Everything a refused step must leave as it was."""
    return (
        sorted(Measure.objects.values_list("pk", "due_on", "original_due_on", "kind", "version")),
        sorted(PlanChange.objects.values_list("pk", "state", "measure_id", "decided_by_id")),
        sorted(DeadlineExtension.objects.values_list("pk", "state")),
    )


# ---------------------------------------------------------------------------- who may


def test_who_asks_and_who_decides(personas, more, plan, measure_a):
    change = services.measure_delete(measure=measure_a, user=personas.secretary_a, change_reason="与第一条重复")
    asks = {name: getattr(personas, name).has_perm("rectification.request_plan_change", plan) for name in (
        "secretary_a", "member_a", "staff_a", "staff_b", "supervisor")}  # fmt: skip
    assert asks == {"secretary_a": True, "member_a": False, "staff_a": False, "staff_b": False, "supervisor": False}
    decides = {u.username: u.has_perm("rectification.decide_plan_change", change) for u in (
        personas.secretary_a, personas.staff_a, personas.supervisor, more.district_supervisor,
        more.street_secretary, more.other_supervisor)}  # fmt: skip
    assert decides == {
        "secretary_a": False,
        "staff_a": False,
        "supervisor": True,
        "xunchaban": True,
        "street_secretary": False,  # an ancestor's secretary reads, a real supervisor decides
        "other_supervisor": False,
    }


def test_only_the_secretary_asks(personas, plan, measure_a):
    with pytest.raises(PermissionDenied):
        plan_change_request(plan=plan, user=personas.member_a, action=Action.REMOVE, measure=measure_a, reason="x")
    assert not PlanChange.objects.exists()


# ---------------------------------------------------------------------------- before the approval: a draft


@pytest.mark.parametrize(
    "state", [UpwardDocument.State.DRAFT, UpwardDocument.State.SUBMITTED, UpwardDocument.State.RETURNED, None]
)
def test_until_the_plan_is_approved_the_measures_change_freely(personas, measure_a, state):
    if state:
        _plan(measure_a, state)
    created = _add(measure_a.finding, personas.secretary_a)
    assert isinstance(created, Measure)
    moved = services.measure_update(
        measure=created, user=personas.secretary_a, expected_version=created.version, due_on=dt.date(2025, 10, 31)
    )
    assert moved.plan_change is None and Measure.objects.get(pk=created.pk).due_on == dt.date(2025, 10, 31)
    assert services.measure_delete(measure=created, user=personas.secretary_a) is None
    assert not Measure.objects.filter(pk=created.pk).exists() and not PlanChange.objects.exists()


# ---------------------------------------------------------------------------- adding


def test_adding_a_measure_asks_and_the_approval_creates_it(personas, plan, measure_a):
    p = personas
    before = Measure.objects.count()
    change = _add(
        measure_a.finding,
        p.secretary_a,
        leader=p.person_member_a,
        owners=[p.person_staff_a],
        new_owner_names="孙新",
        unit="社区党委办公室",
        note="每月末核查",
        change_reason="巡察办反馈意见要求补充长效机制",
    )
    assert isinstance(change, PlanChange) and change.state == State.PENDING and change.finding == measure_a.finding
    # Nothing created: no measure, not even the new person named.
    assert Measure.objects.count() == before and not Person.objects.filter(name="孙新").exists()
    assert workflow.plan_change_requested_message(Action.ADD).startswith("整改方案已审核通过，新增措施需报巡察办")
    # The reviewing supervisor hears of it, and the notice leads to the plan's changes.
    notice = Notification.objects.get(recipient=p.supervisor, kind=NoticeKind.PLAN_CHANGE_REQUESTED)
    assert "新增措施「新增：建立台账月度核查制度」" in notice.message
    assert notification_path(notice) == f"/upward/{plan.pk}/#changes"

    decided = svc.plan_change_decide(change=change, user=p.supervisor, approve=True, note="同意。")
    measure = decided.measure
    assert decided.state == State.APPROVED and decided.decided_by == p.supervisor
    assert (measure.title, measure.kind, measure.due_on, measure.original_due_on) == (
        "新增：建立台账月度核查制度", Measure.Kind.TIME_BOUND, dt.date(2025, 9, 30), dt.date(2025, 9, 30))  # fmt: skip
    assert measure.leader == p.person_member_a and measure.unit == "社区党委办公室" and measure.note == "每月末核查"
    assert sorted(o.name for o in measure.owners.all()) == ["孙新", "赵敏"]
    assert measure.status == Measure.Status.NOT_STARTED and measure.finding == measure_a.finding
    timeline = list(measure.entries.values_list("text", flat=True))
    assert any("经上级审批同意" in t and "补充长效机制" in t for t in timeline)
    told = Notification.objects.get(recipient=p.secretary_a, kind=NoticeKind.PLAN_CHANGE_DECIDED)
    assert "已同意" in told.message

    # Deciding again: a clear message, and a second run changes nothing.
    world = _world()
    with pytest.raises(ValidationError, match="已处理"):
        svc.plan_change_decide(change=change, user=p.supervisor, approve=True)
    with pytest.raises(ValidationError, match="已处理"):
        svc.plan_change_decide(change=change, user=p.supervisor, approve=False, note="不同意")
    assert _world() == world and Measure.objects.count() == before + 1


def test_a_request_needs_a_reason_and_valid_fields(personas, plan, measure_a):
    world = _world()
    with pytest.raises(ValidationError, match="请填写调整理由"):
        _add(measure_a.finding, personas.secretary_a, change_reason="  \x00 ")
    with pytest.raises(ValidationError, match="须填写完成时限"):
        _add(measure_a.finding, personas.secretary_a, due_on=None, change_reason="补充")
    with pytest.raises(ValidationError, match="不属于本党组织"):
        _add(measure_a.finding, personas.secretary_a, leader=personas.person_staff_b, change_reason="补充")
    with pytest.raises(ValidationError, match="最多"):
        _add(measure_a.finding, personas.secretary_a, change_reason="长" * 2001)
    assert _world() == world and not Notification.objects.exists()


def test_refusing_needs_a_note_and_creates_nothing(personas, plan, measure_a):
    change = _add(measure_a.finding, personas.secretary_a, change_reason="补充")
    world = _world()
    with pytest.raises(ValidationError, match="请填写意见"):
        svc.plan_change_decide(change=change, user=personas.supervisor, approve=False, note=" ")
    assert _world() == world
    refused = svc.plan_change_decide(change=change, user=personas.supervisor, approve=False, note="已有同类措施。")
    assert refused.state == State.REFUSED and refused.measure is None and refused.decision_note == "已有同类措施。"
    assert Measure.objects.count() == 1
    told = Notification.objects.get(recipient=personas.secretary_a, kind=NoticeKind.PLAN_CHANGE_DECIDED)
    assert "未同意" in told.message and "已有同类措施" in told.message


def test_a_supervisor_outside_the_subtree_decides_nothing(personas, more, plan, measure_a):
    change = _add(measure_a.finding, personas.secretary_a, change_reason="补充")
    world = _world()
    for user in (more.other_supervisor, more.street_secretary, personas.secretary_a, personas.staff_a):
        with pytest.raises(PermissionDenied):
            svc.plan_change_decide(change=change, user=user, approve=True)
    assert _world() == world
    # The district's supervisor, above the street, may.
    assert svc.plan_change_decide(change=change, user=more.district_supervisor, approve=True).state == State.APPROVED


# ---------------------------------------------------------------------------- removing


def test_removing_asks_and_the_approval_deletes_keeping_the_record(personas, plan, measure_a):
    spare = f.measure(finding=measure_a.finding, title="重复的措施")
    world = _world()
    change = services.measure_delete(measure=spare, user=personas.secretary_a, change_reason="与第一条重复")
    assert isinstance(change, PlanChange) and Measure.objects.filter(pk=spare.pk).exists()
    assert spare.entries.filter(text__contains="申请方案调整（删除措施）").exists()
    # A second request for the same measure, of any kind: refused, nothing changes.
    world = _world()
    with pytest.raises(ValidationError, match="已有一份待审批的方案调整申请"):
        services.measure_delete(measure=spare, user=personas.secretary_a, change_reason="再次申请")
    with pytest.raises(ValidationError, match="已有一份待审批的方案调整申请"):
        services.measure_update(
            measure=spare, user=personas.secretary_a, expected_version=None, due_on=dt.date(2025, 12, 1),
            change_reason="延后",
        )  # fmt: skip
    assert _world() == world
    decided = svc.plan_change_decide(change=change, user=personas.supervisor, approve=True)
    assert not Measure.objects.filter(pk=spare.pk).exists()
    row = PlanChange.objects.get(pk=decided.pk)  # the change stays on record once its measure is gone
    assert row.state == State.APPROVED and row.measure is None and row.proposal["title"] == "重复的措施"


def test_a_measure_with_evidence_or_a_sign_off_is_not_removed(personas, plan, measure_a):
    services.evidence_add(
        measure=measure_a, user=personas.staff_a, files=[SimpleUploadedFile("照片.png", PNG)], description=""
    )
    world = _world()
    with pytest.raises(ValidationError, match="已有佐证材料或销号记录，不能删除"):
        services.measure_delete(measure=measure_a, user=personas.secretary_a, change_reason="不再需要")
    assert _world() == world and not PlanChange.objects.exists()


def test_evidence_added_after_the_request_stops_the_removal(personas, plan, measure_a):
    change = services.measure_delete(measure=measure_a, user=personas.secretary_a, change_reason="不再需要")
    services.evidence_add(
        measure=measure_a, user=personas.staff_a, files=[SimpleUploadedFile("照片.png", PNG)], description=""
    )
    world = _world()
    with pytest.raises(ValidationError, match="不能删除"):
        svc.plan_change_decide(change=change, user=personas.supervisor, approve=True)
    assert _world() == world and Measure.objects.filter(pk=measure_a.pk).exists()


def test_an_approved_plan_keeps_its_items_and_categories_whole(personas, plan, measure_a):
    world = _world()
    with pytest.raises(ValidationError, match="需逐条申请删除"):
        services.finding_delete(finding=measure_a.finding, user=personas.secretary_a)
    with pytest.raises(ValidationError, match="需逐条申请删除"):
        services.category_delete(category=measure_a.finding.category, user=personas.secretary_a)
    assert _world() == world
    # An empty item holds no measure of the plan: it goes.
    empty = f.finding(category=measure_a.finding.category, heading="空事项")
    services.finding_delete(finding=empty, user=personas.secretary_a)


# ---------------------------------------------------------------------------- re-dating


def test_a_new_deadline_on_the_form_asks_and_the_rest_is_saved(personas, plan, measure_a):
    saved = services.measure_update(
        measure=measure_a,
        user=personas.secretary_a,
        expected_version=measure_a.version,
        due_on=dt.date(2025, 8, 31),
        unit="社区工作站",
        change_reason="需协调区住建局，原时限不足",
    )
    change = saved.plan_change
    row = Measure.objects.get(pk=measure_a.pk)
    assert (row.due_on, row.unit) == (dt.date(2025, 6, 30), "社区工作站")
    assert change.action == Action.REDATE and change.proposal["due_on"] == "2025-08-31"
    assert change.proposal["old_due_on"] == "2025-06-30"
    svc.plan_change_decide(change=change, user=personas.supervisor, approve=True)
    row = Measure.objects.get(pk=measure_a.pk)
    assert (row.due_on, row.original_due_on) == (dt.date(2025, 8, 31), dt.date(2025, 6, 30))
    assert row.entries.filter(kind=ProgressEntry.Kind.EXTENSION, text__contains="2025-06-30 → 2025-08-31").exists()


def test_a_same_deadline_or_no_deadline_change_asks_nothing(personas, plan, measure_a):
    saved = services.measure_update(
        measure=measure_a, user=personas.secretary_a, expected_version=None, due_on=measure_a.due_on, unit="办公室"
    )
    assert saved.plan_change is None and not PlanChange.objects.exists()


def test_a_deadline_moved_since_the_request_is_not_applied(personas, plan, measure_a):
    change = services.measure_update(
        measure=measure_a, user=personas.secretary_a, expected_version=None, due_on=dt.date(2025, 8, 31),
        change_reason="延后",
    ).plan_change  # fmt: skip
    Measure.objects.filter(pk=measure_a.pk).update(due_on=dt.date(2025, 7, 15))  # e.g. the admin
    world = _world()
    with pytest.raises(ValidationError, match="完成时限已变更"):
        svc.plan_change_decide(change=change, user=personas.supervisor, approve=True)
    assert _world() == world


def test_bulk_deadlines_on_an_approved_plan_are_refused_whole(personas, plan, measure_a):
    other = f.measure_in(personas.tree.a, title="另一次巡察的措施")
    world = _world()
    with pytest.raises(ValidationError, match="请填写调整理由"):
        services.measures_bulk_update(
            user=personas.secretary_a, measure_ids=[measure_a.pk, other.pk], due_on=dt.date(2025, 11, 30)
        )
    assert _world() == world


# ---------------------------------------------------------------------------- an extension on an approved plan


def test_an_extension_the_secretary_approves_goes_up_and_the_supervisor_moves_it(personas, plan, measure_a):
    p = personas
    extension = services.extension_request(
        measure=measure_a, user=p.staff_a, new_due_on=dt.date(2025, 9, 30), reason="等待区里批复资金"
    )
    forwarded = services.extension_decide(extension=extension, user=p.secretary_a, approve=True, note="情况属实")
    row = Measure.objects.get(pk=measure_a.pk)
    # The deadline has not moved; the extension waits for the supervisor, off the secretary's queue.
    assert forwarded.forwarded and row.due_on == dt.date(2025, 6, 30)
    assert DeadlineExtension.objects.get(pk=extension.pk).state == DeadlineExtension.State.PENDING
    assert list(signoff_extensions(user=p.secretary_a)) == []
    change = PlanChange.objects.get(state=State.PENDING)
    assert change.proposal["extension"] == extension.pk and "情况属实" in change.reason
    # Approving it again from a stale page: one pending change per measure.
    world = _world()
    with pytest.raises(ValidationError, match="已有一份待审批的方案调整申请"):
        services.extension_decide(extension=extension, user=p.secretary_a, approve=True)
    assert _world() == world

    svc.plan_change_decide(change=change, user=p.supervisor, approve=True, note="同意延期")
    row = Measure.objects.get(pk=measure_a.pk)
    extension.refresh_from_db()
    assert (row.due_on, row.original_due_on) == (dt.date(2025, 9, 30), dt.date(2025, 6, 30))
    assert (extension.state, extension.decided_by, extension.decision_note) == ("approved", p.supervisor, "同意延期")
    # Whoever asked for the extension hears of the decision, as of any extension decision.
    assert Notification.objects.filter(recipient=p.staff_a, key=f"extension_decided:{extension.pk}").exists()


def test_an_extension_refused_above_is_refused(personas, plan, measure_a):
    extension = services.extension_request(
        measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 9, 30), reason="等待资金"
    )
    services.extension_decide(extension=extension, user=personas.secretary_a, approve=True)
    change = PlanChange.objects.get()
    svc.plan_change_decide(change=change, user=personas.supervisor, approve=False, note="按原时限完成")
    extension.refresh_from_db()
    assert extension.state == DeadlineExtension.State.REFUSED and extension.decision_note == "按原时限完成"
    assert Measure.objects.get(pk=measure_a.pk).due_on == dt.date(2025, 6, 30)


def test_the_secretary_still_refuses_an_extension_alone(personas, plan, measure_a):
    """Refusing moves nothing the plan fixed: it stays the secretary's decision."""
    extension = services.extension_request(
        measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 9, 30), reason="等待资金"
    )
    refused = services.extension_decide(extension=extension, user=personas.secretary_a, approve=False, note="可以完成")
    assert refused.state == DeadlineExtension.State.REFUSED and not PlanChange.objects.exists()
