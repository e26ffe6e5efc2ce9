from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Prefetch, Q, QuerySet

from ..models import Category, Finding, Inspection, Measure, Organisation
from ..permissions import organisation_scope


def inspection_list_for_user(*, user) -> QuerySet[Inspection]:
    """Inspections of the organisations the user may see, newest first, with measure counts.

    Queries: 1, however many inspections.
    """
    done = Q(categories__findings__measures__status=Measure.Status.DONE)
    return (
        Inspection.objects.filter(organisation__in=Organisation.objects.filter(organisation_scope(user)))
        .select_related("organisation")
        .annotate(
            measure_count=Count("categories__findings__measures", distinct=True),
            done_count=Count("categories__findings__measures", filter=done, distinct=True),
        )
        .order_by("-feedback_on", "-pk")
    )


def category_tree(
    *,
    inspection_id: int,
    finding_fields: Sequence[str],
    measures: QuerySet[Measure],
    findings_filter: Q | None = None,
) -> list[Category]:
    """The inspection's categories in order, each with its findings (only ``finding_fields``,
    those matching ``findings_filter`` when given) and their ``measures``, in order: what
    every document of an inspection prints.

    Queries: 3 however large the tree, plus what ``measures`` prefetches itself.
    """
    findings = (
        Finding.objects.filter(findings_filter or Q())
        .only(*finding_fields)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("measures", queryset=measures.order_by("position", "pk")))
    )
    return list(
        Category.objects.filter(inspection_id=inspection_id)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("findings", queryset=findings))
    )
