"""Reads for the bulletin: the draft with its inspection, the tree it is generated from,
and the published versions (public pages)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import BooleanField, ExpressionWrapper, Max, Q, QuerySet

from .. import workflow
from ..models import Bulletin, BulletinVersion, Category, Inspection, Measure, Organisation, accepted_q
from .acceptance import acceptance_levels_for_paths
from .counting import measure_outcome_annotations
from .inspections import category_tree

# Only what the bulletin prints or counts; the internal problem text never leaves here.
_MEASURE_FIELDS = (
    "id",
    "finding_id",
    "position",
    "title",
    "progress",
    "status",
    "kind",
)
_FINDING_FIELDS = ("id", "category_id", "parent_id", "position", "heading", "lead_in")


# Problems held back from publication (不予公开), and the sub-problems of one, never reach
# the bulletin's document: not its text, not its statistics, not any of its files. The
# editor nests one level; the grandparent covers a deeper tree made in the admin.
PUBLIC_FINDINGS = (
    Q(withholding__isnull=True) & Q(parent__withholding__isnull=True) & Q(parent__parent__withholding__isnull=True)
)


def bulletin_categories(*, inspection_id: int) -> list[Category]:
    """The inspection's categories in bulletin order, with the findings not held back from
    publication and their measures; each measure carries ``is_accepted`` (已验收,
    models.accepted_q) for the statistics.

    Queries: 3 however large the tree (categories, findings, measures).
    """
    measures = Measure.objects.only(*_MEASURE_FIELDS).annotate(
        is_accepted=ExpressionWrapper(accepted_q(), output_field=BooleanField()), **measure_outcome_annotations()
    )
    return category_tree(
        inspection_id=inspection_id,
        finding_fields=_FINDING_FIELDS,
        measures=measures,
        findings_filter=PUBLIC_FINDINGS,
    )


@dataclass(frozen=True)
class BulletinSource:
    """Everything a bulletin prints, read up front, so building its document queries
    nothing: the draft (maybe unsaved), its inspection and organisation, and the tree with
    findings and measures prefetched (``category.findings.all()``, ``finding.measures.all()``)."""

    bulletin: Bulletin
    inspection: Inspection
    organisation: Organisation
    categories: list[Category]
    # The district's rule asks for 验收: the statistics count a measure finished once accepted.
    acceptance: bool = False


def bulletin_source(*, bulletin: Bulletin) -> BulletinSource:
    """The data of ``bulletin``'s document (documents.kinds.bulletin.build_bulletin).

    Queries: 3 for the tree (bulletin_categories), 1 for the rule (acceptance), plus 1
    each for ``bulletin.inspection`` and its organisation when they are not loaded already.
    """
    inspection = bulletin.inspection
    organisation = inspection.organisation
    categories = bulletin_categories(inspection_id=inspection.pk)
    level = acceptance_levels_for_paths([organisation.path])[organisation.path]
    return BulletinSource(
        bulletin=bulletin,
        inspection=inspection,
        organisation=organisation,
        categories=categories,
        acceptance=workflow.requires_acceptance(level),
    )


def bulletin_draft(*, inspection: Inspection) -> Bulletin:
    """The inspection's bulletin draft; an unsaved default one when none was written yet.

    Queries: 1.
    """
    bulletin = Bulletin.objects.filter(inspection=inspection).first()
    if bulletin is None:
        bulletin = Bulletin(inspection=inspection)
    bulletin.inspection = inspection  # share the caller's instance (organisation loaded)
    return bulletin


def bulletin_versions(*, bulletin: Bulletin) -> QuerySet[BulletinVersion]:
    """The published versions of a draft (withdrawn ones included: they are the record),
    newest first, without the heavy columns, with who published and who withdrew."""
    if bulletin.pk is None:
        return BulletinVersion.objects.none()
    return (
        BulletinVersion.objects.filter(bulletin=bulletin)
        .defer("html", "pdf", "docx")
        .select_related("published_by", "withdrawn_by")
        .order_by("-number")
    )


def public_versions(*, organisation: Organisation) -> QuerySet[BulletinVersion]:
    """Every published version of the organisation's bulletins (withdrawn ones included,
    marked: the public list says what was withdrawn), newest inspection and version first,
    without the heavy columns.

    Queries: 1.
    """
    return (
        BulletinVersion.objects.filter(bulletin__inspection__organisation=organisation)
        .defer("html", "pdf", "docx")
        .select_related("bulletin__inspection")
        .order_by("-bulletin__inspection__feedback_on", "-bulletin_id", "-number")
    )


def current_version_ids(versions: list[BulletinVersion]) -> set[int]:
    """The ids of the current versions among ``versions``: per bulletin, the newest one not
    withdrawn. A withdrawn version is never current, and a bulletin whose versions are all
    withdrawn has none. Pure: reads what the caller loaded."""
    current: dict[int, BulletinVersion] = {}
    for version in versions:
        if version.withdrawn_at is not None:
            continue
        best = current.get(version.bulletin_id)
        if best is None or version.number > best.number:
            current[version.bulletin_id] = version
    return {version.pk for version in current.values()}


def public_version(*, organisation: Organisation, bulletin_id: int, number: int) -> BulletinVersion:
    """One published version of the organisation; ``BulletinVersion.DoesNotExist`` otherwise."""
    return BulletinVersion.objects.select_related("bulletin__inspection__organisation").get(
        # bulletin__id, not bulletin_id: an id from the URL too large for the column is then
        # "not found" (Django bounds-checks it), not an overflow in the database driver.
        bulletin__id=bulletin_id,
        number=number,
        bulletin__inspection__organisation=organisation,
    )


def public_organisations() -> QuerySet[Organisation]:
    """Organisations with at least one published bulletin version not withdrawn, for the
    public start page (no login), with the date of their latest such publication (the
    filter and the aggregate share one join, so a withdrawn version counts for neither).

    Queries: 1.
    """
    return (
        Organisation.objects.filter(
            # One filter() call, one join: a version that exists and is not withdrawn (the
            # second test alone would also match the NULLs of organisations without any).
            inspections__bulletin__versions__isnull=False,
            inspections__bulletin__versions__withdrawn_at__isnull=True,
        )
        .annotate(latest_published_at=Max("inspections__bulletin__versions__published_at"))
        .order_by("-latest_published_at", "name")
    )
