"""Reads for the secretary's dashboard of one inspection.

Every figure is counted with the counting rules (counting.py: the same Q rules the
measure list filters with), and every figure carries the measure-list parameters that
select exactly its rows (``Figure.params``), so a number and the list behind it cannot
disagree. The burn-down is in trend.py, the supervisors' roll-up in rollup.py.

The number of queries never depends on the data. The dashboard reads its inspection's
measures once, with every counting rule evaluated per measure by the database
(``measure_facts``), and adds them up in Python for the headline, every table, the
burn-down and the choice of the listed measures; lists are capped at ``LIST_LIMIT`` rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    OuterRef,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import (
    Finding,
    Inspection,
    Measure,
    MeasureKind,
    MeasureStatus,
    Organisation,
    ProgressEntry,
    status_label,
)
from ..permissions import visible_organisations
from .counting import OPEN_STATUSES, Counts, count_rules
from .trend import Trend, dashboard_trend, local_date

LIST_LIMIT = 50
ACTIVITY_LIMIT = 15


# --- what the page shows ----------------------------------------------------------------


@dataclass
class Figure:
    """A headline number and the measure-list parameters that select its rows."""

    key: str
    label: str
    value: int
    params: dict[str, Any] | None
    tone: str = ""
    url: str = ""  # filled in by the view


@dataclass
class GroupRow:
    """One row of a breakdown table (category, leader, person)."""

    key: int | None
    label: str
    counts: Counts
    param: str | None  # the measure-list parameter that selects this group
    links: dict[str, str] = field(default_factory=dict)  # filled in by the view

    def params(self, **extra: Any) -> dict[str, Any] | None:
        if self.key is None or self.param is None:
            return None
        return {self.param: self.key, **extra}


@dataclass
class Items:
    total: int = 0
    done: int = 0
    without_measures: int = 0


@dataclass
class Activity:
    at: dt.datetime
    kind: str
    who: str
    text: str
    measure_id: int | None
    measure_title: str


@dataclass
class Dashboard:
    inspection: Inspection
    today: dt.date
    due_soon_days: int
    counts: Counts
    items: Items
    figures: list[Figure]
    by_category: list[GroupRow]
    by_leader: list[GroupRow]
    by_owner: list[GroupRow]
    overdue: list[MeasureFacts]
    due_soon: list[MeasureFacts]
    awaiting: list[MeasureFacts]
    ongoing: list[MeasureFacts]
    trend: Trend
    activity: list[Activity] = field(default_factory=list)

    @property
    def fig(self) -> dict[str, Figure]:
        """The headline figures by key, for templates."""
        return {f.key: f for f in self.figures}

    @property
    def base_params(self) -> dict[str, Any]:
        return {"organisation": self.inspection.organisation_id, "inspection": self.inspection.pk}


# --- selectors -----------------------------------------------------------------------


def dashboard_organisations(*, user) -> QuerySet[Organisation]:
    """Organisations the user may see that have at least one inspection (the selector)."""
    has_inspection = Exists(Inspection.objects.filter(organisation=OuterRef("pk")))
    return visible_organisations(user).filter(has_inspection).order_by("path")


def dashboard_inspections(*, organisation: Organisation) -> QuerySet[Inspection]:
    """The organisation's inspections, latest first (the first one is the default)."""
    return organisation.inspections.order_by("-feedback_on", "-pk")


def dashboard_measures(*, inspection: Inspection) -> QuerySet[Measure]:
    return Measure.objects.filter(finding__category__inspection=inspection)


def dashboard_items(*, inspection: Inspection, facts: list[MeasureFacts]) -> Items:
    """Rectification items (整改事项), counted at the lowest level (a finding with
    sub-problems is counted through them); an item is done when it has measures and all
    are signed off. Queries: 1 (the inspection's findings; their measures are the facts)."""
    findings = list(Finding.objects.filter(category__inspection=inspection).values_list("pk", "parent_id"))
    parents = {parent for _pk, parent in findings if parent is not None}
    measures: dict[int, int] = {}
    still_open: set[int] = set()
    for m in facts:
        measures[m.finding_id] = measures.get(m.finding_id, 0) + 1
        if "done" not in m.rules:
            still_open.add(m.finding_id)
    leaves = [pk for pk, _parent in findings if pk not in parents]
    return Items(
        total=len(leaves),
        done=sum(1 for pk in leaves if measures.get(pk) and pk not in still_open),
        without_measures=sum(1 for pk in leaves if not measures.get(pk)),
    )


def count_params(key: str, due_soon_days: int) -> dict[str, Any]:
    """The measure-list parameters that select exactly the rows behind the count ``key``
    (added to the organisation and inspection, and a group's own parameter)."""
    status = MeasureStatus
    return {
        "total": {},
        "done": {"status": [status.DONE]},
        "accepted": {"accepted": 1},
        "awaiting": {"status": [status.AWAITING_SIGN_OFF]},
        "in_progress": {"status": [status.IN_PROGRESS]},
        "not_started": {"status": [status.NOT_STARTED]},
        "open": {"status": OPEN_STATUSES},
        "overdue": {"overdue": 1},
        "due_soon": {"due_within": due_soon_days},
        "ongoing": {"kind": MeasureKind.ONGOING},
    }[key]


FIGURES = [
    ("total", pgettext_lazy("dashboard figure", "整改措施"), "total"),
    ("done", _("已完成（已销号）"), "done"),
    ("awaiting", _("待销号"), "awaiting"),
    ("in_progress", _("推进中"), "in_progress"),
    ("not_started", _("未启动"), "not_started"),
    ("overdue", _("超期"), "overdue"),
    ("due_soon", _("{days}日内到期"), "due_soon"),
    ("ongoing", _("长期坚持"), "ongoing"),
]


# Beside 已销号 where the district's rule asks for acceptance (验收) after the sign-off.
ACCEPTED_FIGURE = ("accepted", _("其中已验收"), "done")


def dashboard_figures(*, counts: Counts, due_soon_days: int, acceptance: bool = False) -> list[Figure]:
    """The headline figures, each with the list parameters that reproduce its rows; with
    ``acceptance`` (the organisation's rule asks for it) 已验收 follows 已销号."""
    figures = list(FIGURES)
    if acceptance:
        figures.insert(2, ACCEPTED_FIGURE)
    return [
        Figure(key, str(label).format(days=due_soon_days), getattr(counts, key), count_params(key, due_soon_days), tone)
        for key, label, tone in figures
    ]


# --- one pass over the inspection's measures -----------------------------------------


@dataclass
class MeasureFacts:
    """One measure as the dashboard sees it: the counting rules it satisfies (evaluated
    by the database), what groups it, and what its lists show."""

    pk: int
    rules: list[str]
    title: str
    status: str
    due_on: dt.date | None
    original_due_on: dt.date | None
    signed_off_at: dt.datetime | None
    submitted_at: dt.datetime | None
    last_progress_at: dt.datetime | None
    stale_since: dt.date | None
    finding_id: int
    finding_heading: str
    category: tuple[int, str, int]  # id, title, position
    leader: tuple[int | None, str | None]  # id, name
    owners: list[tuple[int, str]] = field(default_factory=list)
    # Set for the lists (``_add_day_counts``).
    days_late: int | None = None
    days_left: int | None = None
    days_waiting: int | None = None
    days_silent: int | None = None

    def get_status_display(self) -> str:
        return status_label(self.status)

    @property
    def is_extended(self) -> bool:
        return self.original_due_on is not None and self.original_due_on != self.due_on

    @property
    def category_title(self) -> str:
        return self.category[1]

    @property
    def leader_name(self) -> str:
        return self.leader[1] or ""

    @property
    def owner_names(self) -> list[str]:
        return [name for _id, name in self.owners]


FACT_FIELDS = {
    # MeasureFacts attribute: the values() lookup behind it
    "pk": "pk", "title": "title", "status": "status", "due_on": "due_on", "original_due_on": "original_due_on",
    "signed_off_at": "signed_off_at", "submitted_at": "submitted_at", "last_progress_at": "last_progress_at",
    "stale_since": "stale_since", "finding_id": "finding_id", "finding_heading": "finding__heading",
}  # fmt: skip
GROUP_FIELDS = [
    "finding__category_id", "finding__category__title", "finding__category__position", "leader_id", "leader__name",
    "owners__id", "owners__name",
]  # fmt: skip


def measure_facts(*, inspection: Inspection, today: dt.date, due_soon_days: int) -> list[MeasureFacts]:
    """The inspection's measures with every counting rule evaluated, one row per measure
    and owner. Every count, table, chart and list of the dashboard comes from these rows,
    so they are fetched once instead of once per table and list. Queries: 1."""
    rules = count_rules(today, due_soon_days)
    flags = {f"rule_{name}": ExpressionWrapper(q, output_field=BooleanField()) for name, q in rules.items()}
    rows = (
        dashboard_measures(inspection=inspection)
        .values(*FACT_FIELDS.values(), *GROUP_FIELDS, **flags)
        .order_by("pk", "owners__organisation", "owners__name", "owners__id")  # owners as Person orders them
    )
    facts: dict[int, MeasureFacts] = {}
    for r in rows:
        m = facts.get(r["pk"])
        if m is None:
            m = facts[r["pk"]] = MeasureFacts(
                **{attr: r[lookup] for attr, lookup in FACT_FIELDS.items()},
                rules=[name for name in rules if r[f"rule_{name}"]],
                category=(r["finding__category_id"], r["finding__category__title"], r["finding__category__position"]),
                leader=(r["leader_id"], r["leader__name"]),
            )
        if r["owners__id"] is not None:
            m.owners.append((r["owners__id"], r["owners__name"]))
    return list(facts.values())


@dataclass
class Tally:
    counts: Counts
    by_category: list[GroupRow]
    by_leader: list[GroupRow]
    by_owner: list[GroupRow]


def dashboard_tally(facts: list[MeasureFacts]) -> Tally:
    """Headline counts and the per category, per leader and per person tables (a
    measure with two owners counts for both). No queries."""
    counts = Counts()
    categories: dict[int, tuple[tuple[int, str], Counts]] = {}
    leaders: dict[int | None, tuple[str | None, Counts]] = {}
    owners: dict[int | None, tuple[str | None, Counts]] = {}
    for m in facts:
        counts.add(m.rules)
        category_id, title, position = m.category
        categories.setdefault(category_id, ((position, title), Counts()))[1].add(m.rules)
        leaders.setdefault(m.leader[0], (m.leader[1], Counts()))[1].add(m.rules)
        for owner_id, name in m.owners or [(None, None)]:
            owners.setdefault(owner_id, (name, Counts()))[1].add(m.rules)
    by_category = [
        GroupRow(key, title, group_counts, "category")
        for key, ((_position, title), group_counts) in sorted(categories.items(), key=lambda kv: (kv[1][0][0], kv[0]))
    ]
    return Tally(
        counts=counts,
        by_category=by_category,
        by_leader=_people_rows(leaders, "leader", _("未指定责任领导")),
        by_owner=_people_rows(owners, "owner", _("未指定责任人")),
    )


def _people_rows(groups: dict[int | None, tuple[str | None, Counts]], param: str, nobody: str) -> list[GroupRow]:
    """Most overdue first, then most open: who is behind comes first."""
    out = [GroupRow(key, name or str(nobody), counts, param) for key, (name, counts) in groups.items()]
    out.sort(key=lambda g: (-g.counts.overdue, -g.counts.open, -g.counts.total, g.label))
    return out


_EPOCH = dt.datetime.min.replace(tzinfo=dt.UTC)


def _nulls_last(value: dt.datetime | None) -> tuple[bool, dt.datetime]:
    return value is None, value or _EPOCH


def _nulls_first(value: dt.datetime | None) -> tuple[bool, dt.datetime]:
    return value is not None, value or _EPOCH


# Each list: which measures it shows (counting rules) and in what order.
LISTS: dict[str, tuple[Callable[[MeasureFacts], bool], Callable[[MeasureFacts], Any]]] = {
    "overdue": (lambda m: "overdue" in m.rules, lambda m: (m.due_on, m.pk)),
    "due_soon": (lambda m: "due_soon" in m.rules, lambda m: (m.due_on, m.pk)),
    "awaiting": (lambda m: "awaiting" in m.rules, lambda m: (_nulls_last(m.submitted_at), m.pk)),
    "ongoing": (
        lambda m: "ongoing" in m.rules and "done" not in m.rules,
        lambda m: (_nulls_first(m.last_progress_at), m.pk),
    ),
}


def dashboard_lists(*, facts: list[MeasureFacts], today: dt.date) -> dict[str, list[MeasureFacts]]:
    """The overdue, due-soon, sign-off and ongoing lists, at most ``LIST_LIMIT`` each,
    chosen and ordered from the facts. No queries."""
    lists = {name: sorted(filter(shown, facts), key=order)[:LIST_LIMIT] for name, (shown, order) in LISTS.items()}
    _add_day_counts(lists, today)
    return lists


def _add_day_counts(lists: dict[str, list[MeasureFacts]], today: dt.date) -> None:
    """Days overdue, days left, days waiting for sign-off, days without progress."""
    for m in lists["overdue"]:
        m.days_late = (today - m.due_on).days
    for m in lists["due_soon"]:
        m.days_left = (m.due_on - today).days
    for m in lists["awaiting"]:
        m.days_waiting = (today - local_date(m.submitted_at)).days if m.submitted_at else None
    for m in lists["ongoing"]:
        m.days_silent = (today - local_date(m.last_progress_at)).days if m.last_progress_at else None


def dashboard_activity(*, inspection: Inspection, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    """Recent activity, newest first: the measures' timelines (progress reports, status
    changes, sign-offs, extensions, evidence uploads and deletions: the services write an
    entry for each) and measures created or deleted (from the change history, one line
    per person, day and kind, so that importing a hundred measures is one line).

    Queries: 2."""
    entries = (
        ProgressEntry.objects.filter(measure__finding__category__inspection=inspection)
        .values("created_at", "kind", "text", "measure_id", "measure__title", "author_id", *AUTHOR_FIELDS)
        .order_by("-created_at", "-pk")[:limit]
    )
    items = [_entry_activity(e) for e in entries] + _structure_activity(inspection, limit)
    items.sort(key=lambda a: a.at, reverse=True)
    return items[:limit]


AUTHOR_FIELDS = ("author__first_name", "author__username")
ENTRY_KINDS = dict(ProgressEntry.Kind.choices)


def _entry_activity(e: dict[str, Any]) -> Activity:
    who = (e["author__first_name"] or e["author__username"]) if e["author_id"] else _("系统")
    kind = str(ENTRY_KINDS.get(e["kind"], e["kind"]))
    return Activity(e["created_at"], kind, who, e["text"], e["measure_id"], e["measure__title"])


def _structure_activity(inspection: Inspection, limit: int) -> list[Activity]:
    """Measures created or deleted, grouped by person, day and kind. Queries: 1."""
    rows = (
        Measure.history.filter(finding__category__inspection=inspection, history_type__in=["+", "-"])
        .annotate(day=TruncDate("history_date"))
        .values("day", "history_type", "history_user__first_name", "history_user__username")
        .annotate(n=Count("history_id"), at=Max("history_date"), measure_id=Max("id"), title=Max("title"))
        .order_by("-at")[:limit]
    )
    out = []
    for r in rows:
        created = r["history_type"] == "+"
        kind = _("新增措施") if created else _("删除措施")
        who = r["history_user__first_name"] or r["history_user__username"] or _("系统")
        single = r["n"] == 1
        if single:
            text = _("新增整改措施") if created else _("删除整改措施")
        else:
            text = (_("新增整改措施 {n} 项") if created else _("删除整改措施 {n} 项")).format(n=r["n"])
        link = r["measure_id"] if single and created else None
        out.append(Activity(r["at"], kind, who, text, link, r["title"] if single else ""))
    return out


def dashboard_data(
    *, inspection: Inspection, today: dt.date, due_soon_days: int, acceptance: bool = False
) -> Dashboard:
    """Everything the dashboard page and its export show. Queries: 4, whatever the data
    (the measures' facts, items, the activity's timeline entries and change history).
    ``acceptance``: the organisation's rule asks for 验收 (the caller read the rule)."""
    facts = measure_facts(inspection=inspection, today=today, due_soon_days=due_soon_days)
    tally = dashboard_tally(facts)
    return Dashboard(
        inspection=inspection,
        today=today,
        due_soon_days=due_soon_days,
        counts=tally.counts,
        items=dashboard_items(inspection=inspection, facts=facts),
        figures=dashboard_figures(counts=tally.counts, due_soon_days=due_soon_days, acceptance=acceptance),
        by_category=tally.by_category,
        by_leader=tally.by_leader,
        by_owner=tally.by_owner,
        trend=dashboard_trend(inspection=inspection, facts=facts, today=today),
        activity=dashboard_activity(inspection=inspection),
        **dashboard_lists(facts=facts, today=today),
    )
