"""Reads for the 党内通报: the bulletin's data as members read it — every finding, with the
internal wording of its problem (问题描述) and those held back from publication (不予公开).
Never used for a public file (the public bulletin reads selectors.bulletins)."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper

from .. import workflow
from ..models import Bulletin, Measure, accepted_q
from .acceptance import acceptance_levels_for_paths
from .bulletins import _FINDING_FIELDS, _MEASURE_FIELDS, BulletinSource
from .inspections import category_tree


def internal_bulletin_source(*, bulletin: Bulletin) -> BulletinSource:
    """Queries: 3 for the tree, 1 for the acceptance rule (as bulletin_source)."""
    inspection = bulletin.inspection
    organisation = inspection.organisation
    measures = Measure.objects.only(*_MEASURE_FIELDS).annotate(
        is_accepted=ExpressionWrapper(accepted_q(), output_field=BooleanField())
    )
    categories = category_tree(
        inspection_id=inspection.pk, finding_fields=(*_FINDING_FIELDS, "problem"), measures=measures
    )
    level = acceptance_levels_for_paths([organisation.path])[organisation.path]
    return BulletinSource(
        bulletin=bulletin,
        inspection=inspection,
        organisation=organisation,
        categories=categories,
        acceptance=workflow.requires_acceptance(level),
    )
