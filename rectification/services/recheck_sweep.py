"""The sweep's re-check step (回头看): signed-off measures get a re-check date, and on
that date a pending ReCheck and a request to the organisation's secretary. What the
secretary then decides is in rechecks.py.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from ..models import Measure, MeasureStatus, ReCheck, recheck_unopened_q
from ..workflow import recheck_due_on
from .notification_kinds import Kind
from .notifications import notify_measures
from .sql import BY_ID, chunks, ids_of, insert_select_returning


@transaction.atomic
def recheck_schedule() -> int:
    """Give signed-off measures without one a re-check date. One SELECT of them, then one
    UPDATE by primary key per distinct sign-off day (a backlog once, about one a day after
    that): filtering each day by its date would scan the whole table once per day, which
    a backlog of a thousand days over a million measures turns into many minutes."""
    unscheduled = Measure.objects.filter(
        status=MeasureStatus.DONE, recheck_on__isnull=True, signed_off_at__isnull=False
    ).order_by()
    by_day: dict[dt.date, list[int]] = {}
    for pk, day in unscheduled.annotate(day=TruncDate("signed_off_at")).values_list("pk", "day"):
        by_day.setdefault(day, []).append(pk)
    return sum(
        Measure.objects.filter(pk__in=chunk).update(recheck_on=recheck_due_on(day))
        for day, pks in by_day.items()
        for chunk in chunks(pks)
    )


@transaction.atomic
def recheck_open(*, today: dt.date) -> tuple[int, int]:
    """A pending ReCheck for each signed-off measure whose re-check date has come, and a
    request to its organisation's secretary. Runs on working days, so the request goes out
    the day the re-check opens. Each measure records the date whose re-check opened
    (``recheck_opened_for``), and only measures whose re-check date differs are looked at,
    through a partial index of just those: the step costs what it opens, not the history
    of every re-check ever opened (over a million measures, 0.5 s a day and growing
    without it). The unique (measure, date) of ReCheck still guards against a concurrent
    run. Returns (re-checks, requests)."""
    due = Measure.objects.filter(recheck_unopened_q(), recheck_on__lte=today)
    # Recorded by id: PostgreSQL expects a hundred times more rows than the rule selects,
    # so an UPDATE filtered by it scanned the whole table (0.4–1.1 s for 1,446 re-checks
    # over a million measures), while reading the ids takes the partial index (4 ms).
    due_ids = ids_of(due)
    source = (
        due.order_by()
        .annotate(r_state=Value(ReCheck.State.PENDING), r_note=Value(""))
        .values_list("pk", "recheck_on", "r_state", "r_note")
    )
    columns = ["measure", "due_on", "state", "note"]
    opened = sorted(pk for (pk,) in insert_select_returning(ReCheck, columns, source, returning=("measure",)))
    for chunk in chunks(due_ids, BY_ID):  # each now has its ReCheck, new or found
        due.filter(pk__in=chunk).update(recheck_opened_for=F("recheck_on"))
    message = _("「{title}」销号已满 {months} 个月，请开展回头看，确认问题是否反弹。")
    message = message.replace("{months}", str(settings.RECTIFICATION["RECHECK_AFTER_MONTHS"]))
    asked = 0
    for chunk in chunks(opened, 1000):
        measures = Measure.objects.filter(pk__in=chunk)
        asked += len(
            notify_measures(measures, "secretaries", kind=Kind.RECHECK, key="recheck:{id}:{recheck}", message=message)
        )
    return len(opened), asked
