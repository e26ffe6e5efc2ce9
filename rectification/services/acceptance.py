"""Acceptance (验收): a supervisor accepts a signed-off measure, or returns it with a reason.

Whether the district asks for acceptance, and at which level, is the organisation's rule
(ReportingRules.acceptance_level, read by permissions.acceptance_level_of); which states
allow it is workflow.py's (``acceptance_refusal``); who may do it is ``accept_measure``.
Both writes lock the measure row (two supervisors, or the secretary reopening it, may act
at the same moment), check the version the page showed, and record a SignOff of level
supervisor with the frozen progress and evidence, so the timeline and the counts read the
decision from one place.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import workflow
from ..models import Measure, MeasureStatus, ProgressEntry, SignOff
from ..permissions import acceptance_level_of, require
from . import notifications
from .audit import Kind as AuditKind
from .audit import audit_record
from .measures import _snapshot, add_entry, lock_measure, save_measure
from .record import record_language


def _checked(measure: Measure, user, expected_version: int | None) -> Measure:
    current = lock_measure(measure, expected_version)
    require(user, "accept_measure", current)
    organisation = current.finding.category.inspection.organisation
    if refusal := workflow.acceptance_refusal(current, acceptance_level_of(organisation)):
        raise ValidationError(refusal)
    return current


def _record(current: Measure, user, decision: str, reason: str) -> SignOff:
    progress, evidence = _snapshot(current)
    return SignOff.objects.create(
        measure=current,
        decision=decision,
        level=SignOff.Level.SUPERVISOR,
        reason=reason,
        progress_snapshot=progress,
        evidence_snapshot=evidence,
        decided_by=user,
    )


@transaction.atomic
def measure_accept(*, measure: Measure, user, expected_version: int | None = None, note: str = "") -> SignOff:
    """验收通过: the measure stays done; the acceptance is its latest decision (已验收)."""
    current = _checked(measure, user, expected_version)
    sign_off = _record(current, user, SignOff.Decision.APPROVED, note.strip())
    with record_language():
        text = _("验收通过。") + (" " + note.strip() if note.strip() else "")
    add_entry(current, user, ProgressEntry.Kind.SIGN_OFF, text)
    current.accepted_at = sign_off.decided_at
    # The version moves so that a form still open on the signed-off state is refused.
    save_measure(current, user, ["accepted_at"])
    notifications.notice_acceptance(current, sign_off)
    audit_record(AuditKind.DECISION, actor=user, target=current, detail="accepted")
    return sign_off


@transaction.atomic
def measure_return_acceptance(*, measure: Measure, user, reason: str, expected_version: int | None = None) -> SignOff:
    """验收退回: the measure reopens (in progress) with the reason on its timeline; its
    people and secretary are told. It goes through sign-off and acceptance again."""
    if not reason.strip():
        raise ValidationError(_("退回时请填写理由。"))
    current = _checked(measure, user, expected_version)
    sign_off = _record(current, user, SignOff.Decision.SENT_BACK, reason.strip())
    with record_language():
        text = _("验收未通过，退回重新整改：") + reason.strip()
    add_entry(
        current,
        user,
        ProgressEntry.Kind.SEND_BACK,
        text,
        old_status=current.status,
        new_status=MeasureStatus.IN_PROGRESS,
    )
    current.status = MeasureStatus.IN_PROGRESS
    # No longer signed off: the sign-off fields and the re-check date go, as on a reopening.
    current.signed_off_at = current.signed_off_by = current.completed_on = current.recheck_on = None
    current.submitted_at = None
    save_measure(
        current, user, ["status", "signed_off_at", "signed_off_by", "completed_on", "recheck_on", "submitted_at"]
    )
    notifications.notice_acceptance(current, sign_off)
    audit_record(AuditKind.DECISION, actor=user, target=current, detail="acceptance returned")
    return sign_off
