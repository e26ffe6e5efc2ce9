"""Working days by the official Chinese holiday calendar, with its make-up working days (调休).

The calendar comes from the ``chinesecalendar`` package, which follows the State Council's
yearly notice. The notice for a year is published late in the year before, so a year the
installed package does not cover yet falls back to Monday–Friday, with a logged warning
(once per year and process) telling the operator to upgrade the package.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import chinese_calendar

logger = logging.getLogger(__name__)
_DAY = dt.timedelta(days=1)


@functools.cache
def year_is_covered(year: int) -> bool:
    """True when the installed calendar has the official holidays of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        logger.warning(
            "chinesecalendar %s has no official holiday data for %s; counting Monday to Friday as "
            "working days for that year. Upgrade the chinesecalendar package.",
            getattr(chinese_calendar, "__version__", "?"),
            year,
        )
        return False
    return True


def is_workday(day: dt.date) -> bool:
    if year_is_covered(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (n > 0) or before it (n < 0); ``day`` itself
    does not count, so ``add_workdays(d, 0) == d``."""
    step = _DAY if n > 0 else -_DAY
    remaining = abs(n)
    while remaining:
        day += step
        remaining -= is_workday(day)
    return day


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += _DAY
        count += is_workday(day)
    return count


def latest_workdays_cutoff(today: dt.date, n: int) -> dt.date:
    """The ``n``-th most recent working day up to and including ``today``.

    A deadline ``d`` is at least ``n`` working days past on ``today`` exactly when
    ``d < latest_workdays_cutoff(today, n)``: this turns a per-row count into one
    date comparison the database can do for all rows at once.
    """
    return add_workdays(today + _DAY, -n)
