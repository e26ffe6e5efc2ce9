"""Reads for the ledger export: measures -> ledger rows, which ``ledger/writer.py`` lays
out as an .xlsx for people.

Access is decided by the caller (the view scopes and authorises the inspection or uses
the measure-list selector); these functions export exactly the rows they are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from ..ledger.format import InspectionInfo, LedgerRow
from ..ledger.writer import ExportRow, LedgerExport
from ..models import Inspection, Measure


def ledger_inspection_info(inspection: Inspection) -> InspectionInfo:
    org = inspection.organisation
    return InspectionInfo(
        organisation_name=org.name,
        short_name=org.short_name,
        deployed_by=inspection.deployed_by,
        team=inspection.team,
        onsite_start=inspection.onsite_start,
        onsite_end=inspection.onsite_end,
        feedback_on=inspection.feedback_on,
        deadline=inspection.deadline,
    )


def _ordered(measures: QuerySet[Measure]) -> QuerySet[Measure]:
    return (
        measures.select_related("finding__category__inspection__organisation", "leader")
        .prefetch_related("owners")
        .order_by(
            "finding__category__inspection__organisation__path",
            "finding__category__inspection__feedback_on",
            "finding__category__inspection_id",
            "finding__category__position",
            "finding__position",
            "position",
        )
    )


def ledger_export_rows(*, measures: Iterable[Measure], today: dt.date, with_source: bool) -> list[ExportRow]:
    rows: list[ExportRow] = []
    for m in measures:
        finding = m.finding
        inspection = finding.category.inspection
        row = LedgerRow(
            row=0,
            category=finding.category.title,
            item=finding.heading,
            measure=m.title,
            problem=finding.problem,
            lead_in=finding.lead_in,
            progress=m.progress,
            kind=m.kind,
            due_on=m.due_on,
            status=m.status,
            leader=m.leader.name if m.leader else "",
            owners=[p.name for p in m.owners.all()],
            unit=m.unit,
            note=m.note,
        )
        source = f"{inspection.organisation.short_name} · {inspection.team}（{inspection.feedback_on:%Y-%m-%d}）"
        rows.append(ExportRow(row=row, overdue=m.is_overdue(today), source=source if with_source else ""))
    return rows


def ledger_export_for_inspection(*, inspection: Inspection, today: dt.date) -> LedgerExport:
    """The whole inspection, for ``write_inspection_ledger``.

    Queries: 2 (measures with their chain and leader; owners)."""
    measures = _ordered(Measure.objects.filter(finding__category__inspection=inspection))
    rows = ledger_export_rows(measures=measures, today=today, with_source=False)
    return LedgerExport(rows=rows, inspections=[ledger_inspection_info(inspection)], today=today)


def ledger_export_for_measures(*, measures: QuerySet[Measure], today: dt.date) -> LedgerExport:
    """A selection of measures, for ``write_selection_ledger``; rows spanning several
    inspections say which one each comes from.

    Queries: 2 (measures with their chain and leader; owners)."""
    # Re-select through a subquery: the caller's queryset may carry its own prefetches and order.
    measure_list = list(_ordered(Measure.objects.filter(pk__in=measures.values("pk"))))
    inspections = {m.finding.category.inspection.pk: m.finding.category.inspection for m in measure_list}
    rows = ledger_export_rows(measures=measure_list, today=today, with_source=len(inspections) > 1)
    infos = [ledger_inspection_info(i) for i in inspections.values()]
    return LedgerExport(rows=rows, inspections=infos, today=today)
