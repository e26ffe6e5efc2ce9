"""The district's statistics (巡察整改统计): per organisation (or per round) below a
supervisor's organisation, the measures by kind and state, the on-time rate, the problems
a 回头看 found back, and the outcome registers (rules, people dealt with, money), with a
total line. The rules of every figure are in ``counting.py``; the workbook's writer is
``ledger/statistics.py``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from ..models import Finding, Heading, Inspection, Measure, MoneyKind, Organisation, TreatmentKind
from .counting import (
    STATISTICS_COUNTS,
    ZERO,
    Counts,
    count_expressions,
    outcome_expressions,
    outcome_registers,
    recurrence_found_expressions,
    recurrence_later_expressions,
)

INSPECTION = "finding__category__inspection__"  # from a measure to its inspection
HEADING = "heading"  # group by the category's standard heading (标准问题方面)


@dataclass
class Figures:
    """Every figure of one group of inspections (an organisation, a round, the total)."""

    inspections: int | None = 0  # None by heading: an inspection spans several headings
    problems: int = 0
    counts: Counts = field(default_factory=Counts)
    # Problems a 回头看 brought in and what it found of them; this round's problems found
    # back later (see counting.RECURRENCE_RULES).
    recurrence: dict[str, int] = field(default_factory=dict)
    # rules_*, people_*, money_* (counting.outcome_expressions).
    outcomes: dict[str, Any] = field(default_factory=dict)

    def value(self, name: str) -> Any:
        """A figure by its column key (``statistics_columns``), zero when nothing was
        counted; a rate is None when nothing has a deadline."""
        if name in ("inspections", "problems"):
            return getattr(self, name)
        if name in ("rate", "on_time_rate") or name in Counts.__dataclass_fields__:
            return getattr(self.counts, name)
        if name.startswith(("rules_", "people_", "money_")):
            return self.outcomes.get(name) or (ZERO if name.startswith("money_") else 0)
        return self.recurrence.get(name, 0)


def statistics_columns() -> list[tuple[str, str]]:
    """(key, label) of every column of the statistics, in order: the page, the workbook and
    the tests read the same list."""
    columns = [
        ("inspections", _("巡察次数")),
        ("problems", _("问题数")),
        ("total", _("整改措施")),
        ("immediate", _("立行立改")),
        ("time_bound", _("限期整改")),
        ("ongoing", _("长期坚持")),
        ("done", _("已完成")),
        ("overdue", _("超期")),
        ("extended", _("已延期")),
        ("rate", _("完成率（%）")),
        ("on_time", _("按期完成")),
        ("on_time_rate", _("按期完成率（%）")),
        ("carried", _("回头看带入问题")),
        ("carried_open", _("其中带入时未完成")),
        ("found_rebound", _("回头看发现反弹")),
        ("found_repeat", _("回头看发现重复发生")),
        ("rebounded_later", _("本轮问题经回头看反弹")),
        ("repeated_later", _("本轮问题经回头看重复发生")),
        ("rules_made", _("新建制度")),
        ("rules_revised", _("修订制度")),
        ("rules_total", _("制度合计")),
    ]
    columns += [(f"people_{k}", _("处理人数·{kind}").format(kind=label)) for k, label in TreatmentKind.choices]
    columns += [("people_total", _("处理人数合计"))]
    columns += [(f"money_{k}", _("{kind}（万元）").format(kind=label)) for k, label in MoneyKind.choices]
    columns += [("money_total", _("资金合计（万元）"))]
    return columns


@dataclass
class StatisticsRow:
    label: str  # the organisation's short name, or 「第N轮」
    parent_name: str
    figures: Figures
    organisation: Organisation | None = None
    round_no: int | None = None


def _scope(root: Organisation, round_no: int | None) -> Q:
    """The inspections counted: every organisation below ``root`` (not its own), the round
    when one is chosen."""
    q = Q(organisation__path__startswith=root.path) & ~Q(organisation=root)
    return q & Q(round_no=round_no) if round_no is not None else q


def _prefixed(q: Q, prefix: str) -> Q:
    """``q`` (over Inspection) moved onto a model that reaches the inspection by ``prefix``."""
    children = [_prefixed(c, prefix) if isinstance(c, Q) else (prefix + c[0], c[1]) for c in q.children]
    return Q(*children, _connector=q.connector, _negated=q.negated)


def _grouped(queryset, key: str, aggregates: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    rows = queryset.values(key).annotate(**aggregates).order_by()
    return {row.pop(key): row for row in rows}


def _key(to_inspection: str, by: str) -> str:
    """The path to the group key from a model that reaches the inspection by
    ``to_inspection``: a field of the inspection, or the category's standard heading."""
    if by == HEADING:
        return to_inspection.removesuffix("inspection__") + "heading_id"
    return to_inspection + by


def statistics_figures(*, root: Organisation, today: dt.date, round_no: int | None, by: str) -> dict[Any, Figures]:
    """The figures grouped ``by`` "organisation_id" or "round_no" (of the inspection) or
    ``HEADING`` (the category's standard heading; no inspection count then).

    Queries: 7 whatever the number of organisations, rounds or measures (inspections,
    measures, problems with what a 回头看 found, problems found back later, rules,
    treatments, money), each one ``GROUP BY``; 6 by heading."""
    scope = _scope(root, round_no)
    groups: dict[Any, Figures] = {}

    def figures(key: Any) -> Figures:
        return groups.setdefault(key, Figures())

    if by != HEADING:
        for key, row in _grouped(Inspection.objects.filter(scope), by, {"n": Count("pk")}).items():
            figures(key).inspections = row["n"]
    measures = Measure.objects.filter(_prefixed(scope, INSPECTION))
    for key, row in _grouped(measures, _key(INSPECTION, by), count_expressions(today, 0, STATISTICS_COUNTS)).items():
        figures(key).counts = Counts.from_row(row)
    own = "category__inspection__"
    findings = Finding.objects.filter(_prefixed(scope, own))
    for key, row in _grouped(findings, _key(own, by), recurrence_found_expressions()).items():
        figures(key).problems = row.pop("problems")
        figures(key).recurrence.update(row)
    later_key = "carried_from__category__inspection__"
    later = Finding.objects.filter(_prefixed(scope, later_key))
    for key, row in _grouped(later, _key(later_key, by), recurrence_later_expressions()).items():
        figures(key).recurrence.update(row)
    for name, model in outcome_registers().items():
        rows = model.objects.filter(_prefixed(scope, "measure__" + INSPECTION))
        for key, row in _grouped(rows, _key("measure__" + INSPECTION, by), outcome_expressions()[name]).items():
            figures(key).outcomes.update(row)
    if by == HEADING:
        for group in groups.values():
            group.inspections = None
    return groups


def district_statistics(
    *, root: Organisation, today: dt.date, round_no: int | None = None
) -> tuple[list[StatisticsRow], Figures]:
    """One row per organisation below ``root`` with an inspection counted (of the round
    when one is chosen), in tree order, and the total line (summed from the rows).

    Queries: 8 (``statistics_figures`` and the organisations)."""
    groups = statistics_figures(root=root, today=today, round_no=round_no, by="organisation_id")
    orgs = Organisation.objects.filter(pk__in=list(groups)).select_related("parent").order_by("path")
    rows = [
        StatisticsRow(o.short_name, o.parent.short_name if o.parent else "", groups[o.pk], organisation=o) for o in orgs
    ]
    return rows, figures_total([r.figures for r in rows])


def round_statistics(*, root: Organisation, today: dt.date) -> tuple[list[StatisticsRow], Figures]:
    """One row per round (巡察轮次) below ``root``, inspections without a round last.

    Queries: 7."""
    groups = statistics_figures(root=root, today=today, round_no=None, by="round_no")
    keys = sorted(groups, key=lambda k: (k is None, k or 0))
    rows = [StatisticsRow(_round_label(k), "", groups[k], round_no=k) for k in keys]
    return rows, figures_total([r.figures for r in rows])


def heading_statistics(
    *, root: Organisation, today: dt.date, round_no: int | None = None
) -> tuple[list[StatisticsRow], Figures]:
    """One row per standard heading (四个聚焦 …) of the categories below ``root`` (of the
    round when chosen), in the code list's order, categories without one last (「未归类」).

    Queries: 7 (``statistics_figures`` by heading 6, the headings)."""
    groups = statistics_figures(root=root, today=today, round_no=round_no, by=HEADING)
    headings = {h.pk: h for h in Heading.objects.filter(pk__in=[k for k in groups if k is not None])}
    keys = sorted(groups, key=lambda k: (k is None, (headings[k].organisation_id, headings[k].position) if k else 0))
    rows = [StatisticsRow(headings[k].title if k else _("未归类"), "", groups[k]) for k in keys]
    return rows, figures_total([r.figures for r in rows])


def _round_label(round_no: int | None) -> str:
    return _("第{n}轮").format(n=round_no) if round_no is not None else _("未编轮次")


def figures_total(items: list[Figures]) -> Figures:
    """The total line: every figure summed over the rows (no query)."""
    names = Counts.__dataclass_fields__
    counts = Counts(**{n: sum(getattr(f.counts, n) for f in items) for n in names})
    recurrence: dict[str, int] = {}
    outcomes: dict[str, Any] = {}
    for f in items:
        for k, v in f.recurrence.items():
            recurrence[k] = recurrence.get(k, 0) + (v or 0)
        for k, v in f.outcomes.items():
            outcomes[k] = outcomes.get(k, Decimal(0) if k.startswith("money_") else 0) + (v or 0)
    return Figures(
        inspections=None if any(f.inspections is None for f in items) else sum(f.inspections or 0 for f in items),
        problems=sum(f.problems for f in items),
        counts=counts,
        recurrence=recurrence,
        outcomes=outcomes,
    )


@dataclass(frozen=True)
class StatisticsData:
    """Everything the statistics workbook and page print, read up front."""

    root: Organisation
    today: dt.date
    round_no: int | None
    rows: list[StatisticsRow]
    total: Figures
    round_rows: list[StatisticsRow]
    round_total: Figures
    rounds: list[int]  # the round numbers there are, for the choice
    heading_rows: list[StatisticsRow]
    heading_total: Figures

    @property
    def title(self) -> str:
        name = self.root.short_name
        if self.round_no is None:
            return _("{name}巡察整改统计表").format(name=name)
        return _("{name}第{n}轮巡察整改统计表").format(name=name, n=self.round_no)


def statistics_data(*, root: Organisation, today: dt.date, round_no: int | None = None) -> StatisticsData:
    """The statistics of ``root``'s organisations (of one round when chosen), of every
    round, and by standard heading (of the round when chosen). Queries: 22
    (``district_statistics`` 8, ``round_statistics`` 7, ``heading_statistics`` 7), however
    many organisations, rounds, headings and measures."""
    rows, total = district_statistics(root=root, today=today, round_no=round_no)
    round_rows, round_total = round_statistics(root=root, today=today)
    rounds = [r.round_no for r in round_rows if r.round_no is not None]
    heading_rows, heading_total = heading_statistics(root=root, today=today, round_no=round_no)
    return StatisticsData(
        root, today, round_no, rows, total, round_rows, round_total, rounds, heading_rows, heading_total
    )
