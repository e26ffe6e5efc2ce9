"""Reads for the bulletin's review before publication: whether the district requires it,
the draft's latest submission, the supervisors' pending list, and the problems held back
from publication (不予公开)."""

from __future__ import annotations

from django.db.models import F, QuerySet

from ..deadlines import ancestor_ids
from ..models import BulletinReview, Finding, Inspection, Organisation, ReportingRules, WithheldFinding
from ..permissions import review_scope

# The frozen text is large; lists and the status never need it.
_HEAVY = ("html",)


def bulletin_review_required(*, organisation: Organisation) -> bool:
    """Whether the organisation's bulletin needs a supervisor's approval before it is
    published: the nearest organisation up its tree (itself first) with ReportingRules
    decides, as for the documents' deadlines; without any, no review (as before).

    Queries: 1."""
    ids = ancestor_ids(organisation.path)
    found = dict(
        ReportingRules.objects.filter(organisation_id__in=ids).values_list(
            "organisation_id", "bulletin_review_required"
        )
    )
    return next((found[pk] for pk in ids if pk in found), False)


def latest_bulletin_review(*, inspection: Inspection) -> BulletinReview | None:
    """The latest submission of the inspection's bulletin draft (without its text), with
    who submitted and who decided. Queries: 1."""
    return (
        BulletinReview.objects.filter(bulletin__inspection=inspection)
        .defer(*_HEAVY)
        .select_related("submitted_by", "decided_by")
        .order_by("-number")
        .first()
    )


def bulletin_reviews_of(*, inspection: Inspection) -> list[BulletinReview]:
    """Every submission of the draft, newest first (the record). Queries: 1."""
    return list(
        BulletinReview.objects.filter(bulletin__inspection=inspection)
        .defer(*_HEAVY)
        .select_related("submitted_by", "decided_by")
        .order_by("-number")
    )


def pending_bulletin_reviews(user) -> QuerySet[BulletinReview]:
    """Bulletin drafts awaiting a decision in the subtrees where the user is a supervisor."""
    return BulletinReview.objects.filter(
        review_scope(user, "bulletin__inspection__organisation__path"), state=BulletinReview.State.SUBMITTED
    )


def pending_bulletin_review_rows(*, user) -> QuerySet[BulletinReview]:
    """The review queue's third list: the drafts awaiting the supervisor, oldest first,
    each with ``organisation_name``, ``team``, ``submitted_by_name`` and
    ``submitted_by_username`` as values (a district's office reads hundreds: only the
    columns a row shows, no related instances). Queries: 1 per evaluation."""
    return (
        pending_bulletin_reviews(user)
        .only("id", "bulletin_id", "number", "state", "submitted_at")
        .annotate(
            organisation_name=F("bulletin__inspection__organisation__short_name"),
            team=F("bulletin__inspection__team"),
            submitted_by_name=F("submitted_by__first_name"),
            submitted_by_username=F("submitted_by__username"),
        )
        .order_by("submitted_at", "pk")
    )


def bulletin_review_page(*, pk: int, visible: QuerySet[Organisation]) -> BulletinReview:
    """One submission among the ``visible`` organisations' (``DoesNotExist`` otherwise),
    without its text (served apart), with its bulletin, inspection and organisation."""
    return (
        BulletinReview.objects.defer(*_HEAVY)
        .select_related("bulletin__inspection__organisation", "submitted_by", "decided_by")
        .get(pk=pk, bulletin__inspection__organisation__in=visible)
    )


def withheld_findings(*, inspection: Inspection) -> list[WithheldFinding]:
    """The inspection's problems held back from publication, in document order, with who
    recorded each. Queries: 1."""
    return list(
        WithheldFinding.objects.filter(finding__category__inspection=inspection)
        .select_related("finding__category", "recorded_by")
        .order_by("finding__category__position", "finding__position", "pk")
    )


def withholdable_findings(*, inspection: Inspection) -> QuerySet[Finding]:
    """The inspection's problems not yet held back: the choices of the 不予公开 form."""
    return (
        Finding.objects.filter(category__inspection=inspection, withholding__isnull=True)
        .only("pk", "heading")
        .order_by("category__position", "category_id", "position", "pk")
    )
