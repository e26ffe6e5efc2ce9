"""Case 3: the overdue sweep over a million measures (PostgreSQL), beside a single raw
``UPDATE … WHERE due_on < today AND status <> 'done'`` on the same table.

Every timed run happens inside a transaction that is rolled back, so each run starts from
the same rows and the data set stays as generated for the next benchmark run; the measure
table is vacuumed (untimed) before each run, as autovacuum would between two days. The one
committed change is the previous working day's sweep, run once before timing so that the
timed days are ordinary days (the ladder has run before: the first sweep over freshly
generated data escalates every overdue measure at once); a sweep is idempotent per day,
so later benchmark runs find that state again and it changes nothing. Two days are
timed: the reference date (a Monday: the weekly repeat reminders go out, one to each
person with overdue measures) and the next working day (after Monday's sweep, untimed, in the same
rolled-back transaction).
"""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from rectification.models import Measure
from rectification.services import workdays
from rectification.services.flags import overdue_flag
from rectification.services.sweep import sweep_run

from .. import data
from ..child import Skip
from ..figures import Figure, Target
from . import as_of

RAW_UPDATE = "UPDATE rectification_measure SET overdue_since = %s WHERE due_on < %s AND status <> 'done'"
UNFLAG = "UPDATE rectification_measure SET overdue_since = NULL WHERE overdue_since IS NOT NULL"


def raw_update(today: dt.date) -> int:
    with connection.cursor() as cur:
        cur.execute(RAW_UPDATE, [today, today])
        return cur.rowcount


def unflag() -> None:
    with connection.cursor() as cur:
        cur.execute(UNFLAG)


def rolled_back_ms(fn: Callable[[], Any], setup: Callable[[], Any] | None = None) -> tuple[float, Any]:
    """Milliseconds of ``fn`` (after an untimed ``setup``) in a transaction rolled back after."""
    with transaction.atomic():
        if setup is not None:
            setup()
        gc.collect()
        started = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed, result


def vacuum() -> None:
    """Clean up after the previous (rolled-back) run, untimed, as autovacuum does between
    two daily sweeps. A rolled-back UPDATE of 230,000 rows leaves them dead and the pages
    not all-visible: the next run would read the heap where the sweep's steps read an
    index alone (measure_open_due), a state a database in daily use is not in."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE rectification_measure")


def _pairs(case, limit, runs: int, setup=None) -> tuple[list[float], list[float], Any, Any]:
    """Case and limit alternately, ``runs`` times each, each from a vacuumed table; returns
    the last results too."""
    case_ms, limit_ms = [], []
    case_result = limit_result = None
    for _ in range(runs):
        vacuum()
        ms, case_result = rolled_back_ms(case, setup)
        case_ms.append(ms)
        vacuum()
        ms, limit_result = rolled_back_ms(limit, setup)
        limit_ms.append(ms)
    return case_ms, limit_ms, case_result, limit_result


def _on(day: dt.date, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run as if ``day`` were today (the sweep stamps timeline entries with now())."""

    def call() -> Any:
        with as_of(day):
            return fn()

    return call


def run(ctx) -> list[Figure]:
    if not ctx.quick and not ctx.is_postgres:
        raise Skip(
            "the sweep over 1,000,000 measures runs on PostgreSQL only: "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhua_bench make bench"
        )
    spec = ctx.scale.sweep
    data.ensure(spec)
    today = ctx.today  # a Monday in the default data: the weekly repeat reminders go out
    before, after = workdays.add_workdays(today, -1), workdays.add_workdays(today, 1)
    runs = ctx.sweep_runs
    _on(before, lambda: sweep_run(today=before, drain=False))()  # committed; idempotent per day
    if connection.vendor == "postgresql":
        # The first sweep over new data writes millions of rows; by the next day autovacuum
        # has vacuumed and analysed them, so the timed days run with current planner
        # statistics and visibility map (index-only scans) too.
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    overdue = Measure.objects.overdue(today).count()
    sweep_today = _on(today, lambda: sweep_run(today=today, drain=False))
    week_ms, raw_ms, week_report, _rows = _pairs(sweep_today, lambda: raw_update(today), runs)
    day_ms, raw_next_ms, day_report, _rows = _pairs(
        _on(after, lambda: sweep_run(today=after, drain=False)), lambda: raw_update(after), runs, setup=sweep_today
    )
    flag_ms, raw_all_ms, flagged, updated = _pairs(
        _on(today, lambda: overdue_flag(today=today)), lambda: raw_update(today), runs, setup=unflag
    )
    if flagged != updated:
        raise AssertionError(f"the sweep flagged {flagged} measures, the raw UPDATE {updated}")
    size = f"{spec.total_measures:,} measures, {overdue:,} overdue"
    return [
        Figure(
            "sweep.daily",
            day_ms,
            "ms",
            "sweep.raw-update",
            raw_next_ms,
            targets=[Target("ratio", "<=", 2), Target("median", "<", 10_000)],
            note=f"{size}; sweep_run for {after} after {today}'s: {_done(day_report)}",
        ),
        Figure(
            "sweep.daily-with-weekly-repeat",
            week_ms,
            "ms",
            "sweep.raw-update",
            raw_ms,
            targets=[Target("ratio", "<=", 2)],
            note=f"sweep_run for {today} (the weekly repeat reminders to everyone with overdue measures) "
            f"after {before}'s: {_done(week_report)}",
        ),
        Figure(
            "sweep.flag-all-overdue",
            flag_ms,
            "ms",
            "sweep.raw-update-unflagged",
            raw_all_ms,
            targets=[Target("ratio", "<=", 2)],
            note=f"overdue_flag on {flagged:,} unflagged overdue measures (with timeline entries) "
            "vs the raw UPDATE of the same rows",
        ),
    ]


def _done(report) -> str:
    return "; ".join(f"{what}: {n:,}" for what, n in report.done.items()) or "nothing new"
