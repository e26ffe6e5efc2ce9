"""Reads of the measure workflow: the list (「我的整改任务」), the measure page, the sign-off queue.

Every function here returns only what ``user`` may see (permissions.measure_scope) and
runs a fixed number of queries however many measures there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from ..filters import MeasureFilter
from ..models import DeadlineExtension, Evidence, Finding, Measure, MeasureStatus, Organisation, Person
from ..permissions import measure_scope, organisation_scope
from ..workflow import is_signed_off, measure_actions, open_send_back
from .plan_changes import extension_forwarded

LIST_RELATED = ("finding__category__inspection__organisation", "leader")


def measure_queryset(*, user) -> QuerySet[Measure]:
    """The measures ``user`` may see, with what a row or a permission check needs."""
    return (
        Measure.objects.filter(measure_scope(user))
        .select_related(*LIST_RELATED)
        .prefetch_related(Prefetch("owners", queryset=Person.objects.order_by("name")))
    )


def _evidence_count() -> Coalesce:
    """Evidence files per measure as a correlated subquery, not a JOIN + GROUP BY: grouping
    made the database group every visible row before sorting and cutting a page (a second
    per page for a district supervisor at 30,000 measures, see BENCHMARKS.md); the
    subquery runs for the rows of the page only."""
    files = Evidence.objects.filter(measure=OuterRef("pk")).order_by().values("measure").annotate(n=Count("pk"))
    return Coalesce(Subquery(files.values("n"), output_field=IntegerField()), 0)


def measure_filterset(*, user, filters: Mapping[str, Any], today: dt.date) -> MeasureFilter:
    queryset = measure_queryset(user=user).annotate(evidence_count=_evidence_count())
    return MeasureFilter(filters or None, queryset=queryset, user=user, today=today)


def measure_list(*, user, filters: Mapping[str, Any], today: dt.date) -> QuerySet[Measure]:
    """The one source of measure rows for lists and exports (contract: MeasureFilter params).

    Queries when evaluated: the rows (1) and their owners (1)."""
    return measure_filterset(user=user, filters=filters, today=today).qs


def due_soon_days() -> int:
    return settings.RECTIFICATION["DUE_SOON_DAYS"]


def mark_list_rows(measures: list[Measure], today: dt.date) -> None:
    """What a row of the measure list shows that is not a plain field: the deadline marks
    (``mark_deadlines``), ``owners_text`` (the names joined, "—" for none) and
    ``organisation_name``. A template loop over each row's owners and a four-step lookup
    of its organisation cost more than the rest of the row. No queries (owners come from
    measure_queryset's prefetch)."""
    mark_deadlines(measures, today)
    separator = _("、")
    for m in measures:
        m.owners_text = separator.join(p.name for p in m.owners.all()) or "—"
        m.organisation_name = m.finding.category.inspection.organisation.short_name


def mark_deadlines(measures: Iterable[Measure], today: dt.date) -> None:
    """Set ``overdue``, ``days_overdue``, ``due_soon`` and ``days_left`` on each row, for highlighting."""
    soon = due_soon_days()
    for m in measures:
        m.overdue = m.is_overdue(today)
        m.days_left = (m.due_on - today).days if m.due_on else None
        m.days_overdue = -m.days_left if m.overdue else 0
        m.due_soon = not m.overdue and not is_signed_off(m) and m.days_left is not None and m.days_left <= soon


# ---------------------------------------------------------------------------- measure page


@dataclass
class HistoryItem:
    when: dt.datetime
    who: Any
    what: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


# What a reader needs to see changing; bookkeeping fields (version, sweep flags) are left out.
MEASURE_HISTORY_FIELDS = (
    "title",
    "kind",
    "status",
    "due_on",
    "original_due_on",
    "leader",
    "unit",
    "progress",
    "note",
    "signed_off_by",
    "recheck_on",
)
FINDING_HISTORY_FIELDS = ("heading", "problem", "lead_in", "position")


def display_value(record: Any, name: str) -> str:
    """A field of a measure or of one of its historical records, as a reader sees it."""
    if name in ("leader", "signed_off_by"):
        related = getattr(record, name)
        if related is None:
            return "—"
        return str(getattr(related, "first_name", "") or related)
    if name in ("kind", "status"):
        return str(getattr(record, f"get_{name}_display")())
    value = getattr(record, name)
    return "—" if value in (None, "") else str(value)


def _diffs(records: list, fields: tuple[str, ...], model: type, label: str) -> list[HistoryItem]:
    """One item per historical record (newest first in ``records``), listing changed fields."""
    items = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        if newer.history_type == "+" or older is None:
            items.append(HistoryItem(newer.history_date, newer.history_user, _("创建{what}").format(what=label)))
            continue
        if newer.history_type == "-":
            items.append(HistoryItem(newer.history_date, newer.history_user, _("删除{what}").format(what=label)))
            continue
        changes = [
            (str(model._meta.get_field(n).verbose_name), display_value(older, n), display_value(newer, n))
            for n in fields
            if getattr(older, f"{n}_id" if n in ("leader", "signed_off_by") else n)
            != getattr(newer, f"{n}_id" if n in ("leader", "signed_off_by") else n)
        ]
        if changes:
            items.append(
                HistoryItem(newer.history_date, newer.history_user, _("修改{what}").format(what=label), changes)
            )
    return items


def _evidence_history(measure: Measure) -> list[HistoryItem]:
    records = Evidence.history.filter(measure_id=measure.pk).select_related("history_user")
    labels = {"+": _("上传佐证材料"), "-": _("删除佐证材料"), "~": _("修改佐证材料")}
    return [
        HistoryItem(r.history_date, r.history_user, labels[r.history_type], [(_("文件"), "", r.original_name)])
        for r in records
    ]


def measure_history(measure: Measure) -> list[HistoryItem]:
    """Who changed what and when: the measure, its evidence and its item (整改事项), newest first.

    Queries: 3 (measure, evidence and item history), whatever their length."""
    records = list(measure.history.select_related("history_user", "leader", "signed_off_by"))
    items = _diffs(records, MEASURE_HISTORY_FIELDS, Measure, _("整改措施"))
    finding_records = list(Finding.history.filter(id=measure.finding_id).select_related("history_user"))
    items += _diffs(finding_records, FINDING_HISTORY_FIELDS, Finding, _("整改事项"))
    items += _evidence_history(measure)
    return sorted(items, key=lambda i: i.when, reverse=True)


def measure_detail_data(*, measure: Measure, user, today: dt.date) -> dict[str, Any]:
    """Everything the measure page shows. ``measure`` comes from measure_queryset().

    Queries: evidence, timeline, sign-offs, extensions and 3 for the history: 7."""
    evidence = list(measure.evidence.select_related("uploaded_by"))
    for e in evidence:
        e.can_delete = user.has_perm("rectification.delete_evidence", e)
    extensions = list(
        measure.extensions.select_related("requested_by", "decided_by").annotate(forwarded=extension_forwarded())
    )
    pending = next((x for x in extensions if x.state == DeadlineExtension.State.PENDING), None)
    mark_deadlines([measure], today)
    sign_offs = list(measure.sign_offs.select_related("decided_by"))
    return {
        "measure": measure,
        "evidence": evidence,
        "entries": list(measure.entries.select_related("author")),
        "sign_offs": sign_offs,
        "send_back": open_send_back(measure, sign_offs),
        "extensions": extensions,
        "pending_extension": pending,
        "history": measure_history(measure),
        # What the page offers this user: workflow.py's answer, not the template's.
        "actions": measure_actions(user, measure, pending_extension=pending, sign_offs=sign_offs),
    }


# ---------------------------------------------------------------------------- sign-off queue


def signoff_awaiting(*, user) -> QuerySet[Measure]:
    """Measures awaiting sign-off in the organisations where ``user`` signs off, oldest
    submission first: the queue's first list, and the to-do home's count of it."""
    organisations = Organisation.objects.filter(organisation_scope(user, roles=["secretary"]))
    return Measure.objects.filter(
        status=MeasureStatus.AWAITING_SIGN_OFF, finding__category__inspection__organisation__in=organisations
    ).order_by("submitted_at", "pk")


def signoff_extensions(*, user) -> QuerySet[DeadlineExtension]:
    """Pending extension requests in the organisations where ``user`` decides them: the
    queue's second list, and the to-do home's count of it. Those the secretary agreed to
    and forwarded upward (an approved plan's 方案调整) wait for the supervisor instead."""
    organisations = Organisation.objects.filter(organisation_scope(user, roles=["secretary"]))
    return (
        DeadlineExtension.objects.filter(
            state=DeadlineExtension.State.PENDING,
            measure__finding__category__inspection__organisation__in=organisations,
        )
        .exclude(extension_forwarded())
        .order_by("requested_at", "pk")
    )


def signoff_queue(*, user) -> dict[str, list]:
    """The secretary's decisions: measures awaiting sign-off and pending extension requests,
    in the organisations where the user may sign off. Queries: 4."""
    awaiting = list(
        signoff_awaiting(user=user)
        .select_related(*LIST_RELATED)
        .prefetch_related(Prefetch("owners", queryset=Person.objects.order_by("name")), "evidence")
    )
    extensions = list(signoff_extensions(user=user).select_related("measure__finding", "requested_by"))
    return {"awaiting": awaiting, "extensions": extensions}
