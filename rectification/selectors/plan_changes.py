"""Reads for the changes to an approved plan (方案调整): whether an inspection's plan fixes
its measures, the changes awaiting a supervisor's decision across their subtree, and a
plan's changes for its page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, F, IntegerField, OuterRef, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from .. import workflow
from ..models import Measure, PlanChange, UpwardDocument
from ..permissions import review_scope

State = PlanChange.State

# What a row of the review queue shows: the plan's organisation and inspection (as values),
# the measure it concerns (an addition's title is in its proposal), who asked; only these
# columns (a district's office reads hundreds).
_QUEUE_FIELDS = (
    "id", "plan_id", "action", "proposal", "reason", "state", "requested_at", "measure_id", "finding_id",
    "measure__title",
)  # fmt: skip


def approved_plan(*, inspection_id: int) -> UpwardDocument | None:
    """The inspection's plan when it is approved (it then fixes the measures: see
    workflow.plan_is_fixed), else None. Queries: 1."""
    return (
        UpwardDocument.objects.filter(
            inspection_id=inspection_id, kind=UpwardDocument.Kind.PLAN, state=UpwardDocument.State.APPROVED
        )
        .only("pk", "inspection_id", "kind", "state", "sequence")
        .first()
    )


def plan_fixes_measures(*, inspection_id: int) -> bool:
    """Whether the inspection's approved plan fixes its measures and their deadlines now: the
    structure editor, the ledger import and the admin then ask for a 方案调整 instead of
    changing them. Queries: 1."""
    return workflow.plan_is_fixed(approved_plan(inspection_id=inspection_id))


def extension_forwarded() -> Exists:
    """On DeadlineExtension rows: whether the secretary agreed and forwarded the request as
    a pending 方案调整 (re-dating) naming it (services.measures._extension_forward); it
    then waits for the supervisor, not the secretary. No query of its own."""
    named = Cast(KeyTextTransform("extension", "proposal"), IntegerField())
    return Exists(
        PlanChange.objects.filter(measure=OuterRef("measure_id"), state=State.PENDING)
        .annotate(extension_id=named)
        .filter(extension_id=OuterRef("pk"))
    )


def pending_changes(user) -> QuerySet[PlanChange]:
    """Pending changes of plans in the subtrees where the user is a supervisor (the same
    scope as the documents' review queue)."""
    return PlanChange.objects.filter(review_scope(user, "plan__inspection__organisation__path"), state=State.PENDING)


def pending_plan_change_rows(*, user) -> QuerySet[PlanChange]:
    """What awaits the supervisor's decision, oldest request first, each with its measure
    and, as values, ``organisation_name``, ``team``, ``requested_by_name`` and
    ``requested_by_username``: a queryset to count and cut into pages; ``described`` then
    adds what a row shows. Queries: 1 per evaluation (all joined)."""
    return (
        pending_changes(user)
        .select_related("measure")
        .only(*_QUEUE_FIELDS)
        .annotate(
            organisation_name=F("plan__inspection__organisation__short_name"),
            team=F("plan__inspection__team"),
            requested_by_name=F("requested_by__first_name"),
            requested_by_username=F("requested_by__username"),
        )
        .order_by("requested_at", "pk")
    )


def pending_plan_changes(*, user) -> list[PlanChange]:
    """All of ``pending_plan_change_rows``, described (without their items). Queries: 1."""
    return described(pending_plan_change_rows(user=user), where=False)


def plan_changes_of(*, plan: UpwardDocument) -> list[PlanChange]:
    """Every change asked of ``plan``, newest first, pending and decided. Queries: 1."""
    return described(
        PlanChange.objects.filter(plan=plan)
        .select_related("measure__finding", "finding", "requested_by", "decided_by")
        .order_by("-requested_at", "-pk")
    )


def _date(value: str | None, open_ended: str) -> str:
    return dt.date.fromisoformat(value).isoformat() if value else open_ended


def described(changes: Iterable[PlanChange], *, where: bool = True) -> list[PlanChange]:
    """The rows, each with what a reader needs to decide it: ``action_label``, ``title``
    (the measure's, or the proposed or removed one's), ``detail`` (the new measure's kind
    and deadline, or the deadline's move) and, with ``where`` (the rows' findings and
    measures' findings loaded), ``where``: the item it concerns. The wording is translated
    once, not once a row (the review queue shows 25)."""
    rows = list(changes)
    actions = {value: str(label) for value, label in PlanChange.Action.choices}
    kinds = {value: str(label) for value, label in Measure.Kind.choices}
    open_ended, added, redated = _("不设时限"), _("%(kind)s · 完成时限 %(due)s"), _("完成时限 %(old)s → %(new)s")
    for change in rows:
        p = change.proposal or {}
        measure = change.measure
        change.action_label = actions.get(change.action, change.action)
        change.title = measure.title if measure else p.get("title", "")
        finding = None
        if where:
            finding = change.finding if change.action == PlanChange.Action.ADD else getattr(measure, "finding", None)
        change.where = finding.heading if finding else ""
        if change.action == PlanChange.Action.ADD:
            change.detail = added % {"kind": kinds.get(p.get("kind"), ""), "due": _date(p.get("due_on"), open_ended)}
        elif change.action == PlanChange.Action.REDATE:
            change.detail = redated % {
                "old": _date(p.get("old_due_on"), open_ended),
                "new": _date(p.get("due_on"), open_ended),
            }
        else:
            change.detail = ""
    return rows
