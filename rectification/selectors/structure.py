"""Reads for the structure editor: the inspection tree and the people to assign."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ..models import Category, Finding, Inspection, Measure, Membership, Organisation, Person
from ..permissions import organisation_scope


def inspection_tree(*, inspection: Inspection) -> list[Category]:
    """Categories in order; each has ``.top_findings`` (in order), each finding ``.subs``
    and ``.measure_list`` (leader and owners loaded).

    Queries: 4 however large the tree (categories, findings, measures with leader, owners).
    """
    measures = Measure.objects.select_related("leader").prefetch_related("owners").order_by("position", "pk")
    findings = Finding.objects.order_by("position", "pk").prefetch_related(Prefetch("measures", queryset=measures))
    categories = list(
        Category.objects.filter(inspection=inspection)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("findings", queryset=findings))
    )
    for category in categories:
        rows = list(category.findings.all())
        by_pk = {f.pk: f for f in rows}
        for f in rows:
            f.subs = []
            f.measure_list = list(f.measures.all())
        category.top_findings = []
        for f in rows:
            parent = by_pk.get(f.parent_id)
            (parent.subs if parent is not None and parent.parent_id is None else category.top_findings).append(f)
    return categories


def people_for_organisation(*, organisation_id: int) -> QuerySet[Person]:
    return Person.objects.filter(organisation_id=organisation_id).order_by("name", "pk")


def people_for_bulk(*, user) -> QuerySet[Person]:
    """People a secretary may assign in bulk: those of the organisations they run."""
    orgs = Organisation.objects.filter(organisation_scope(user, roles=[Membership.Role.SECRETARY]))
    return Person.objects.filter(organisation__in=orgs).select_related("organisation").order_by("organisation", "name")


def organisations_for_new_inspection(*, user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(organisation_scope(user, roles=[Membership.Role.SECRETARY])).order_by("path")
