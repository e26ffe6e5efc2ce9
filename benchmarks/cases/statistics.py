"""Case 11: the district statistics workbook (巡察整改统计表) of every community of the
district, per organisation, per round and per standard heading, beside hand-written SQL
that computes the same figures (one GROUP BY per table and grouping)."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from rectification.devdata.scale import district_slug
from rectification.ledger.statistics import write_statistics
from rectification.models import Organisation
from rectification.selectors.statistics import statistics_data

from .. import data
from ..figures import Figure, Target, interleaved
from . import as_of, count_queries
from .dashboard import COUNTS

# From a row's inspection to the organisations below the district (the district's own excluded).
SCOPE = (
    " JOIN rectification_inspection i ON i.id = c.inspection_id"
    " WHERE i.organisation_id IN (SELECT id FROM rectification_organisation WHERE path LIKE %(prefix)s"
    " AND id <> %(root)s)"
)
MEASURES = "FROM rectification_measure m JOIN rectification_finding f ON f.id = m.finding_id"
MEASURES += " JOIN rectification_category c ON c.id = f.category_id" + SCOPE
LEAF = "NOT EXISTS (SELECT 1 FROM rectification_finding s WHERE s.parent_id = f.id)"


def _statements(key: str) -> list[str]:
    """The figures grouped by ``key`` (``i.organisation_id`` or ``i.round_no``)."""
    extra = (
        "sum(CASE WHEN m.kind = 'immediate' THEN 1 ELSE 0 END), sum(CASE WHEN m.kind = 'time_bound' THEN 1 ELSE 0 END),"
        " sum(CASE WHEN m.kind <> 'ongoing' AND m.status = 'done' AND m.completed_on IS NOT NULL"
        " AND m.completed_on <= coalesce(m.original_due_on, m.due_on) THEN 1 ELSE 0 END)"
    )
    finding_scope = "FROM rectification_finding f JOIN rectification_category c ON c.id = f.category_id" + SCOPE
    later_scope = (
        "FROM rectification_finding f JOIN rectification_finding e ON e.id = f.carried_from_id"
        " JOIN rectification_category c ON c.id = e.category_id" + SCOPE
    )
    register = "JOIN rectification_measure m ON m.id = r.measure_id JOIN rectification_finding f ON f.id = m.finding_id"
    register += " JOIN rectification_category c ON c.id = f.category_id" + SCOPE
    return [
        f"SELECT {key}, count(*) FROM rectification_inspection i WHERE i.organisation_id IN"
        " (SELECT id FROM rectification_organisation WHERE path LIKE %(prefix)s AND id <> %(root)s) GROUP BY 1",
        f"SELECT {key}, {COUNTS}, {extra} {MEASURES} GROUP BY 1",
        f"SELECT {key}, count(*), sum(CASE WHEN f.carried_from_id IS NOT NULL THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.carried_from_id IS NOT NULL AND NOT f.carried_done THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.recurrence = 'rebound' THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN f.recurrence = 'repeat' THEN 1 ELSE 0 END) {finding_scope} AND {LEAF} GROUP BY 1",
        f"SELECT {key}, sum(CASE WHEN f.recurrence = 'rebound' THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN f.recurrence = 'repeat' THEN 1 ELSE 0 END) {later_scope} AND {LEAF} GROUP BY 1",
        f"SELECT {key}, r.kind, count(*) FROM rectification_rulerecord r {register} GROUP BY 1, 2",
        f"SELECT {key}, r.kind, sum(r.count) FROM rectification_treatmentrecord r {register} GROUP BY 1, 2",
        f"SELECT {key}, r.kind, sum(r.amount) FROM rectification_moneyrecord r {register} GROUP BY 1, 2",
    ]


# By organisation, by round, and by standard heading (no inspection count: an inspection
# spans several headings).
STATEMENTS = _statements("i.organisation_id") + _statements("i.round_no") + _statements("c.heading_id")[1:]


def sql_statistics(root: Organisation, today: dt.date) -> list[list[tuple]]:
    """Every figure of the workbook by hand-written SQL: 20 statements, one cursor."""
    params = {"prefix": root.path + "%", "root": root.pk, "today": today, "soon": today}
    out = []
    with connection.cursor() as cur:
        for sql in STATEMENTS:
            cur.execute(sql, params)
            out.append(cur.fetchall())
    return out


def run(ctx) -> list[Figure]:
    spec = ctx.scale.main
    data.ensure(spec)
    district = Organisation.objects.get(slug=district_slug(spec))
    with as_of(ctx.today):

        def workbook() -> bytes:
            return write_statistics(statistics_data(root=district, today=ctx.today))

        sql = sql_statistics(district, ctx.today)
        figures = statistics_data(root=district, today=ctx.today)
        # The SQL and the selector agree on the headline figures.
        assert len(figures.rows) == spec.communities, len(figures.rows)
        assert sum(r[1] for r in sql[1]) == figures.total.counts.total
        money = sum(r[2] for r in sql[6])
        assert round(float(money), 2) == round(float(figures.total.value("money_total")), 2)
        queries = count_queries(workbook)
        times = interleaved(
            {
                "workbook": workbook,
                "selector": lambda: statistics_data(root=district, today=ctx.today),
                "sql": lambda: sql_statistics(district, ctx.today),
            },
            ctx.runs,
        )
    return [
        Figure(
            "statistics.workbook",
            times["workbook"],
            "ms",
            "statistics.sql",
            times["sql"],
            targets=[Target("ratio", "<=", 3)],
            note=f"{spec.communities} communities, {spec.total_measures:,} measures, {queries} queries:"
            " statistics_data + write_statistics (openpyxl) beside 20 hand-written GROUP BY statements",
        ),
        Figure(
            "statistics.selector",
            times["selector"],
            "ms",
            "statistics.sql",
            times["sql"],
            note="selectors.statistics.statistics_data alone (the ORM side, no workbook)",
        ),
    ]
