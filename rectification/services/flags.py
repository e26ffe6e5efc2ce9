"""The sweep's flags: overdue (超期) and stale (长期未更新), kept every day.

Each flag is set by a conditional UPDATE ("… WHERE overdue_since IS NULL": the row count
says who acted) and cleared by another, so a second run the same day, or a run beside
another one, changes nothing. Flagging also puts a system entry in the measure's timeline,
so that "became overdue" is on the record. Overdue is Measure.objects.overdue (the
models' overdue_q): the one rule the lists, the dashboard and the digest count with.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Measure, MeasureKind, MeasureStatus, ProgressEntry
from .sql import insert_select


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _timeline(measures: QuerySet[Measure], text: str) -> int:
    """A system entry with ``text`` in the timeline of each measure that lacks one."""
    same = ProgressEntry.objects.filter(measure=OuterRef("pk"), kind=ProgressEntry.Kind.SYSTEM, text=text)
    source = (
        measures.exclude(Exists(same))
        .order_by()
        .annotate(
            e_kind=Value(ProgressEntry.Kind.SYSTEM),
            e_text=Value(text),
            e_status=Value(""),
            e_at=Value(timezone.now()),
        )
        .values_list("pk", "e_kind", "e_text", "e_status", "e_status", "e_at")
    )
    columns = ["measure", "kind", "text", "old_status", "new_status", "created_at"]
    return insert_select(ProgressEntry, columns, source)


def _flag(rows: QuerySet[Measure], field_name: str, today: dt.date, text: str) -> int:
    """Set ``field_name`` to ``today`` on ``rows`` and put ``text`` in the timeline of each
    measure flagged; returns how many.

    On PostgreSQL one statement does both (a data-modifying WITH): the entries go to
    exactly the rows the UPDATE changed, with no second scan for them and no check for
    entries already there; 230,000 newly overdue measures take about half the time. The
    UPDATE is Django's own (UpdateQuery), so its WHERE is the queryset's. Elsewhere the
    UPDATE is followed by an INSERT … SELECT of the measures flagged today that lack the
    entry."""
    if connection.vendor != "postgresql":
        flagged = rows.update(**{field_name: today})
        if flagged:
            _timeline(Measure.objects.filter(**{field_name: today}), text)
        return flagged
    query = rows.query.chain(UpdateQuery)  # as QuerySet.update() builds it
    query.add_update_values({field_name: today})
    query.annotations = {}
    try:
        update, params = query.get_compiler(connection.alias).as_sql()
    except EmptyResultSet:
        return 0
    qn = connection.ops.quote_name
    entry = ProgressEntry._meta
    columns = ", ".join(
        qn(entry.get_field(c).column) for c in ("measure", "kind", "text", "old_status", "new_status", "created_at")
    )
    statement = (
        f"WITH flagged AS ({update} RETURNING {qn(Measure._meta.pk.column)} AS id) "
        f"INSERT INTO {qn(entry.db_table)} ({columns}) "
        "SELECT id, %s, %s, '', '', %s FROM flagged ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*params, ProgressEntry.Kind.SYSTEM, text, timezone.now()))
        return cursor.rowcount


@transaction.atomic
def overdue_flag(*, today: dt.date) -> int:
    """Flag measures whose deadline passed (Measure.objects.overdue) and record when in
    their timeline. Returns how many this run flagged."""
    text = _("完成时限已过，自 {day} 起标记为超期。").format(day=f"{today:%Y-%m-%d}")
    return _flag(Measure.objects.overdue(today).filter(overdue_since__isnull=True), "overdue_since", today, text)


@transaction.atomic
def overdue_clear(*, today: dt.date) -> int:
    """Clear the flag of measures signed off since, or whose deadline moved out of the past."""
    no_longer = Q(status=MeasureStatus.DONE) | Q(due_on__isnull=True) | Q(due_on__gte=today)
    return Measure.objects.filter(no_longer, overdue_since__isnull=False).update(overdue_since=None)


def _stale_cutoff(today: dt.date) -> dt.datetime:
    return _start_of(today - dt.timedelta(days=settings.RECTIFICATION["STALE_AFTER_DAYS"]))


@transaction.atomic
def stale_flag(*, today: dt.date) -> int:
    """Flag ongoing (长期坚持) measures without progress for STALE_AFTER_DAYS days."""
    cutoff = _stale_cutoff(today)
    quiet = Q(last_progress_at__lt=cutoff) | Q(last_progress_at__isnull=True, created_at__lt=cutoff)
    rows = Measure.objects.open().filter(quiet, kind=MeasureKind.ONGOING, stale_since__isnull=True)
    text = _("超过 {days} 天未报告进展，自 {day} 起标记为长期未更新。").format(
        days=settings.RECTIFICATION["STALE_AFTER_DAYS"], day=f"{today:%Y-%m-%d}"
    )
    return _flag(rows, "stale_since", today, text)


@transaction.atomic
def stale_clear(*, today: dt.date) -> int:
    fresh = Q(status=MeasureStatus.DONE) | ~Q(kind=MeasureKind.ONGOING) | Q(last_progress_at__gte=_stale_cutoff(today))
    return Measure.objects.filter(fresh, stale_since__isnull=False).update(stale_since=None)
