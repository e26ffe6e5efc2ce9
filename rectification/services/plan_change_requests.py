"""Asking for a change to an approved plan (方案调整).

Once the inspection's 整改方案 is approved it fixes the list of measures and their
deadlines (workflow.plan_is_fixed): the structure editor's additions and deletions, a
deadline changed on the measure form and a deadline extension the secretary approves
become a PlanChange here instead of a change, and the supervisors above decide it
(services/plan_changes.py, which applies it). This module only writes the request, so the
structure and measure services can ask for one without importing the module that applies
it through them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .. import workflow
from ..models import Measure, PlanChange, ProgressEntry, UpwardDocument
from ..permissions import require
from ..selectors.plan_changes import approved_plan
from ..text import CONTROL_CHARS, strip_control
from . import notifications
from .record import record_language

Action = PlanChange.Action
MAX_REASON = 2_000


def fixed_plan(inspection) -> UpwardDocument | None:
    """The inspection's plan if it fixes the measures now (approved), else None; its
    ``inspection`` is the caller's instance (organisation loaded). Queries: 1."""
    plan = approved_plan(inspection_id=inspection.pk)
    if not workflow.plan_is_fixed(plan):
        return None
    plan.inspection = inspection
    return plan


def iso(day: dt.date | None) -> str | None:
    """A date as the proposal stores it (JSON has no dates)."""
    return day.isoformat() if day else None


def clean_reason(reason: str, action: str) -> str:
    """The request's reason, required: the supervisor decides on it."""
    text = strip_control(str(reason or ""), CONTROL_CHARS).strip()
    if not text:
        raise ValidationError(
            _("整改方案已审核通过，%(what)s需报巡察办（街道）审批：请填写调整理由。")
            % {"what": workflow.plan_change_label(action)}
        )
    if len(text) > MAX_REASON:
        raise ValidationError(_("调整理由最多 %(n)s 个字。") % {"n": MAX_REASON})
    return text


def _refuse_second(measure: Measure) -> None:
    """One pending change per measure: a second would race the first's decision."""
    if PlanChange.objects.filter(measure=measure, state=PlanChange.State.PENDING).exists():
        raise ValidationError(
            _("措施「%(title)s」已有一份待审批的方案调整申请，请等待上级审批后再提交。") % {"title": measure.title[:30]}
        )


@transaction.atomic
def plan_change_request(
    *,
    plan: UpwardDocument,
    user,
    action: str,
    reason: str,
    measure: Measure | None = None,
    finding=None,
    proposal: dict[str, Any] | None = None,
) -> PlanChange:
    """Record a pending change of ``plan`` and tell the reviewing supervisors.

    ``measure`` for a removal or a re-dating (its row is locked, so two requests for it at
    once make one), ``finding`` and the new measure's fields in ``proposal`` for an
    addition. Nothing of the plan's measures changes here."""
    require(user, "request_plan_change", plan)
    if action not in Action.values:
        raise ValueError(f"unknown plan change {action!r}")
    reason = clean_reason(reason, action)
    proposal = dict(proposal or {})
    if measure is not None:
        measure = Measure.objects.select_for_update(of=("self",)).get(pk=measure.pk)
        _refuse_second(measure)
        proposal.setdefault("title", measure.title)  # said even once the measure is gone
    change = PlanChange.objects.create(
        plan=plan,
        action=action,
        measure=measure,
        finding=finding,
        proposal=proposal,
        reason=reason,
        requested_by=user,
    )
    change.plan = plan
    if measure is not None:
        with record_language():
            text = _("申请方案调整（{action}），待上级审批。理由：{reason}").format(
                action=change.get_action_display(), reason=reason
            )
        ProgressEntry.objects.create(measure=measure, kind=ProgressEntry.Kind.SYSTEM, author=user, text=text)
    notifications.notice_plan_change_requested(change)
    return change
