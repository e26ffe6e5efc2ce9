from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from ..models import Inspection, Measure, Organisation
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
