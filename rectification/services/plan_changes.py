"""Deciding a change to an approved plan (方案调整): the supervisor above approves it, and
the change is applied then (the measure created, deleted or re-dated, each on the
measure's timeline), or refuses it with a note. The secretary hears of it either way.

The request itself is written by plan_change_requests.py (the structure and measure
services ask for one when the plan is approved); which step is allowed is workflow.py's;
who decides is permissions.py's (``decide_plan_change``, review_upward's rule).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import workflow
from ..models import DeadlineExtension, Measure, MeasureKind, Person, PlanChange, ProgressEntry
from ..permissions import require
from ..text import CONTROL_CHARS, strip_control
from . import notifications
from .audit import Kind as AuditKind
from .audit import audit_record
from .measures import add_entry, lock_measure, save_measure
from .record import record_language
from .structure import measure_create, measure_delete

Action = PlanChange.Action
MAX_NOTE = 2_000


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _decided_text(change: PlanChange, user) -> str:
    """The timeline's line for an approved change: who asked, why, who approved."""
    with record_language():
        text = _("方案调整（{action}）经上级审批同意。申请理由：{reason}").format(
            action=change.get_action_display(), reason=change.reason
        )
        if change.decision_note:
            text += _("审批意见：{note}").format(note=change.decision_note)
    return text


def _apply_add(change: PlanChange, user) -> None:
    """Create the proposed measure, as the secretary's form would have."""
    p = change.proposal
    ids = [p.get("leader"), *p.get("owners", [])]
    people = {person.pk: person for person in Person.objects.filter(pk__in=[i for i in ids if i])}
    leader = people.get(p.get("leader"))
    if p.get("leader") and leader is None:
        raise ValidationError(_("申请中的责任领导已被删除，无法按申请新增措施，请不同意后重新申请。"))
    measure = measure_create(
        finding=change.finding,
        user=user,
        title=p["title"],
        kind=p["kind"],
        due_on=_day(p.get("due_on")),
        leader=leader,
        owners=[people[i] for i in p.get("owners", []) if i in people],
        new_owner_names=p.get("new_owner_names", ""),
        unit=p.get("unit", ""),
        note=p.get("note", ""),
        approved_change=change,
    )
    change.measure = measure
    add_entry(measure, user, ProgressEntry.Kind.SYSTEM, _decided_text(change, user))


def _apply_redate(change: PlanChange, user) -> None:
    """Move the deadline as asked; the original deadline stays, as an extension keeps it."""
    current = lock_measure(change.measure)
    p = change.proposal
    if iso_of(current.due_on) != p.get("old_due_on"):
        raise ValidationError(
            _("申请提交后完成时限已变更（现为 {due}），请不同意此申请，由申请人重新申请。").format(
                due=current.due_on or "—"
            )
        )
    old, new, kind = current.due_on, _day(p.get("due_on")), p.get("kind", current.kind)
    fields = ["due_on", "original_due_on", "kind"]
    if kind == MeasureKind.ONGOING:
        current.due_on = current.original_due_on = None
    else:
        current.original_due_on = current.original_due_on or old or new
        current.due_on = new
    current.kind = kind
    with record_language():
        text = _("完成时限：{old} → {new}。").format(old=old or "—", new=new or "—")
    add_entry(current, user, ProgressEntry.Kind.EXTENSION, text + _decided_text(change, user))
    save_measure(current, user, fields)


def iso_of(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _close_extension(change: PlanChange, user) -> None:
    """A forwarded extension (services.measures._extension_forward) shares the decision,
    and whoever asked for it hears of it as of any extension decision."""
    pk = change.proposal.get("extension")
    extension = DeadlineExtension.objects.select_for_update().filter(pk=pk, state="pending").first() if pk else None
    if extension is None:
        return
    approved = change.state == PlanChange.State.APPROVED
    extension.state = DeadlineExtension.State.APPROVED if approved else DeadlineExtension.State.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = user, change.decided_at, change.decision_note
    extension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    notifications.notice_extension(extension)


@transaction.atomic
def plan_change_decide(*, change: PlanChange, user, approve: bool, note: str = "") -> PlanChange:
    """The supervisor's decision on a pending change: approve (applied now) or refuse (with
    a note). Each change once; a change that can no longer be applied as asked (a measure
    with evidence or a sign-off, a deadline moved since) is refused with the reason and
    nothing changes, the change stays pending for a refusal."""
    require(user, "decide_plan_change", change)
    note = strip_control(str(note or ""), CONTROL_CHARS).strip()
    if not approve and not note:
        raise ValidationError(_("不同意时请填写意见，说明理由。"))
    if len(note) > MAX_NOTE:
        raise ValidationError(_("意见最多 %(n)s 个字。") % {"n": MAX_NOTE})
    plan = change.plan
    current = PlanChange.objects.select_for_update().get(pk=change.pk)
    if refusal := workflow.plan_change_refusal(current):
        raise ValidationError(refusal)
    if approve and current.action != Action.ADD and current.measure_id is None:
        raise ValidationError(_("申请涉及的整改措施已不存在，无法同意，请填写意见后不同意。"))
    current.plan = plan
    current.state = workflow.plan_change_step(approve).target
    current.decided_by, current.decided_at, current.decision_note = user, timezone.now(), note
    if approve:
        _apply(current, user)
    elif current.measure_id:
        with record_language():
            text = _("方案调整（{action}）未获上级同意。意见：{note}").format(
                action=current.get_action_display(), note=note
            )
        ProgressEntry.objects.create(
            measure_id=current.measure_id, kind=ProgressEntry.Kind.SYSTEM, author=user, text=text
        )
    _close_extension(current, user)
    current.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "measure"])
    notifications.notice_plan_change_decided(current)
    audit_record(AuditKind.DECISION, actor=user, target=current, detail=f"plan change {current.state}")
    return current


def _apply(change: PlanChange, user) -> None:
    if change.action == Action.ADD:
        _apply_add(change, user)
    elif change.action == Action.REMOVE:
        measure = Measure.objects.select_related("finding__category__inspection").get(pk=change.measure_id)
        measure_delete(measure=measure, user=user, approved_change=change)
        change.measure = None  # the row is gone; the proposal and the reason say what it was
    else:
        _apply_redate(change, user)
