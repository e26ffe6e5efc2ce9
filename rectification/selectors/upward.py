"""Reads for the documents handed upward (整改方案, 整改情况报告): the draft, the inspection's
tree with every measure's kind, deadline, leader, people and unit, the committee's leading
group, and the dashboard's figures counted by the dashboard's own rules (so the report
and the dashboard cannot disagree)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Prefetch, Q, Subquery

from ..models import Category, Inspection, Measure, Membership, Organisation, Person, UpwardDocument
from ..permissions import secretary_filter
from .counting import Counts, measure_outcome_annotations
from .dashboard import Items, dashboard_items, dashboard_tally, measure_facts
from .inspections import category_tree

# What the documents print of a measure: the internal ones included (they are never public).
_MEASURE_FIELDS = (
    "id", "finding_id", "position", "title", "progress", "status", "kind", "due_on", "unit", "leader__name",
    "leader__title",
)  # fmt: skip
_FINDING_FIELDS = ("id", "category_id", "parent_id", "position", "heading", "problem")


def upward_categories(*, inspection_id: int) -> list[Category]:
    """The inspection's categories in order, with findings, their measures, each measure's
    leader and owners. Queries: 4 (categories, findings, measures with leaders, owners)."""
    owners = Person.objects.only("id", "name").order_by("organisation", "name", "id")
    measures = (
        Measure.objects.select_related("leader")
        .only(*_MEASURE_FIELDS)
        .annotate(**measure_outcome_annotations())
        .prefetch_related(Prefetch("owners", queryset=owners))
    )
    return category_tree(inspection_id=inspection_id, finding_fields=_FINDING_FIELDS, measures=measures)


@dataclass(frozen=True)
class CommitteeMember:
    """A secretary or member (委员) of the committee, by the name and title they have as a
    responsible person there (else their account's name)."""

    name: str
    title: str
    is_secretary: bool


def committee_members(*, organisation: Organisation) -> list[CommitteeMember]:
    """The organisation's own secretaries (permissions.secretary_filter: the holders of the
    role there, active) first, then its members, in the order they joined. Queries: 1."""
    person = Person.objects.filter(organisation=organisation, user=OuterRef("user"))
    rows = (
        Membership.objects.filter(organisation=organisation)
        .filter(Q(**secretary_filter()) | Q(role=Membership.Role.MEMBER, user__is_active=True))
        .annotate(person_name=Subquery(person.values("name")[:1]), person_title=Subquery(person.values("title")[:1]))
        .values("role", "user__first_name", "user__username", "person_name", "person_title")
        .order_by("pk")
    )
    members = [
        CommitteeMember(
            name=r["person_name"] or r["user__first_name"] or r["user__username"],
            title=r["person_title"] or "",
            is_secretary=r["role"] == Membership.Role.SECRETARY,
        )
        for r in rows
    ]
    return sorted(members, key=lambda m: not m.is_secretary)


@dataclass(frozen=True)
class DashboardFigures:
    """The dashboard's figures of the inspection as of ``today`` (selectors.dashboard:
    the same facts, tally and item rule), and the counting rules each measure satisfies."""

    today: dt.date
    counts: Counts
    items: Items
    rules: dict[int, list[str]] = field(default_factory=dict)


def dashboard_figures_of(*, inspection: Inspection, today: dt.date) -> DashboardFigures:
    """Queries: 2 (the measures' facts, the findings for the item count)."""
    facts = measure_facts(inspection=inspection, today=today, due_soon_days=settings.RECTIFICATION["DUE_SOON_DAYS"])
    return DashboardFigures(
        today=today,
        counts=dashboard_tally(facts).counts,
        items=dashboard_items(inspection=inspection, facts=facts),
        rules={m.pk: m.rules for m in facts},
    )


@dataclass(frozen=True)
class UpwardSource:
    """Everything a plan or a report prints, read up front, so building the document
    queries nothing: the draft (maybe unsaved), its inspection and organisation, the tree
    (``category.findings.all()``, ``finding.measures.all()`` with ``leader`` and
    ``owners.all()``), the committee, and the dashboard's figures."""

    document: UpwardDocument
    inspection: Inspection
    organisation: Organisation
    categories: list[Category]
    committee: list[CommitteeMember]
    figures: DashboardFigures


def upward_source(*, document: UpwardDocument, today: dt.date) -> UpwardSource:
    """The data of ``document`` (documents.kinds.upward).

    Queries: 7 however large the inspection (categories, findings, measures with leaders,
    owners; the committee; the dashboard's facts and findings), plus 1 each for
    ``document.inspection`` and its organisation when they are not loaded already.
    """
    inspection = document.inspection
    organisation = inspection.organisation
    return UpwardSource(
        document=document,
        inspection=inspection,
        organisation=organisation,
        categories=upward_categories(inspection_id=inspection.pk),
        committee=committee_members(organisation=organisation),
        figures=dashboard_figures_of(inspection=inspection, today=today),
    )


def upward_draft(*, inspection: Inspection, kind: str, sequence: int = 1) -> UpwardDocument:
    """The inspection's document of ``kind`` (and ``sequence``, for reports); an unsaved
    default draft when none was written yet. Queries: 1."""
    document = UpwardDocument.objects.filter(inspection=inspection, kind=kind, sequence=sequence).first()
    if document is None:
        document = UpwardDocument(inspection=inspection, kind=kind, sequence=sequence)
    document.inspection = inspection  # share the caller's instance (organisation loaded)
    return document
