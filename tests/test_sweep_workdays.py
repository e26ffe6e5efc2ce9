"""Working days by the official Chinese calendar (chinesecalendar), with 调休 make-up days,
and the fallback for a year the installed package does not cover yet."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from rectification.services import workdays

D = dt.date


def test_official_holidays_and_make_up_working_days_2025():
    assert not workdays.is_workday(D(2025, 10, 1))  # National Day
    assert not workdays.is_workday(D(2025, 10, 8))  # the holiday's last day, a Wednesday
    assert workdays.is_workday(D(2025, 9, 28))  # a Sunday worked in exchange (调休)
    assert workdays.is_workday(D(2025, 10, 11))  # a Saturday worked in exchange
    assert not workdays.is_workday(D(2025, 5, 31)) and not workdays.is_workday(D(2025, 6, 2))  # Dragon Boat
    assert workdays.is_workday(D(2025, 6, 3))


def test_adding_working_days_skips_the_golden_week():
    assert workdays.add_workdays(D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert workdays.add_workdays(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert workdays.add_workdays(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert workdays.add_workdays(D(2025, 10, 9), 0) == D(2025, 10, 9)
    assert workdays.workdays_between(D(2025, 9, 26), D(2025, 10, 10)) == 5  # 28, 29, 30, 9, 10


def test_cutoff_agrees_with_counting_day_by_day():
    """``d < latest_workdays_cutoff(today, n)`` is exactly ``workdays_between(d, today) >= n``,
    the equivalence that lets the sweep compare dates instead of counting per row."""
    start = D(2025, 9, 20)
    for today in (start + dt.timedelta(days=i) for i in range(30)):
        for n in (1, 3, 5):
            cutoff = workdays.latest_workdays_cutoff(today, n)
            for d in (start - dt.timedelta(days=j) for j in range(-25, 15)):
                assert (d < cutoff) == (workdays.workdays_between(d, today) >= n), (today, n, d)


def test_a_year_without_official_data_falls_back_to_weekdays_with_a_warning(caplog):
    workdays.year_is_covered.cache_clear()
    with caplog.at_level(logging.WARNING, logger="rectification.services.workdays"):
        assert workdays.is_workday(D(2099, 10, 1))  # a Thursday: no holiday data, so a working day
        assert not workdays.is_workday(D(2099, 10, 3))  # a Saturday
        assert workdays.add_workdays(D(2099, 10, 2), 1) == D(2099, 10, 5)
    warnings = [r for r in caplog.records if "no official holiday data for 2099" in r.getMessage()]
    assert len(warnings) == 1  # once per year, not once per day
    assert "Upgrade the chinesecalendar package" in warnings[0].getMessage()
    workdays.year_is_covered.cache_clear()


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_pinned_package_covers_the_years_in_use(year):
    assert workdays.year_is_covered(year)
