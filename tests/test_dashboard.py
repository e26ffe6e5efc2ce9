"""The dashboard's figures against hand-counted data, with time frozen.

TODAY is Sunday 2025-06-15 (Asia/Shanghai); "due soon" is 7 days, so 06-15 … 06-22.
The data of organisation A (built by ``board``), counted by hand:

| measure | item | status      | kind        | due    | leader | owners       | counts as            |
|---------|------|-------------|-------------|--------|--------|--------------|----------------------|
| m1      | F1   | done        | time_bound  | 05-31  | L1     | 赵敏         | done                 |
| m2      | F1   | in_progress | time_bound  | 06-10  | L1     | 赵敏, 钱进   | overdue (5 days)     |
| m3      | F2   | awaiting    | time_bound  | 06-01  | L1     | 钱进         | overdue (14 days)    |
| m4      | F2   | not_started | time_bound  | 06-20  | L2     | 赵敏         | due soon             |
| m5      | F3   | in_progress | ongoing     | —      | L2     | 孙磊         | ongoing              |
| m6      | F3   | in_progress | time_bound  | 06-15  | L2     | 孙磊         | due soon (today)     |
| m7      | F4a  | done        | immediate   | 02-28  | L2     | —            | done                 |
| m8      | F4a  | in_progress | time_bound  | 12-31  | L2     | —            | extended (was 06-01) |
| m9      | F4a  | in_progress | time_bound  | 06-22  | L2     | —            | due soon (last day)  |
| m10     | F4a  | not_started | time_bound  | 06-23  | —      | —            | nothing special      |

Categories: C1 = F1, F2; C2 = F3, F4 (whose sub-problem F4a holds m7–m10), F5 (no
measures). Leaf items: F1, F2, F3, F4a, F5 → 5, of which F4a… is not done (m8–m10 open),
so no item is done; F5 has no measures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from rectification.models import Measure
from rectification.selectors import dashboard as sel
from rectification.selectors.counting import count_expressions

from . import factories as f

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2025, 6, 15)
NOW = dt.datetime(2025, 6, 15, 10, 0, tzinfo=TZ)
S = Measure.Status
K = Measure.Kind


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=TZ)


@pytest.fixture
def board(personas, frozen):
    """The measures of the table above, in organisation A."""
    a = personas.tree.a
    insp = f.inspection(organisation=a)
    c1, c2 = f.category(inspection=insp, title="关于第一方面"), f.category(inspection=insp, title="关于第二方面")
    f1, f2 = f.finding(category=c1), f.finding(category=c1)
    f3, f4 = f.finding(category=c2), f.finding(category=c2)
    f4a = f.finding(category=c2, parent=f4)
    f.finding(category=c2)  # F5, no measures yet
    l1, l2 = personas.person_member_a, f.person(organisation=a, name="张丽")
    zhao, qian, sun = (
        personas.person_staff_a,
        f.person(organisation=a, name="钱进"),
        f.person(organisation=a, name="孙磊"),
    )
    d = dt.date
    m = SimpleNamespace(insp=insp, c1=c1, c2=c2, l1=l1, l2=l2, zhao=zhao, qian=qian, sun=sun)
    m.m1 = f.measure(
        finding=f1, status=S.DONE, due_on=d(2025, 5, 31), leader=l1, owners=[zhao], signed_off_at=_at(d(2025, 5, 20))
    )
    m.m2 = f.measure(finding=f1, due_on=d(2025, 6, 10), leader=l1, owners=[zhao, qian])
    m.m3 = f.measure(
        finding=f2, status=S.AWAITING_SIGN_OFF, due_on=d(2025, 6, 1), leader=l1, owners=[qian],
        submitted_at=_at(d(2025, 6, 5)),
    )  # fmt: skip
    m.m4 = f.measure(finding=f2, status=S.NOT_STARTED, due_on=d(2025, 6, 20), leader=l2, owners=[zhao])
    m.m5 = f.measure(finding=f3, kind=K.ONGOING, leader=l2, owners=[sun], last_progress_at=_at(d(2025, 3, 1)))
    m.m6 = f.measure(finding=f3, due_on=d(2025, 6, 15), leader=l2, owners=[sun])
    m.m7 = f.measure(
        finding=f4a, status=S.DONE, kind=K.IMMEDIATE, due_on=d(2025, 2, 28), leader=l2,
        signed_off_at=_at(d(2025, 3, 1)),
    )  # fmt: skip
    m.m8 = f.measure(finding=f4a, due_on=d(2025, 12, 31), leader=l2)
    Measure.objects.filter(pk=m.m8.pk).update(original_due_on=d(2025, 6, 1))
    m.m9 = f.measure(finding=f4a, due_on=d(2025, 6, 22), leader=l2)
    m.m10 = f.measure(finding=f4a, status=S.NOT_STARTED, due_on=d(2025, 6, 23))
    return m


def _data(inspection) -> sel.Dashboard:
    return sel.dashboard_data(inspection=inspection, today=TODAY, due_soon_days=7)


def _counts(c: sel.Counts) -> dict[str, int]:
    return {k: getattr(c, k) for k in ("total", "done", "awaiting", "in_progress", "not_started", "overdue")} | {
        "due_soon": c.due_soon,
        "ongoing": c.ongoing,
    }


def test_headline_figures(board):
    data = _data(board.insp)
    assert {f.key: f.value for f in data.figures} == {
        "total": 10,
        "done": 2,
        "awaiting": 1,
        "in_progress": 5,
        "not_started": 2,
        "overdue": 2,  # m2, and m3 although it waits for sign-off
        "due_soon": 3,  # m6 (today), m4, m9 (day 7); not m10 (day 8)
        "ongoing": 1,
    }
    assert data.counts.bounded == 9 and data.counts.bounded_done == 2
    assert data.counts.rate == 22.2  # 2 / 9, ongoing m5 left out
    assert data.counts.extended == 1
    assert (data.items.total, data.items.done, data.items.without_measures) == (5, 0, 1)


def test_figure_parameters_are_the_measure_list_contract(board):
    params = {f.key: f.params for f in _data(board.insp).figures}
    assert params["overdue"] == {"overdue": 1}
    assert params["due_soon"] == {"due_within": 7}
    assert params["done"] == {"status": ["done"]}
    assert params["ongoing"] == {"kind": "ongoing"}
    assert _data(board.insp).base_params == {"organisation": board.insp.organisation_id, "inspection": board.insp.pk}


def test_by_category_in_bulletin_order(board):
    rows = _data(board.insp).by_category
    assert [(r.key, r.label) for r in rows] == [(board.c1.pk, "关于第一方面"), (board.c2.pk, "关于第二方面")]
    assert _counts(rows[0].counts) == {
        "total": 4, "done": 1, "awaiting": 1, "in_progress": 1, "not_started": 1, "overdue": 2, "due_soon": 1, "ongoing": 0,
    }  # fmt: skip
    assert _counts(rows[1].counts) == {
        "total": 6, "done": 1, "awaiting": 0, "in_progress": 4, "not_started": 1, "overdue": 0, "due_soon": 2, "ongoing": 1,
    }  # fmt: skip
    assert (rows[0].counts.rate, rows[1].counts.rate) == (25.0, 20.0)


def test_by_leader_most_overdue_first(board):
    rows = _data(board.insp).by_leader
    assert [(r.key, r.label, r.counts.total, r.counts.open, r.counts.overdue) for r in rows] == [
        (board.l1.pk, "王委员", 3, 2, 2),
        (board.l2.pk, "张丽", 6, 5, 0),
        (None, "未指定责任领导", 1, 1, 0),
    ]


def test_by_owner_counts_a_shared_measure_for_each_owner(board):
    rows = _data(board.insp).by_owner
    assert [(r.label, r.counts.total, r.counts.open, r.counts.overdue, r.counts.due_soon) for r in rows] == [
        ("钱进", 2, 2, 2, 0),  # m2, m3
        ("赵敏", 3, 2, 1, 1),  # m1 (done), m2 (overdue), m4 (due soon)
        ("未指定责任人", 4, 3, 0, 1),  # m7 (done), m8, m9, m10
        ("孙磊", 2, 2, 0, 1),  # m5 (ongoing), m6
    ]


def test_lists(board):
    data = _data(board.insp)
    assert [(m.pk, m.days_late) for m in data.overdue] == [(board.m3.pk, 14), (board.m2.pk, 5)]
    assert [(m.pk, m.days_left) for m in data.due_soon] == [(board.m6.pk, 0), (board.m4.pk, 5), (board.m9.pk, 7)]
    assert [(m.pk, m.days_waiting) for m in data.awaiting] == [(board.m3.pk, 10)]
    assert [(m.pk, m.days_silent) for m in data.ongoing] == [(board.m5.pk, 106)]


def test_extended_deadline_counts_from_the_current_deadline(board):
    data = _data(board.insp)
    m8 = Measure.objects.get(pk=board.m8.pk)
    assert m8.is_extended and m8.original_due_on < TODAY
    assert m8.pk not in {m.pk for m in data.overdue}


def test_trend_is_a_weekly_burn_down_from_the_feedback_week(board):
    trend = _data(board.insp).trend
    weeks = {w.start: w for w in trend.weeks}
    assert trend.weeks[0].start == dt.date(2025, 1, 20)  # Monday of the feedback date 2025-01-21
    assert trend.weeks[-1].start == dt.date(2025, 12, 29)  # the week of the deadline 2025-12-31
    assert (trend.total, trend.left) == (9, 7)
    assert [(w.start, w.due, w.done) for w in trend.active_weeks] == [
        (dt.date(2025, 2, 24), 1, 1),  # m7 due 02-28, signed off Saturday 03-01
        (dt.date(2025, 5, 19), 0, 1),  # m1 signed off 05-20
        (dt.date(2025, 5, 26), 2, 0),  # m1 05-31, m3 06-01
        (dt.date(2025, 6, 9), 2, 0),  # m2 06-10, m6 06-15
        (dt.date(2025, 6, 16), 2, 0),  # m4, m9
        (dt.date(2025, 6, 23), 1, 0),  # m10
        (dt.date(2025, 12, 29), 1, 0),  # m8, extended
    ]
    assert weeks[dt.date(2025, 5, 26)].planned_left == 9 - 3 and weeks[dt.date(2025, 5, 26)].actual_left == 7
    assert weeks[dt.date(2025, 6, 9)].actual_left == 7 and weeks[dt.date(2025, 6, 16)].actual_left is None
    # One sign-off in the last four weeks: 0.25 a week, 7 left → 28 weeks → 2025-12-28.
    assert trend.pace == 0.25 and trend.projected_end == dt.date(2025, 12, 28) and trend.on_track is True


def test_activity_lists_timeline_entries_and_created_measures(board, personas):
    from rectification.models import ProgressEntry

    ProgressEntry.objects.create(
        measure=board.m2, author=personas.staff_a, text="完成排查", created_at=NOW + dt.timedelta(minutes=1)
    )
    activity = _data(board.insp).activity
    assert activity[0].text == "完成排查" and activity[0].who == "赵敏" and activity[0].measure_id == board.m2.pk
    created = [a for a in activity if a.kind == "新增措施"]
    assert len(created) == 1 and created[0].text == "新增整改措施 10 项"


# ------------------------------------------------------------------ edge cases


def test_no_measures(personas, frozen):
    insp = f.inspection(organisation=personas.tree.a)
    data = _data(insp)
    assert all(f.value == 0 for f in data.figures)
    assert data.counts.rate is None and data.items.total == 0
    assert data.by_category == data.by_leader == data.by_owner == data.overdue == data.due_soon == []
    assert data.trend.total == 0 and data.trend.left == 0 and data.trend.on_track is True


def test_all_done(personas, frozen):
    insp = f.inspection(organisation=personas.tree.a)
    finding = f.finding(category=f.category(inspection=insp))
    for day in (dt.date(2025, 3, 31), dt.date(2025, 4, 30)):
        f.measure(finding=finding, status=S.DONE, due_on=day, signed_off_at=_at(day))
    data = _data(insp)
    assert (data.counts.total, data.counts.done, data.counts.overdue, data.counts.rate) == (2, 2, 0, 100.0)
    assert (data.items.total, data.items.done) == (1, 1)
    assert data.trend.left == 0 and data.trend.on_track is True


def test_only_ongoing_measures_are_never_overdue(personas, frozen):
    """Ongoing measures have no deadline: never overdue, never due soon, no completion
    rate, nothing on the burn-down; a long silence shows as stale, not late."""
    insp = f.inspection(organisation=personas.tree.a)
    finding = f.finding(category=f.category(inspection=insp))
    stale = f.measure(finding=finding, kind=K.ONGOING, stale_since=dt.date(2025, 5, 1))
    f.measure(finding=finding, kind=K.ONGOING, last_progress_at=NOW)
    data = _data(insp)
    assert (data.counts.total, data.counts.ongoing, data.counts.overdue, data.counts.due_soon) == (2, 2, 0, 0)
    assert data.counts.rate is None and data.trend.total == 0 and data.counts.stale == 1
    assert data.ongoing[0].pk == stale.pk and data.ongoing[0].days_silent is None  # never reported: first


def test_other_inspections_do_not_count(board, personas):
    f.measure_in(personas.tree.a, due_on=dt.date(2025, 1, 1))  # another inspection of A, overdue
    f.measure_in(personas.tree.b, due_on=dt.date(2025, 1, 1))  # B
    assert _data(board.insp).counts.total == 10 and _data(board.insp).counts.overdue == 2


def test_trend_is_off_track_without_recent_sign_offs(personas, frozen):
    insp = f.inspection(organisation=personas.tree.a)
    finding = f.finding(category=f.category(inspection=insp))
    f.measure(finding=finding, status=S.DONE, due_on=dt.date(2025, 3, 31), signed_off_at=_at(dt.date(2025, 3, 20)))
    f.measure(finding=finding, due_on=dt.date(2025, 9, 30))
    trend = _data(insp).trend
    assert (trend.total, trend.left, trend.pace, trend.projected_end, trend.on_track) == (2, 1, 0, None, False)


def test_rules_counted_per_row_equal_the_grouped_sqlasdict(board):
    """The dashboard evaluates each counting rule per measure and adds up in Python; the
    roll-up counts with the same rules in SQL (COUNT … FILTER). Both ways give the same
    numbers, per category as well (NULL deadlines, extended and ongoing measures included)."""
    facts = sel.measure_facts(inspection=board.insp, today=TODAY, due_soon_days=7)
    tally = sel.dashboard_tally(facts)
    measures = sel.dashboard_measures(inspection=board.insp)
    expressions = count_expressions(TODAY, 7)
    assert asdict(tally.counts) == asdict(sel.Counts.from_row(measures.aggregate(**expressions)))
    per_category = {
        row["finding__category_id"]: asdict(sel.Counts.from_row(row))
        for row in measures.values("finding__category_id").annotate(**expressions).order_by()
    }
    assert {g.key: asdict(g.counts) for g in tally.by_category} == per_category
