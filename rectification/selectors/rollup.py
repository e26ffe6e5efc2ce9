"""Reads for the supervisors' roll-up: one row per organisation below theirs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max

from ..models import Inspection, Measure, Organisation
from .acceptance_opinions import ConclusionCounts, conclusion_counts
from .comments import CommentCounts, comment_counts
from .counting import Counts, count_expressions
from .deadlines import LateDocument, late_documents
from .urging import UrgingCounts, urging_counts


@dataclass
class RollupRow:
    organisation: Organisation
    depth: int
    parent_name: str
    inspections: int
    latest_feedback: dt.date | None  # feedback date of its latest inspection
    counts: Counts
    last_progress: dt.datetime | None
    # The documents handed upward it is late with, the longest late first (「整改方案 超期 5 天」).
    late_documents: list[LateDocument] = field(default_factory=list)
    # Urging from above (督办): open letters, late replies, talks held.
    urging: UrgingCounts = field(default_factory=UrgingCounts)
    # The acceptance's standing conclusions (整改验收意见): passed, second round (late).
    conclusions: ConclusionCounts = field(default_factory=ConclusionCounts)
    # The register of comments from the public (意见建议登记簿): received, answered, open.
    comments: CommentCounts = field(default_factory=CommentCounts)

    @property
    def most_days_late(self) -> int | None:
        return self.late_documents[0].days if self.late_documents else None


# Sort columns of the roll-up: the value each row is sorted by (None sorts last).
ROLLUP_SORTS: dict[str, Any] = {
    "org": lambda r: r.organisation.path,
    "inspections": lambda r: r.inspections,
    "measures": lambda r: r.counts.total,
    "rate": lambda r: r.counts.rate,
    "overdue": lambda r: r.counts.overdue,
    "last": lambda r: r.last_progress,
    "documents": lambda r: r.most_days_late,
    "urging": lambda r: (r.urging.open, r.urging.late),
    "talks": lambda r: r.urging.talks,
    "conclusions": lambda r: (r.conclusions.second_round, r.conclusions.passed),
}


def rollup_sort_key(value: str) -> tuple[str, bool]:
    """A valid sort column and direction from a GET value such as "-overdue"; unknown
    values fall back to the tree order."""
    column = value.removeprefix("-")
    if column not in ROLLUP_SORTS:
        return "org", False
    return column, value.startswith("-")


def rollup_rows(*, root: Organisation, today: dt.date, sort: str = "org") -> list[RollupRow]:
    """One row per organisation below ``root``: its inspections, measure counts,
    completion rate, overdue count, the time of its last progress report, the documents
    it is late with, the urging from above (open 督办函, late replies, talks) and the
    acceptance's conclusions (整改验收意见).

    Queries: 7 (organisations, inspections grouped by organisation, measures grouped by
    organisation, late documents, letters and talks grouped by organisation, issued
    opinions, comments grouped by organisation), whatever the number of organisations,
    measures or letters."""
    below = Organisation.objects.filter(path__startswith=root.path).exclude(pk=root.pk)
    # The parent's name only, not the parent: half the model instances to build.
    orgs = list(below.annotate(parent_short_name=F("parent__short_name")))
    org_ids = [o.pk for o in orgs]
    insp_rows = (
        Inspection.objects.filter(organisation_id__in=org_ids)
        .values("organisation_id")
        .annotate(n=Count("pk"), latest=Max("feedback_on"))
        .order_by()
    )
    inspections = {r["organisation_id"]: r for r in insp_rows}
    org_key = "finding__category__inspection__organisation_id"
    measure_rows = (
        Measure.objects.filter(**{f"{org_key}__in": org_ids})
        .values(org_key)
        .annotate(last_progress=Max("last_progress_at"), **count_expressions(today, 0))
        .order_by()
    )
    measures = {r[org_key]: r for r in measure_rows}
    late = late_documents(organisation_ids=org_ids, today=today)
    urging = urging_counts(organisation_ids=org_ids, today=today)
    conclusions = conclusion_counts(organisation_ids=org_ids, today=today)
    comments = comment_counts(organisation_ids=org_ids)
    root_depth = root.path.count("/")
    rows = [
        RollupRow(
            organisation=o,
            depth=o.path.count("/") - root_depth,
            parent_name=o.parent_short_name or "",
            inspections=inspections.get(o.pk, {}).get("n", 0),
            latest_feedback=inspections.get(o.pk, {}).get("latest"),
            counts=Counts.from_row(measures.get(o.pk, {})),
            last_progress=measures.get(o.pk, {}).get("last_progress"),
            late_documents=late.get(o.pk, []),
            urging=urging.get(o.pk, UrgingCounts()),
            conclusions=conclusions.get(o.pk, ConclusionCounts()),
            comments=comments.get(o.pk, CommentCounts()),
        )
        for o in orgs
    ]
    return _sorted_rows(rows, *rollup_sort_key(sort))


def _sorted_rows(rows: list[RollupRow], column: str, descending: bool) -> list[RollupRow]:
    """Sort by the column, ties in tree order; rows without a value (no rate, no
    progress yet) stay last in both directions."""
    value = ROLLUP_SORTS[column]
    rows = sorted(rows, key=lambda r: r.organisation.path)
    with_value = sorted((r for r in rows if value(r) is not None), key=value, reverse=descending)
    return with_value + [r for r in rows if value(r) is None]


@dataclass
class RollupTotals:
    inspections: int
    counts: Counts
    last_progress: dt.datetime | None
    late_documents: int = 0
    urging: UrgingCounts = field(default_factory=UrgingCounts)
    conclusions: ConclusionCounts = field(default_factory=ConclusionCounts)
    comments: CommentCounts = field(default_factory=CommentCounts)


def rollup_totals(rows: list[RollupRow]) -> RollupTotals:
    """The roll-up's total line, summed from its rows (no further query)."""
    last = max((r.last_progress for r in rows if r.last_progress), default=None)
    late = sum(len(r.late_documents) for r in rows)
    return RollupTotals(
        sum(r.inspections for r in rows),
        _summed(Counts, [r.counts for r in rows]),
        last,
        late,
        _summed(UrgingCounts, [r.urging for r in rows]),
        conclusions=_summed(ConclusionCounts, [r.conclusions for r in rows]),
        comments=_summed(CommentCounts, [r.comments for r in rows]),
    )


def _summed(counts_class, values: list):
    """One counts dataclass whose every field is the sum of that field over ``values``."""
    return counts_class(**{n: sum(getattr(v, n) for v in values) for n in counts_class.__dataclass_fields__})
