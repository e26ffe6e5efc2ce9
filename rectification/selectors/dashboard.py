"""Reads for the secretary's dashboard and the supervisors' roll-up.

Every figure is a conditional aggregate built from the same Q rules the measure list
filters with (``overdue_q``, ``due_within_q`` in models.py), and every figure carries
the measure-list parameters that select exactly its rows (``Figure.params``), so a
number and the list behind it cannot disagree.

The number of queries never depends on the data: one grouped query per table or
chart, lists capped at ``LIST_LIMIT`` rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import TruncDate, TruncWeek
from django.utils import timezone
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
    due_within_q,
    overdue_q,
)
from ..permissions import visible_organisations

# The counting rules, stated on the page and in the export.
COUNTING_RULES = [
    _("超期：设有完成时限、时限已过且尚未销号的措施（待销号的也算，直到书记销号）。"),
    _("长期坚持的措施不设完成时限，从不计为超期；长期未报送进展的，标注“长期未更新”。"),
    _("延期的措施按延期后的现时限计算是否超期、是否即将到期，并标注原定时限。"),
    _("即将到期：尚未销号、完成时限在今天起 {days} 日内（含当天）的措施。"),
    _("完成率：已销号的措施 ÷ 设有完成时限的措施；长期坚持的措施不计入。"),
    _("整改事项按最末一级计数，事项下全部措施均已销号即为已完成。"),
    _("一项措施有多名责任人的，在每名责任人名下各计一次。"),
    _("点击任一数字，打开的措施列表就是计入这个数字的那些措施。"),
]

LIST_LIMIT = 50
ACTIVITY_LIMIT = 15
PACE_WEEKS = 4
DONE = MeasureStatus.DONE
OPEN_STATUSES = [MeasureStatus.NOT_STARTED, MeasureStatus.IN_PROGRESS, MeasureStatus.AWAITING_SIGN_OFF]


# --- counting -------------------------------------------------------------------------


def _count_expressions(today: dt.date, due_soon_days: int) -> dict[str, Count]:
    """The counting rules of every table: one set of conditional counts."""
    ongoing = Q(kind=MeasureKind.ONGOING)
    extended = Q(original_due_on__isnull=False, due_on__isnull=False) & ~Q(original_due_on=F("due_on"))
    return {
        "total": Count("pk"),
        "done": Count("pk", filter=Q(status=DONE)),
        "awaiting": Count("pk", filter=Q(status=MeasureStatus.AWAITING_SIGN_OFF)),
        "in_progress": Count("pk", filter=Q(status=MeasureStatus.IN_PROGRESS)),
        "not_started": Count("pk", filter=Q(status=MeasureStatus.NOT_STARTED)),
        "overdue": Count("pk", filter=overdue_q(today)),
        "due_soon": Count("pk", filter=due_within_q(today, due_soon_days)),
        "ongoing": Count("pk", filter=ongoing),
        "bounded": Count("pk", filter=~ongoing),
        "bounded_done": Count("pk", filter=~ongoing & Q(status=DONE)),
        "extended": Count("pk", filter=extended),
        # Flagged by the daily sweep: ongoing, open, no progress for STALE_AFTER_DAYS.
        "stale": Count("pk", filter=ongoing & Q(stale_since__isnull=False) & ~Q(status=DONE)),
    }


@dataclass
class Counts:
    """Counts of one group of measures (an inspection, a category, a leader, a person)."""

    total: int = 0
    done: int = 0
    awaiting: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    due_soon: int = 0
    ongoing: int = 0
    bounded: int = 0
    bounded_done: int = 0
    extended: int = 0
    stale: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Counts:
        return cls(**{name: row.get(name) or 0 for name in cls.__dataclass_fields__})

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def open_on_time(self) -> int:
        """Not done and not overdue: the middle segment of the stacked bars."""
        return self.total - self.done - self.overdue

    @property
    def rate(self) -> float | None:
        """Completion rate in percent: signed-off measures among those with a deadline.

        Ongoing (长期坚持) measures never finish, so they are left out; None when there
        is nothing with a deadline."""
        if not self.bounded:
            return None
        return round(self.bounded_done * 100 / self.bounded, 1)


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
class TrendWeek:
    start: dt.date
    due: int
    done: int
    planned_left: int
    actual_left: int | None  # None for weeks still in the future


@dataclass
class Trend:
    weeks: list[TrendWeek]
    total: int
    left: int
    pace: float | None  # measures signed off per week, recent weeks
    projected_end: dt.date | None
    deadline: dt.date | None

    @property
    def active_weeks(self) -> list[TrendWeek]:
        """Weeks where something was due or done: the rows of the printed table."""
        return [w for w in self.weeks if w.due or w.done]

    @property
    def on_track(self) -> bool | None:
        if self.left == 0:
            return True
        if not self.pace:
            return False  # nothing signed off lately: at this pace it never ends
        if self.projected_end is None or self.deadline is None:
            return None
        return self.projected_end <= self.deadline


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
    overdue: list[Measure]
    due_soon: list[Measure]
    awaiting: list[Measure]
    ongoing: list[Measure]
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


def dashboard_counts(*, inspection: Inspection, today: dt.date, due_soon_days: int) -> Counts:
    """Headline counts. Queries: 1."""
    row = dashboard_measures(inspection=inspection).aggregate(**_count_expressions(today, due_soon_days))
    return Counts.from_row(row)


def dashboard_items(*, inspection: Inspection) -> Items:
    """Rectification items (整改事项), counted at the lowest level (a finding with
    sub-problems is counted through them); an item is done when it has measures and all
    are signed off. Queries: 1."""
    leaves = Finding.objects.filter(category__inspection=inspection).exclude(
        Exists(Finding.objects.filter(parent=OuterRef("pk")))
    )
    per_item = leaves.annotate(n=Count("measures"), n_open=Count("measures", filter=~Q(measures__status=DONE)))
    row = per_item.aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(n__gt=0, n_open=0)), empty=Count("pk", filter=Q(n=0))
    )
    return Items(total=row["total"], done=row["done"], without_measures=row["empty"])


def count_params(key: str, due_soon_days: int) -> dict[str, Any]:
    """The measure-list parameters that select exactly the rows behind the count ``key``
    (added to the organisation and inspection, and a group's own parameter)."""
    status = MeasureStatus
    return {
        "total": {},
        "done": {"status": [status.DONE]},
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


def dashboard_figures(*, counts: Counts, due_soon_days: int) -> list[Figure]:
    """The headline figures, each with the list parameters that reproduce its rows."""
    return [
        Figure(key, str(label).format(days=due_soon_days), getattr(counts, key), count_params(key, due_soon_days), tone)
        for key, label, tone in FIGURES
    ]


def _grouped(qs: QuerySet[Measure], key: str, label: str, today: dt.date, days: int) -> list[dict[str, Any]]:
    return list(qs.values(key, label).annotate(**_count_expressions(today, days)).order_by())


def dashboard_by_category(*, inspection: Inspection, today: dt.date, due_soon_days: int) -> list[GroupRow]:
    """Per category, in the bulletin's order. Queries: 1."""
    qs = dashboard_measures(inspection=inspection).values(
        "finding__category_id", "finding__category__title", "finding__category__position"
    )
    rows = qs.annotate(**_count_expressions(today, due_soon_days)).order_by("finding__category__position")
    return [
        GroupRow(r["finding__category_id"], r["finding__category__title"], Counts.from_row(r), "category") for r in rows
    ]


def _people_rows(rows: list[dict[str, Any]], key: str, label: str, param: str, nobody: str) -> list[GroupRow]:
    """Most overdue first, then most open: who is behind comes first."""
    out = [GroupRow(r[key], r[label] or str(nobody), Counts.from_row(r), param) for r in rows]
    out.sort(key=lambda g: (-g.counts.overdue, -g.counts.open, -g.counts.total, g.label))
    return out


def dashboard_by_leader(*, inspection: Inspection, today: dt.date, due_soon_days: int) -> list[GroupRow]:
    """Per responsible leader (责任领导). Queries: 1."""
    rows = _grouped(dashboard_measures(inspection=inspection), "leader_id", "leader__name", today, due_soon_days)
    return _people_rows(rows, "leader_id", "leader__name", "leader", _("未指定责任领导"))


def dashboard_by_owner(*, inspection: Inspection, today: dt.date, due_soon_days: int) -> list[GroupRow]:
    """Per responsible person (责任人); a measure with two owners counts for both. Queries: 1."""
    rows = _grouped(dashboard_measures(inspection=inspection), "owners__id", "owners__name", today, due_soon_days)
    return _people_rows(rows, "owners__id", "owners__name", "owner", _("未指定责任人"))


# What the lists show; the long texts (progress, notes, problem wording) stay in the database.
LIST_FIELDS = [
    "title", "status", "kind", "due_on", "original_due_on", "submitted_at", "last_progress_at", "stale_since",
    "finding__heading", "finding__category__title", "leader__name",
]  # fmt: skip


def _measure_rows(qs: QuerySet[Measure]) -> QuerySet[Measure]:
    return qs.select_related("finding__category", "leader").only(*LIST_FIELDS)[:LIST_LIMIT]


def dashboard_lists(*, inspection: Inspection, today: dt.date, due_soon_days: int) -> dict[str, list[Measure]]:
    """The overdue, due-soon, sign-off and ongoing lists, owners prefetched in one go.

    Queries: 5 (four lists + one for the owners of all of them)."""
    base = dashboard_measures(inspection=inspection)
    lists = {
        "overdue": list(_measure_rows(base.overdue(today).order_by("due_on", "pk"))),
        "due_soon": list(_measure_rows(base.due_within(today, due_soon_days).order_by("due_on", "pk"))),
        "awaiting": list(
            _measure_rows(
                base.filter(status=MeasureStatus.AWAITING_SIGN_OFF).order_by(
                    F("submitted_at").asc(nulls_last=True), "pk"
                )
            )
        ),
        "ongoing": list(
            _measure_rows(
                base.filter(kind=MeasureKind.ONGOING)
                .exclude(status=DONE)
                .order_by(F("last_progress_at").asc(nulls_first=True), "pk")
            )
        ),
    }
    prefetch_related_objects([m for rows in lists.values() for m in rows], "owners")
    _add_day_counts(lists, today)
    return lists


def _add_day_counts(lists: dict[str, list[Measure]], today: dt.date) -> None:
    """Days overdue, days left, days waiting for sign-off, days without progress."""
    for m in lists["overdue"]:
        m.days_late = m.days_overdue(today)
    for m in lists["due_soon"]:
        m.days_left = (m.due_on - today).days
    for m in lists["awaiting"]:
        m.days_waiting = (today - _as_date(m.submitted_at)).days if m.submitted_at else None
    for m in lists["ongoing"]:
        m.days_silent = (today - _as_date(m.last_progress_at)).days if m.last_progress_at else None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def dashboard_trend(*, inspection: Inspection, today: dt.date) -> Trend:
    """Measures with a deadline due per week against measures signed off per week, from
    the feedback week on (a burn-down). Queries: 2."""
    base = dashboard_measures(inspection=inspection).exclude(kind=MeasureKind.ONGOING)
    due = base.annotate(week=TruncWeek("due_on")).values("week").annotate(n=Count("pk")).order_by()
    done = (
        base.filter(status=DONE)
        .annotate(week=TruncWeek("signed_off_at"))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    start = _monday(inspection.feedback_on)
    due_by_week = _bucket(due, start)
    done_by_week = _bucket(done, start, last=_monday(today))
    ends = [today, inspection.deadline or today, *due_by_week]
    weeks = _weeks(start, _monday(max(ends)), due_by_week, done_by_week, today)
    return _trend(weeks, inspection.deadline, today)


def _bucket(rows: QuerySet, start: dt.date, last: dt.date | None = None) -> dict[dt.date, int]:
    """Weekly counts keyed by Monday; anything before the feedback week (or after
    ``last``) is moved into the first (or last) week so no measure is dropped."""
    out: dict[dt.date, int] = {}
    for row in rows:
        week = max(_monday(_as_date(row["week"])), start)
        if last is not None:
            week = min(week, last)
        out[week] = out.get(week, 0) + row["n"]
    return out


def _weeks(start, end, due_by_week, done_by_week, today) -> list[TrendWeek]:
    total = sum(due_by_week.values())
    weeks: list[TrendWeek] = []
    cum_due = cum_done = 0
    week = start
    while week <= end:
        cum_due += due_by_week.get(week, 0)
        cum_done += done_by_week.get(week, 0)
        past = week <= today
        weeks.append(
            TrendWeek(
                week,
                due_by_week.get(week, 0),
                done_by_week.get(week, 0),
                total - cum_due,
                total - cum_done if past else None,
            )
        )
        week += dt.timedelta(weeks=1)
    return weeks


def _trend(weeks: list[TrendWeek], deadline: dt.date | None, today: dt.date) -> Trend:
    total = sum(w.due for w in weeks)
    done = sum(w.done for w in weeks)
    left = total - done
    recent = [w for w in weeks if w.actual_left is not None][-PACE_WEEKS:]
    pace = sum(w.done for w in recent) / len(recent) if recent else None
    projected = None
    if left and pace:
        projected = today + dt.timedelta(weeks=left / pace)
    return Trend(weeks, total, left, round(pace, 2) if pace is not None else None, projected, deadline)


def _who(user) -> str:
    if user is None:
        return _("系统")
    return user.first_name or user.username


def dashboard_activity(*, inspection: Inspection, limit: int = ACTIVITY_LIMIT) -> list[Activity]:
    """Recent activity, newest first: the measures' timelines (progress reports, status
    changes, sign-offs, extensions, evidence uploads and deletions: the services write an
    entry for each) and measures created or deleted (from the change history, one line
    per person, day and kind, so that importing a hundred measures is one line).

    Queries: 2."""
    entries = (
        ProgressEntry.objects.filter(measure__finding__category__inspection=inspection)
        .select_related("author", "measure")
        .only("created_at", "kind", "text", "author__first_name", "author__username", "measure__title")
        .order_by("-created_at", "-pk")[:limit]
    )
    items = [_entry_activity(e) for e in entries] + _structure_activity(inspection, limit)
    items.sort(key=lambda a: a.at, reverse=True)
    return items[:limit]


def _entry_activity(e: ProgressEntry) -> Activity:
    return Activity(e.created_at, e.get_kind_display(), _who(e.author), e.text, e.measure_id, e.measure.title)


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


def dashboard_data(*, inspection: Inspection, today: dt.date, due_soon_days: int) -> Dashboard:
    """Everything the dashboard page and its export show. Queries: 15, whatever the data."""
    args = {"inspection": inspection, "today": today, "due_soon_days": due_soon_days}
    counts = dashboard_counts(**args)
    items = dashboard_items(inspection=inspection)
    lists = dashboard_lists(**args)
    return Dashboard(
        inspection=inspection,
        today=today,
        due_soon_days=due_soon_days,
        counts=counts,
        items=items,
        figures=dashboard_figures(counts=counts, due_soon_days=due_soon_days),
        by_category=dashboard_by_category(**args),
        by_leader=dashboard_by_leader(**args),
        by_owner=dashboard_by_owner(**args),
        trend=dashboard_trend(inspection=inspection, today=today),
        activity=dashboard_activity(inspection=inspection),
        **lists,
    )


# --- roll-up -----------------------------------------------------------------------------


@dataclass
class RollupRow:
    organisation: Organisation
    depth: int
    parent_name: str
    inspections: int
    latest_feedback: dt.date | None  # feedback date of its latest inspection
    counts: Counts
    last_progress: dt.datetime | None


# Sort columns of the roll-up: the value each row is sorted by (None sorts last).
ROLLUP_SORTS: dict[str, Any] = {
    "org": lambda r: r.organisation.path,
    "inspections": lambda r: r.inspections,
    "measures": lambda r: r.counts.total,
    "rate": lambda r: r.counts.rate,
    "overdue": lambda r: r.counts.overdue,
    "last": lambda r: r.last_progress,
}


def rollup_sort_key(value: str) -> tuple[str, bool]:
    """A valid sort column and direction from a GET value such as "-overdue"; unknown
    values fall back to the tree order."""
    column = value.removeprefix("-")
    if column not in ROLLUP_SORTS:
        return "org", False
    return column, value.startswith("-")


def rollup_rows(*, root: Organisation, today: dt.date, sort: str = "org") -> list[RollupRow]:
    """One row per organisation below ``root``: its inspections, measure counts,
    completion rate, overdue count and the time of its last progress report.

    Queries: 3 (organisations, inspections grouped by organisation, measures grouped by
    organisation), whatever the number of organisations or measures."""
    orgs = list(Organisation.objects.filter(path__startswith=root.path).exclude(pk=root.pk).select_related("parent"))
    org_ids = [o.pk for o in orgs]
    insp_rows = (
        Inspection.objects.filter(organisation_id__in=org_ids)
        .values("organisation_id")
        .annotate(n=Count("pk"), latest=Max("feedback_on"))
        .order_by()
    )
    inspections = {r["organisation_id"]: r for r in insp_rows}
    org_key = "finding__category__inspection__organisation_id"
    measure_rows = (
        Measure.objects.filter(**{f"{org_key}__in": org_ids})
        .values(org_key)
        .annotate(last_progress=Max("last_progress_at"), **_count_expressions(today, 0))
        .order_by()
    )
    measures = {r[org_key]: r for r in measure_rows}
    root_depth = root.path.count("/")
    rows = [
        RollupRow(
            organisation=o,
            depth=o.path.count("/") - root_depth,
            parent_name=o.parent.short_name if o.parent else "",
            inspections=inspections.get(o.pk, {}).get("n", 0),
            latest_feedback=inspections.get(o.pk, {}).get("latest"),
            counts=Counts.from_row(measures.get(o.pk, {})),
            last_progress=measures.get(o.pk, {}).get("last_progress"),
        )
        for o in orgs
    ]
    return _sorted_rows(rows, *rollup_sort_key(sort))


def _sorted_rows(rows: list[RollupRow], column: str, descending: bool) -> list[RollupRow]:
    """Sort by the column, ties in tree order; rows without a value (no rate, no
    progress yet) stay last in both directions."""
    value = ROLLUP_SORTS[column]
    rows = sorted(rows, key=lambda r: r.organisation.path)
    with_value = sorted((r for r in rows if value(r) is not None), key=value, reverse=descending)
    return with_value + [r for r in rows if value(r) is None]


@dataclass
class RollupTotals:
    inspections: int
    counts: Counts
    last_progress: dt.datetime | None


def rollup_totals(rows: list[RollupRow]) -> RollupTotals:
    """The roll-up's total line, summed from its rows (no further query)."""
    names = Counts.__dataclass_fields__
    counts = Counts(**{n: sum(getattr(r.counts, n) for r in rows) for n in names})
    last = max((r.last_progress for r in rows if r.last_progress), default=None)
    return RollupTotals(sum(r.inspections for r in rows), counts, last)
