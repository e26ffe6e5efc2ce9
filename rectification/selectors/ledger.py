"""Reads for the ledger export: measures -> ledger rows -> an .xlsx laid out for people.

Access is decided by the caller (the view scopes and authorises the inspection or uses
the measure-list selector); these functions export exactly the rows they are given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from ..ledger.format import InspectionInfo, LedgerRow
from ..ledger.writer import ExportRow, write_ledger
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


def _summary(rows: list[ExportRow], today: dt.date) -> list[tuple[str, str]]:
    done = sum(1 for r in rows if r.row.status == Measure.Status.DONE)
    overdue = sum(1 for r in rows if r.overdue)
    return [
        ("导出日期", f"{today:%Y-%m-%d}"),
        ("整改措施", f"{len(rows)} 条，已完成 {done} 条，超期 {overdue} 条"),
    ]


def ledger_workbook_for_inspection(*, inspection: Inspection, today: dt.date) -> bytes:
    """The whole inspection as an importable ledger.

    Queries: 2 (measures with their chain and leader; owners)."""
    measures = _ordered(Measure.objects.filter(finding__category__inspection=inspection))
    rows = ledger_export_rows(measures=measures, today=today, with_source=False)
    title = f"{inspection.organisation.short_name}巡察整改台账"
    return write_ledger(
        info=ledger_inspection_info(inspection), rows=rows, title=title, extra_info=_summary(rows, today)
    )


def ledger_workbook_for_measures(*, measures: QuerySet[Measure], today: dt.date, description: str = "") -> bytes:
    """A selection of measures (e.g. the filtered measure list). One inspection gives an
    importable ledger; several add a 「所属巡察」 column and list the inspections.

    Queries: 2 (measures with their chain and leader; owners)."""
    # Re-select through a subquery: the caller's queryset may carry its own prefetches and order.
    measure_list = list(_ordered(Measure.objects.filter(pk__in=measures.values("pk"))))
    inspections = {m.finding.category.inspection.pk: m.finding.category.inspection for m in measure_list}
    several = len(inspections) > 1
    rows = ledger_export_rows(measures=measure_list, today=today, with_source=several)
    extra = _summary(rows, today) + ([("筛选条件", description)] if description else [])
    if len(inspections) == 1:
        (only,) = inspections.values()
        return write_ledger(info=ledger_inspection_info(only), rows=rows, title="巡察整改台账", extra_info=extra)
    sources = [ledger_inspection_info(i) for i in inspections.values()]
    return write_ledger(info=None, rows=rows, title="巡察整改台账", extra_info=extra, sources=sources)
