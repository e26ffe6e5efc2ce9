"""The measure workflow's writes: status transitions, progress, sign-off, send-back, extensions.

Which status may follow which, who may make each step and when a re-check is due are
workflow.py's (the state machine); who may do what is permissions.py's. Every write here locks the measure row, checks ``expected_version`` when given (optimistic
concurrency: a form shows version N, the save is refused if the row moved on), bumps
``Measure.version``, writes a ProgressEntry for the timeline and saves through the model,
so django-simple-history records who changed what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import workflow
from ..dates import implausible_date_message
from ..models import (
    DeadlineExtension,
    Measure,
    MeasureKind,
    MeasureStatus,
    Person,
    PlanChange,
    ProgressEntry,
    SignOff,
    UpwardDocument,
    status_label,
)
from ..permissions import require
from . import notifications
from .plan_change_requests import fixed_plan, iso, plan_change_request
from .record import in_record_language, record_language

Status = MeasureStatus

# Fields whose change alters what a sign-off approved (besides progress and evidence).
APPROVED_FIELDS = frozenset({"title", "kind", "progress"})
# Fields the secretary may edit through measure_update (status has its own service).
UPDATABLE_FIELDS = frozenset({"title", "kind", "due_on", "leader", "owners", "unit", "note"})


class ConflictError(Exception):
    """The measure changed since the form was shown: ``current`` is the row as saved now."""

    def __init__(self, *, current: Measure, expected_version: int) -> None:
        super().__init__(f"measure {current.pk} is at version {current.version}, not {expected_version}")
        self.current = current
        self.expected_version = expected_version


# ---------------------------------------------------------------------------- helpers


def lock_measure(measure: Measure, expected_version: int | None = None) -> Measure:
    """The measure's row, locked for this transaction; ConflictError when it moved on."""
    current = (
        Measure.objects.select_for_update(of=("self",))
        .select_related("finding__category__inspection__organisation", "leader")
        .get(pk=measure.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConflictError(current=current, expected_version=expected_version)
    return current


def save_measure(measure: Measure, user, fields: Iterable[str]) -> None:
    """Bump the version and save the given fields; the history row names ``user``.

    An acceptance (验收) holds for one sign-off: a measure that leaves 已完成, or is signed
    off anew, is no longer accepted (the same rule as ``workflow.is_accepted``)."""
    fields = list(fields)
    if measure.accepted_at is not None and (measure.status != Status.DONE or "signed_off_at" in fields):
        measure.accepted_at = None
        fields.append("accepted_at")
    measure.version += 1
    measure._history_user = user  # simple_history: also right outside a request (tasks, bulk)
    measure.save(update_fields=[*fields, "version", "updated_at"])


def add_entry(measure: Measure, user, kind: str, text: str, old_status: str = "", new_status: str = "") -> None:
    """Store a timeline entry; build ``text`` under ``record_language()`` (services/record.py)."""
    ProgressEntry.objects.create(
        measure=measure, kind=kind, author=user, text=text, old_status=old_status, new_status=new_status
    )


def _set_status(measure: Measure, user, to_status: str, text: str, kind: str = ProgressEntry.Kind.STATUS) -> None:
    add_entry(measure, user, kind, text, old_status=measure.status, new_status=to_status)
    measure.status = to_status


@in_record_language
def reopen_if_signed_off(measure: Measure, user, why: str) -> list[str]:
    """A done measure whose approved content changed goes back to the sign-off queue.

    Returns the fields changed here, for the caller's save."""
    if not workflow.is_signed_off(measure):
        return []
    text = _("已销号措施的{what}发生变更，重新提请销号。").format(what=why)
    _set_status(measure, user, Status.AWAITING_SIGN_OFF, text, kind=ProgressEntry.Kind.SYSTEM)
    measure.signed_off_at = measure.signed_off_by = measure.completed_on = None
    measure.submitted_at = timezone.now()
    return ["status", "signed_off_at", "signed_off_by", "completed_on", "submitted_at"]


# ---------------------------------------------------------------------------- transitions


@transaction.atomic
def measure_change_status(
    *, measure: Measure, user, to_status: str, reason: str = "", expected_version: int | None = None
) -> Measure:
    """Move the measure along an allowed transition (workflow.TRANSITIONS)."""
    if to_status not in Status.values:
        raise ValidationError(_("未知的整改状态。"))
    current = lock_measure(measure, expected_version)
    if to_status == Status.DONE:
        measure_sign_off(measure=current, user=user)
        return lock_measure(current)
    if workflow.awaits_sign_off(current) and to_status == Status.IN_PROGRESS:
        measure_send_back(measure=current, user=user, reason=reason)
        return lock_measure(current)
    require(user, "change_measure", current)
    if not workflow.is_forward(current, to_status):
        raise ValidationError(
            _("不能从“{old}”改为“{new}”。").format(old=status_label(current.status), new=status_label(to_status))
        )
    fields = ["status"]
    if to_status == Status.AWAITING_SIGN_OFF:
        if refusal := workflow.submit_refusal(current):
            raise ValidationError(refusal)
        current.submitted_at = timezone.now()
        fields.append("submitted_at")
    with record_language():
        text = _("状态由“{old}”改为“{new}”。").format(old=status_label(current.status), new=status_label(to_status))
    if reason.strip():
        text += " " + reason.strip()
    _set_status(current, user, to_status, text)
    save_measure(current, user, fields)
    if to_status == Status.AWAITING_SIGN_OFF:
        notifications.notice_submitted(current)
    return current


def _snapshot(measure: Measure) -> tuple[str, list[dict[str, Any]]]:
    evidence = [
        {"id": e.pk, "name": e.original_name, "sha256": e.sha256, "size": e.size}
        for e in measure.evidence.order_by("uploaded_at", "pk")
    ]
    return measure.progress, evidence


@transaction.atomic
def measure_sign_off(*, measure: Measure, user, expected_version: int | None = None, reason: str = "") -> SignOff:
    """销号: the secretary approves an awaiting measure; records exactly what was approved."""
    current = lock_measure(measure, expected_version)
    require(user, "sign_off_measure", current)
    if not workflow.awaits_sign_off(current):
        raise ValidationError(_("只有“待销号”的措施才能销号。"))
    progress, evidence = _snapshot(current)
    now = timezone.now()
    sign_off = SignOff.objects.create(
        measure=current,
        decision=SignOff.Decision.APPROVED,
        reason=reason.strip(),
        progress_snapshot=progress,
        evidence_snapshot=evidence,
        decided_by=user,
        decided_at=now,
    )
    with record_language():
        text = _("同意销号。") + (" " + reason.strip() if reason.strip() else "")
    _set_status(current, user, Status.DONE, text, kind=ProgressEntry.Kind.SIGN_OFF)
    current.signed_off_at, current.signed_off_by, current.completed_on = now, user, timezone.localdate(now)
    current.recheck_on = workflow.recheck_due_on(current.completed_on)  # 回头看
    save_measure(current, user, ["status", "signed_off_at", "signed_off_by", "completed_on", "recheck_on"])
    notifications.notice_decided(current, sign_off)
    return sign_off


@transaction.atomic
def measure_send_back(*, measure: Measure, user, reason: str, expected_version: int | None = None) -> SignOff:
    """退回: the secretary returns an awaiting measure to in progress, with a reason."""
    current = lock_measure(measure, expected_version)
    require(user, "sign_off_measure", current)
    if not workflow.awaits_sign_off(current):
        raise ValidationError(_("只有“待销号”的措施才能退回。"))
    if not reason.strip():
        raise ValidationError(_("退回时请填写理由。"))
    progress, evidence = _snapshot(current)
    sign_off = SignOff.objects.create(
        measure=current,
        decision=SignOff.Decision.SENT_BACK,
        reason=reason.strip(),
        progress_snapshot=progress,
        evidence_snapshot=evidence,
        decided_by=user,
    )
    with record_language():
        text = _("退回：") + reason.strip()
    _set_status(current, user, Status.IN_PROGRESS, text, kind=ProgressEntry.Kind.SEND_BACK)
    current.submitted_at = None
    save_measure(current, user, ["status", "submitted_at"])
    notifications.notice_decided(current, sign_off)
    return sign_off


# ---------------------------------------------------------------------------- progress


@transaction.atomic
def measure_report_progress(
    *, measure: Measure, user, note: str = "", progress: str | None = None, expected_version: int | None = None
) -> Measure:
    """Add an internal note and/or replace the public progress text (the bulletin's text).

    ``expected_version`` guards the public text only: a note is appended and never
    overwrites anyone, so a stale page may still add one. Reporting on a measure that has
    not started starts it."""
    note = note.strip()
    current = lock_measure(measure)
    require(user, "change_measure", current)
    new_progress = progress.strip() if progress is not None else None
    changes_text = new_progress is not None and new_progress != current.progress
    if changes_text and expected_version is not None and current.version != expected_version:
        raise ConflictError(current=current, expected_version=expected_version)
    if not note and not changes_text:
        raise ValidationError(_("请填写进展情况，或修改公开的整改进展。"))
    fields = ["last_progress_at", "stale_since"]
    if workflow.starts_on_progress(current):
        with record_language():
            _set_status(current, user, Status.IN_PROGRESS, _("报告进展，开始推进。"))
        fields.append("status")
    if changes_text:
        current.progress = new_progress
        fields += ["progress", *reopen_if_signed_off(current, user, gettext_lazy("公开整改进展"))]
    with record_language():
        text = note or _("更新了公开的整改进展。")
    add_entry(current, user, ProgressEntry.Kind.NOTE, text)
    current.last_progress_at, current.stale_since = timezone.now(), None
    save_measure(current, user, fields)
    return current


# ---------------------------------------------------------------------------- plan edits


def _check_people(measure: Measure, people: Iterable[Person]) -> None:
    org_path = measure.finding.category.inspection.organisation.path
    for person in people:
        if not org_path.startswith(person.organisation.path):
            raise ValidationError(_("“{name}”不属于本党组织。").format(name=person.name))


def _apply_deadline(current: Measure, fields: dict[str, Any]) -> None:
    """Keep kind and deadline consistent; a first deadline also becomes the original one.
    A later change keeps ``original_due_on``, so a moved deadline stays visible as such."""
    kind = fields.get("kind", current.kind)
    if kind == MeasureKind.ONGOING:
        if fields.get("due_on") is not None:
            raise ValidationError(_("长期坚持的措施不设完成时限。"))
        fields.update(due_on=None, original_due_on=None)
        return
    due_on = fields["due_on"] if "due_on" in fields else current.due_on
    if due_on is None:
        raise ValidationError(_("请填写完成时限。"))
    if due_on != current.due_on and (implausible := implausible_date_message(due_on)):
        raise ValidationError(implausible)  # 1800-01-01 would climb the whole reminder ladder at once
    fields["due_on"] = due_on
    if current.original_due_on is None:
        fields["original_due_on"] = due_on


def _display(measure: Measure, name: str) -> str:
    if name == "owners":
        return "、".join(p.name for p in measure.owners.all()) or "—"
    value = getattr(measure, name)
    if name == "kind":
        return str(measure.get_kind_display())
    return "—" if value in (None, "") else str(value)


def _redate_request(current: Measure, user, plan: UpwardDocument, fields: dict[str, Any], reason: str) -> PlanChange:
    """The deadline part of an edit on an approved plan, taken out of ``fields`` and asked
    for as a 方案调整 (with the kind when it changes too: a kind without its deadline
    would not hold together)."""
    new_due, kind = fields.pop("due_on"), fields.get("kind", current.kind)
    fields.pop("original_due_on", None)
    if kind != current.kind:
        fields.pop("kind")
    proposal = {"due_on": iso(new_due), "kind": kind, "old_due_on": iso(current.due_on)}
    return plan_change_request(
        plan=plan, user=user, action=PlanChange.Action.REDATE, measure=current, proposal=proposal, reason=reason
    )


@transaction.atomic
def measure_update(
    *, measure: Measure, user, expected_version: int | None, change_reason: str = "", **fields: Any
) -> Measure:
    """The secretary's edit of a measure's plan: owners, leader, deadline, title, kind …

    Used by the edit form and the bulk actions; records the change in the timeline. Once
    the inspection's plan is approved a new deadline is not set but asked for (方案调整,
    with ``change_reason``; the other fields are saved): the returned measure's
    ``plan_change`` is that pending request (None when there is none)."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"measure_update: cannot set {sorted(unknown)}")
    current = lock_measure(measure, expected_version)
    require(user, "edit_measure", current)
    current.plan_change = None
    if {"kind", "due_on"} & fields.keys():
        _apply_deadline(current, fields)
        if fields["due_on"] != current.due_on:
            plan = fixed_plan(current.finding.category.inspection)
            if plan is not None:
                current.plan_change = _redate_request(current, user, plan, fields, change_reason)
    owners = fields.pop("owners", None)
    people = [*(owners or []), *([fields["leader"]] if fields.get("leader") else [])]
    _check_people(current, people)
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if owners is not None and {p.pk for p in owners} != {p.pk for p in current.owners.all()}:
        changed.append("owners")
    if not changed:
        return current
    labels = []
    for name in changed:
        before = _display(current, name)
        if name == "owners":
            current.owners.set(owners)
            current._prefetched_objects_cache = {}
        else:
            setattr(current, name, fields[name])
        with record_language():
            labels.append(f"{Measure._meta.get_field(name).verbose_name}：{before} → {_display(current, name)}")
    save_fields = [n for n in changed if n != "owners"]
    if APPROVED_FIELDS & set(changed):
        save_fields += reopen_if_signed_off(current, user, gettext_lazy("内容"))
    with record_language():
        add_entry(current, user, ProgressEntry.Kind.SYSTEM, _("修改了") + "；".join(labels))
    save_measure(current, user, save_fields)
    return current


# ---------------------------------------------------------------------------- extensions


@transaction.atomic
def extension_request(
    *, measure: Measure, user, new_due_on: dt.date, reason: str, expected_version: int | None = None
) -> DeadlineExtension:
    """延期申请: ask for a later deadline; the secretary decides (extension_decide)."""
    current = lock_measure(measure, expected_version)
    require(user, "request_extension", current)
    if refusal := workflow.extension_refusal(current):
        raise ValidationError(refusal)
    if new_due_on <= current.due_on:
        raise ValidationError(_("申请的时限须晚于当前时限 {due}。").format(due=current.due_on))
    if implausible := implausible_date_message(new_due_on):
        raise ValidationError(implausible)
    if not reason.strip():
        raise ValidationError(_("请填写延期理由。"))
    if current.extensions.filter(state=DeadlineExtension.State.PENDING).exists():
        raise ValidationError(_("已有一份待审批的延期申请。"))
    extension = DeadlineExtension.objects.create(
        measure=current, old_due_on=current.due_on, new_due_on=new_due_on, reason=reason.strip(), requested_by=user
    )
    with record_language():
        text = _("申请延期：{old} → {new}。理由：{reason}").format(
            old=current.due_on, new=new_due_on, reason=reason.strip()
        )
    add_entry(current, user, ProgressEntry.Kind.EXTENSION, text)
    save_measure(current, user, [])
    notifications.notice_extension(extension)
    return extension


@transaction.atomic
def extension_decide(*, extension: DeadlineExtension, user, approve: bool, note: str = "") -> DeadlineExtension:
    """The secretary approves (the deadline moves, the original stays) or refuses (with a note)."""
    current = lock_measure(extension.measure)
    extension = DeadlineExtension.objects.select_for_update().get(pk=extension.pk)
    require(user, "decide_extension", current)
    if extension.state != DeadlineExtension.State.PENDING:
        raise ValidationError(_("该延期申请已处理。"))
    note = note.strip()
    if not approve and not note:
        raise ValidationError(_("不批准时请填写理由。"))
    if approve and current.due_on != extension.old_due_on:
        raise ValidationError(_("申请提交后时限已变更，请重新申请。"))
    if approve and (plan := fixed_plan(current.finding.category.inspection)) is not None:
        return _extension_forward(current, extension, user, plan, note)
    extension.state = DeadlineExtension.State.APPROVED if approve else DeadlineExtension.State.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = user, timezone.now(), note
    extension.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    fields: list[str] = []
    if approve:
        current.original_due_on = current.original_due_on or current.due_on
        current.due_on = extension.new_due_on
        fields = ["due_on", "original_due_on"]
        with record_language():
            text = _("批准延期：{old} → {new}。").format(old=extension.old_due_on, new=extension.new_due_on)
    else:
        with record_language():
            text = _("不批准延期（申请 {new}）。").format(new=extension.new_due_on)
    add_entry(current, user, ProgressEntry.Kind.EXTENSION, text + (" " + note if note else ""))
    save_measure(current, user, fields)
    notifications.notice_extension(extension)
    return extension


def _extension_forward(
    current: Measure, extension: DeadlineExtension, user, plan: UpwardDocument, note: str
) -> DeadlineExtension:
    """The secretary agrees to an extension of a measure on an approved plan: the new
    deadline is the plan's to change, so the request goes up as a 方案调整 (re-dating)
    naming the extension, which stays pending until the supervisor decides it
    (services/plan_changes.py then approves or refuses it too)."""
    reason = extension.reason + (_("（书记意见：{note}）").format(note=note) if note else "")
    proposal = {
        "due_on": iso(extension.new_due_on),
        "kind": current.kind,
        "old_due_on": iso(extension.old_due_on),
        "extension": extension.pk,
    }
    plan_change_request(
        plan=plan, user=user, action=PlanChange.Action.REDATE, measure=current, proposal=proposal, reason=reason
    )
    with record_language():
        text = _("书记同意延期至 {new}，整改方案已审核通过，已报上级审批。").format(new=extension.new_due_on)
    add_entry(current, user, ProgressEntry.Kind.EXTENSION, text)
    save_measure(current, user, [])
    extension.forwarded = True
    return extension
