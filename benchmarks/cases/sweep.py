"""Case 3: the overdue sweep over a million measures (PostgreSQL), beside a single raw
``UPDATE … WHERE due_on < today AND status <> 'done'`` on the same table.

Every timed run happens inside a transaction that is rolled back, so each run starts from
the same rows and the data set stays as generated for the next benchmark run. The one
committed change is the previous working day's sweep, run once before timing so that
"today" is an ordinary day (the ladder has run before); a sweep is idempotent per day,
so later benchmark runs find that state again and it changes nothing.
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
from rectification.services.sweep import overdue_flag, sweep_run

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


def _pairs(case, limit, runs: int, setup=None) -> tuple[list[float], list[float], Any, Any]:
    """Case and limit alternately, ``runs`` times each; returns the last results too."""
    case_ms, limit_ms = [], []
    case_result = limit_result = None
    for _ in range(runs):
        ms, case_result = rolled_back_ms(case, setup)
        case_ms.append(ms)
        ms, limit_result = rolled_back_ms(limit, setup)
        limit_ms.append(ms)
    return case_ms, limit_ms, case_result, limit_result


def run(ctx) -> list[Figure]:
    if not ctx.quick and not ctx.is_postgres:
        raise Skip(
            "the sweep over 1,000,000 measures runs on PostgreSQL only: "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/fuhua_bench make bench"
        )
    spec = ctx.scale.sweep
    data.ensure(spec)
    today = ctx.today
    before = workdays.add_workdays(today, -1)
    runs = ctx.runs if ctx.quick else min(ctx.runs, 3)
    with as_of(before):
        sweep_run(today=before, drain=False)
    with as_of(today):
        overdue = Measure.objects.overdue(today).count()
        daily_ms, raw_ms, report, _rows = _pairs(
            lambda: sweep_run(today=today, drain=False), lambda: raw_update(today), runs
        )
        flag_ms, raw_all_ms, flagged, updated = _pairs(
            lambda: overdue_flag(today=today), lambda: raw_update(today), runs, setup=unflag
        )
    if flagged != updated:
        raise AssertionError(f"the sweep flagged {flagged} measures, the raw UPDATE {updated}")
    done = "; ".join(f"{what}: {n}" for what, n in report.done.items()) or "nothing new"
    return [
        Figure(
            "sweep.daily",
            daily_ms,
            "ms",
            "sweep.raw-update",
            raw_ms,
            targets=[Target("ratio", "<=", 2), Target("median", "<", 10_000)],
            note=f"{spec.total_measures:,} measures, {overdue:,} overdue; sweep_run for {today} "
            f"after {before}'s: {done}",
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
