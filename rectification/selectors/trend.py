"""The dashboard's burn-down: measures with a deadline due per week against measures
signed off per week, and the pace that projects when the rest will be done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone

from ..models import Inspection

if TYPE_CHECKING:
    from .dashboard import MeasureFacts

PACE_WEEKS = 4


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


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The day of ``value`` in the local time zone (a date is its own day)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def dashboard_trend(*, inspection: Inspection, facts: list[MeasureFacts], today: dt.date) -> Trend:
    """Measures with a deadline due per week against measures signed off per week, from
    the feedback week on (a burn-down). Anything before the feedback week is counted in
    the first week, sign-offs dated after today in this week, so no measure is dropped.
    No queries."""
    start, last = _monday(inspection.feedback_on), _monday(today)
    due_by_week: dict[dt.date, int] = {}
    done_by_week: dict[dt.date, int] = {}
    for m in facts:
        if "bounded" not in m.rules:
            continue
        if m.due_on is not None:
            week = max(_monday(m.due_on), start)
            due_by_week[week] = due_by_week.get(week, 0) + 1
        if "done" in m.rules and m.signed_off_at is not None:
            week = min(max(_monday(local_date(m.signed_off_at)), start), last)
            done_by_week[week] = done_by_week.get(week, 0) + 1
    ends = [today, inspection.deadline or today, *due_by_week]
    weeks = _weeks(start, _monday(max(ends)), due_by_week, done_by_week, today)
    return _trend(weeks, inspection.deadline, today)


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
