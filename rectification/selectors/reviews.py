"""Reads for the documents handed upward: the supervisors' review queue, a document's
history (versions, signatures, reviews) and what changed since a returned version."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from ..models import Inspection, Organisation, Review, SubmittedVersion, UpwardDocument, document_label
from ..permissions import Role, organisation_scope, review_scope
from .bulletin_review import pending_bulletin_reviews
from .plan_changes import pending_changes

Kind = UpwardDocument.Kind
State = UpwardDocument.State

# The frozen files and texts are large; lists and the history never need them.
_HEAVY = ("html", "pdf", "docx", "text", "content")


def _latest_version() -> QuerySet[SubmittedVersion]:
    return SubmittedVersion.objects.filter(document=OuterRef("pk")).order_by("-number")


def _awaiting(user) -> QuerySet[UpwardDocument]:
    """Documents under review in the subtrees where the user is a supervisor."""
    return UpwardDocument.objects.filter(review_scope(user, "inspection__organisation__path"), state=State.SUBMITTED)


# What a row of the queue shows (a district's office reads hundreds: only these columns,
# and the organisation's name and the inspection's team as values, not as model instances).
_QUEUE_FIELDS = ("id", "inspection_id", "kind", "sequence", "state", "due_on")


def review_queue_rows(*, user) -> QuerySet[UpwardDocument]:
    """What awaits the supervisor's decision across their subtree, oldest submission
    first, as a queryset to count and cut into pages. Each document carries
    ``organisation_name``, ``team`` and, from its latest version, ``version_number``,
    ``submitted_at``, ``submitted_by`` (name) and ``submitted_by_username``.

    Queries: 1 per evaluation (the documents joined to inspection and organisation, the
    latest version's fields as correlated subqueries), however many documents and
    versions there are."""
    latest = _latest_version()
    return (
        _awaiting(user)
        .only(*_QUEUE_FIELDS)
        .annotate(
            organisation_name=F("inspection__organisation__short_name"),
            team=F("inspection__team"),
            version_number=Subquery(latest.values("number")[:1]),
            submitted_at=Subquery(latest.values("signed_at")[:1]),
            submitted_by=Subquery(latest.values("signed_by__first_name")[:1]),
            submitted_by_username=Subquery(latest.values("signed_by__username")[:1]),
        )
        .order_by("submitted_at", "pk")
    )


def review_queue(*, user) -> list[UpwardDocument]:
    """All of ``review_queue_rows``. Queries: 1."""
    return list(review_queue_rows(user=user))


def returned_documents(*, user) -> list[UpwardDocument]:
    """Documents returned for revision in the organisations where the user is the secretary
    (the one who revises and resubmits them), oldest due first. Queries: 1."""
    scope = Q(inspection__organisation__in=Organisation.objects.filter(organisation_scope(user, [Role.SECRETARY])))
    return list(
        UpwardDocument.objects.filter(scope, state=State.RETURNED)
        .select_related("inspection__organisation")
        .defer("content")
        .order_by(F("due_on").asc(nulls_last=True), "pk")
    )


def review_queue_count(*, user) -> int:
    """How many documents, changes to approved plans (方案调整) and bulletin drafts await
    the user's decision: the navigation's count and the to-do home's. Queries: 1 (a
    UNION ALL of the three, counted)."""
    documents, changes = _awaiting(user).order_by().values("pk"), pending_changes(user).order_by().values("pk")
    bulletins = pending_bulletin_reviews(user).order_by().values("pk")
    return documents.union(changes, bulletins, all=True).count()


# ---------------------------------------------------------------------------- the inspection page


@dataclass(frozen=True)
class DocumentLink:
    kind: str
    sequence: int
    label: str
    state: str | None  # None: not opened yet
    state_label: str


def upward_links(*, inspection: Inspection) -> list[DocumentLink]:
    """The inspection's documents for its page: the plan, every report of the series and,
    once the last report is approved, the next one (or the first while there is none).

    Queries: 1.
    """
    rows = {
        (kind, sequence): state
        for kind, sequence, state in UpwardDocument.objects.filter(inspection=inspection).values_list(
            "kind", "sequence", "state"
        )
    }
    reports = sorted(seq for kind, seq in rows if kind == Kind.REPORT)
    wanted = [(Kind.PLAN, 1)] + [(Kind.REPORT, seq) for seq in reports]
    if not reports:
        wanted.append((Kind.REPORT, 1))
    elif rows[(Kind.REPORT, reports[-1])] == State.APPROVED:
        wanted.append((Kind.REPORT, reports[-1] + 1))
    links = []
    for kind, sequence in wanted:
        state = rows.get((kind, sequence))
        links.append(
            DocumentLink(
                kind, sequence, document_label(kind, sequence), state, str(State(state).label) if state else ""
            )
        )
    return links


# ---------------------------------------------------------------------------- the document page


@dataclass(frozen=True)
class DiffHunk:
    """One change between two texts: the lines removed and the lines added in their
    place, after the unchanged line that precedes them (if any), to say where it is."""

    after: str
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VersionDiff:
    old_number: int
    new_number: int
    hunks: list[DiffHunk]


def text_diff(old: str, new: str) -> list[DiffHunk]:
    """What changed from ``old`` to ``new``, line by line (a line is a paragraph of the
    document's plain text)."""
    a, b = old.splitlines(), new.splitlines()
    hunks = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        hunks.append(DiffHunk(after=a[i1 - 1] if i1 else "", removed=a[i1:i2], added=b[j1:j2]))
    return hunks


@dataclass(frozen=True)
class DocumentHistory:
    versions: list[SubmittedVersion]  # newest first; ``outcome``: its Review, None while undecided
    diff: VersionDiff | None  # the latest version against the returned one before it
    latest_return: Review | None  # the latest version's review when it returned it (to address)


def _review(version: SubmittedVersion) -> Review | None:
    try:
        return version.review
    except Review.DoesNotExist:
        return None


def document_history(*, document: UpwardDocument) -> DocumentHistory:
    """Every submitted version, newest first, with who signed it and its review (the
    files and texts left out), and, when the latest version follows a returned one,
    what changed since.

    Queries: 1 for the versions (signer, review and reviewer joined), plus 1 for the two
    texts when there is something to compare.
    """
    versions = list(
        SubmittedVersion.objects.filter(document=document)
        .defer(*_HEAVY)
        .select_related("signed_by", "review__reviewer")
        .order_by("-number")
    )
    for version in versions:
        version.outcome = _review(version)
    diff = None
    if len(versions) >= 2 and versions[1].outcome and versions[1].outcome.decision == Review.Decision.RETURNED:
        new, old = versions[0], versions[1]
        texts = dict(SubmittedVersion.objects.filter(pk__in=[old.pk, new.pk]).values_list("number", "text"))
        diff = VersionDiff(old.number, new.number, text_diff(texts[old.number], texts[new.number]))
    latest = versions[0].outcome if versions else None
    returned = latest if latest and latest.decision == Review.Decision.RETURNED else None
    return DocumentHistory(versions=versions, diff=diff, latest_return=returned)


def version_files(*, pk: int, files: bool = False) -> QuerySet[SubmittedVersion]:
    """A version with its document, inspection and organisation; its frozen files only
    when ``files`` (the downloads), never for a review."""
    rows = SubmittedVersion.objects.filter(pk=pk).select_related("document__inspection__organisation")
    return rows if files else rows.defer(*_HEAVY)
