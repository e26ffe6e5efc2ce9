"""Rounds of inspection: a 回头看 (or a later round) that follows an earlier inspection of
the same organisation, brings in the earlier round's problems with their last state, and
records which of them came back (反弹) or happened again (重复发生).

The figures of both rounds count the marks (``selectors/rounds.py``, with the rules in
``selectors/counting.py``): the 回头看 as problems found, the earlier round as its
problems that rebounded."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ..models import Category, Finding, Inspection, InspectionKind, MeasureStatus, Recurrence
from ..permissions import require
from .structure import _save, inspection_create


def _done_findings(inspection: Inspection) -> set[int]:
    """The earlier round's findings whose measures were all signed off (a finding without
    measures is not done). One query."""
    rows = (
        Finding.objects.filter(category__inspection=inspection)
        .annotate(n=Count("measures"), open=Count("measures", filter=~Q(measures__status=MeasureStatus.DONE)))
        .values_list("pk", "n", "open")
    )
    return {pk for pk, n, still_open in rows if n and not still_open}


@transaction.atomic
def follow_up_create(
    *,
    user,
    earlier: Inspection,
    team: str,
    onsite_start: dt.date,
    onsite_end: dt.date,
    feedback_on: dt.date,
    kind: str = InspectionKind.FOLLOW_UP,
    round_no: int | None = None,
    deployed_by: str | None = None,
    deadline: dt.date | None = None,
) -> Inspection:
    """A new inspection of ``earlier``'s organisation that follows it, with a copy of each of
    its categories and problems (headings, internal wording, lead-ins, sub-problems), each
    linked to the problem it came from and marked whether that was done (all its measures
    signed off) at this moment. Measures are not copied: the new round plans its own."""
    require(user, "rectification.manage_inspection", earlier)
    if kind not in InspectionKind.values:
        raise ValidationError(_("未知的巡察类型。"))
    if onsite_start <= earlier.feedback_on:
        raise ValidationError(_("“回头看”须在前一轮巡察反馈之后进驻。"))
    if round_no is not None and earlier.round_no is not None and round_no < earlier.round_no:
        raise ValidationError(_("轮次不能早于前一轮巡察的轮次。"))
    inspection = inspection_create(
        user=user,
        organisation=earlier.organisation,
        team=team,
        onsite_start=onsite_start,
        onsite_end=onsite_end,
        feedback_on=feedback_on,
        deployed_by=deployed_by or earlier.deployed_by,
        deadline=deadline,
    )
    inspection.kind, inspection.round_no, inspection.follows = kind, round_no, earlier
    _save(inspection, user, ["kind", "round_no", "follows"])
    done = _done_findings(earlier)
    findings = list(
        Finding.objects.filter(category__inspection=earlier).order_by("category__position", "position", "pk")
    )
    copies: dict[int, Finding] = {}
    for old in Category.objects.filter(inspection=earlier).order_by("position", "pk"):
        category = Category(inspection=inspection, title=old.title, position=old.position, heading_id=old.heading_id)
        _save(category, user)
        # Parents come before their sub-problems in position order (document order).
        for f in (f for f in findings if f.category_id == old.pk):
            copy = Finding(
                category=category,
                parent=copies.get(f.parent_id),
                position=f.position,
                heading=f.heading,
                problem=f.problem,
                lead_in=f.lead_in,
                carried_from=f,
                carried_done=f.pk in done,
            )
            _save(copy, user)
            copies[f.pk] = copy
    return inspection


@transaction.atomic
def finding_mark_recurrence(*, user, finding: Finding, recurrence: str) -> Finding:
    """What the 回头看 found of a problem it brought in: 反弹 (fixed, then back), 重复发生
    (the same problem again), or nothing ("")."""
    inspection = finding.category.inspection
    require(user, "rectification.manage_inspection", inspection)
    if recurrence and recurrence not in Recurrence.values:
        raise ValidationError(_("未知的回头看结论。"))
    if finding.carried_from_id is None:
        raise ValidationError(_("只有从前一轮带入的问题才能标注反弹或重复发生。"))
    finding.recurrence = recurrence
    _save(finding, user, ["recurrence"])
    return finding
