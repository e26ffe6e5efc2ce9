"""Small builders for test data. They go through services where a service exists,
so tests see the same rows the app would write."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from rectification import services
from rectification.models import (
    Category,
    Finding,
    Inspection,
    Measure,
    Membership,
    MoneyRecord,
    Organisation,
    Person,
    RuleRecord,
    TreatmentRecord,
)

_seq = itertools.count(1)


def organisation(
    *, parent: Organisation | None = None, level: str = "community", name: str | None = None
) -> Organisation:
    n = next(_seq)
    return services.organisation_create(
        name=name or f"测试党组织{n}", short_name=f"测试{n}", slug=f"org-{n}", level=level, parent=parent
    )


def user(
    *, username: str | None = None, organisation: Organisation | None = None, role: str | None = None, name: str = ""
):
    u = get_user_model().objects.create_user(
        username=username or f"user{next(_seq)}", password="pw-Secret-123", first_name=name
    )
    if organisation is not None and role is not None:
        Membership.objects.create(user=u, organisation=organisation, role=role)
    return u


def person(*, organisation: Organisation, name: str | None = None, user=None) -> Person:
    return Person.objects.create(organisation=organisation, name=name or f"人员{next(_seq)}", user=user)


def inspection(*, organisation: Organisation, feedback_on: dt.date = dt.date(2025, 1, 21)) -> Inspection:
    return Inspection.objects.create(
        organisation=organisation,
        team="区委第四巡察组",
        onsite_start=dt.date(2024, 9, 25),
        onsite_end=dt.date(2024, 12, 27),
        feedback_on=feedback_on,
        deadline=dt.date(2025, 12, 31),
    )


def category(*, inspection: Inspection, title: str | None = None, position: int | None = None) -> Category:
    position = position or inspection.categories.count() + 1
    return Category.objects.create(inspection=inspection, title=title or f"关于测试{position}方面", position=position)


def finding(*, category: Category, heading: str | None = None, position: int | None = None, **extra) -> Finding:
    position = position or category.findings.count() + 1
    return Finding.objects.create(
        category=category, heading=heading or f"整改事项{position}", position=position, **extra
    )


def measure(
    *,
    finding: Finding,
    title: str | None = None,
    status: str = Measure.Status.IN_PROGRESS,
    kind: str = Measure.Kind.TIME_BOUND,
    due_on: dt.date | None = dt.date(2025, 6, 30),
    leader: Person | None = None,
    owners: list[Person] = (),
    position: int | None = None,
    **extra,
) -> Measure:
    position = position or finding.measures.count() + 1
    if kind == Measure.Kind.ONGOING:
        due_on = None
    if status == Measure.Status.DONE:
        extra.setdefault("signed_off_at", timezone.now())
    m = Measure.objects.create(
        finding=finding,
        title=title or f"措施{position}",
        status=status,
        kind=kind,
        due_on=due_on,
        original_due_on=due_on,
        leader=leader,
        position=position,
        **extra,
    )
    if owners:
        m.owners.set(owners)
    return m


def rule(measure: Measure, kind: str = "made", title: str = "议事规则", **extra) -> RuleRecord:
    return RuleRecord.objects.create(measure=measure, kind=kind, title=title, **extra)


def treatment(measure: Measure, count: int, kind: str = "criticism", **extra) -> TreatmentRecord:
    return TreatmentRecord.objects.create(measure=measure, kind=kind, count=count, **extra)


def money(measure: Measure, amount: str, kind: str = "recovered", **extra) -> MoneyRecord:
    return MoneyRecord.objects.create(measure=measure, kind=kind, amount=Decimal(amount), **extra)


def measure_in(organisation: Organisation, **kwargs) -> Measure:
    """A measure with the whole chain (inspection, category, finding) above it."""
    insp = inspection(organisation=organisation)
    return measure(finding=finding(category=category(inspection=insp)), **kwargs)
