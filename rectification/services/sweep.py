"""The daily sweep: overdue and stale flags, reminders, the escalation ladder, re-checks.

Set-based: each step is a few UPDATE / INSERT … SELECT statements, whatever the number of
measures; nothing loops over measures in Python. Idempotent: every flag is set by a
conditional UPDATE ("… WHERE overdue_since IS NULL": the row count says who acted), and
every record and notification has a unique key, so a second run the same day, or a run
beside another one, adds nothing. Each step commits on its own, so a run killed half-way
leaves whole steps behind and the next run completes the rest.

The ladder, each step after its own grace period in working days (settings.RECTIFICATION):
  before the deadline   提醒书 (reminder)        → the responsible people
  overdue               告诫书 (warning)          → the responsible people; then every
                                                    OVERDUE_REMIND_EVERY_DAYS one reminder per
                                                    person for all their overdue measures
  overdue longer        督查指导书 (guidance)     → the responsible leader
  overdue longer still  问责书 (accountability)   → the organisation's secretary
Escalation rows keep each step on the record. Reminders follow the measure as it is now:
reassigned measures remind their new people, an extension starts the ladder afresh (keys
carry the deadline), a sign-off stops it. Notifications go out, and re-checks (回头看)
open, on working days only; flags are kept every day.

What a step has already sent is skipped before anything is offered to the unique keys,
so an ordinary day costs about what it sends, not what the database holds. Where proving
"already sent" would itself read every long-overdue or signed-off measure each day, the
measure records what is done for its current deadline, re-check date or stale spell
(ladder_done_for, recheck_opened_for, stale_reminded_for) and partial indexes hold only the
rest; a changed date makes the measure due again without anyone having to reset the record.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, F, Min, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Substr, TruncDate
from django.db.models.sql import UpdateQuery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import (
    Escalation,
    Measure,
    MeasureKind,
    MeasureStatus,
    Membership,
    Notification,
    ProgressEntry,
    ReCheck,
    SweepMark,
    ladder_climbing_q,
    recheck_unopened_q,
    stale_unreminded_q,
)
from . import notifications, workdays
from .notifications import Kind, chunks, insert_select, insert_select_returning, sql_format

Step = Escalation.Step
_ORG = "finding__category__inspection__organisation"
# Overdue reminders repeat once per period of OVERDUE_REMIND_EVERY_DAYS counted from this
# Monday, so "every 7 days" means once a week, Monday to Sunday.
_PERIOD_EPOCH = dt.date(2024, 1, 1)

# Who hears about a measure: a filter that picks the people, and the column naming them.
_AUDIENCES: dict[str, tuple[dict, str]] = {
    "owners": ({"owners__user__is_active": True}, "owners__user_id"),
    "leader": ({"leader__user__is_active": True}, "leader__user_id"),
    "secretaries": (
        {f"{_ORG}__memberships__role": Membership.Role.SECRETARY, f"{_ORG}__memberships__user__is_active": True},
        f"{_ORG}__memberships__user_id",
    ),
}


def _rule(name: str) -> int:
    return settings.RECTIFICATION[name]


@dataclass
class SweepReport:
    today: dt.date
    workday: bool
    done: dict[str, int] = field(default_factory=dict)
    state: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        if count:
            self.done[what] = self.done.get(what, 0) + count

    @property
    def nothing_new(self) -> bool:
        return not self.done

    def lines(self) -> list[str]:
        head = f"sweep {self.today:%Y-%m-%d}"
        out = [f"{head}: {what}: {count}" for what, count in self.done.items()]
        if self.state:
            out.append(f"{head}: now " + ", ".join(f"{what}: {count}" for what, count in self.state.items()))
        if not self.workday:
            out.append(f"{head}: not a working day, reminders and re-checks wait for the next working day")
        if self.nothing_new:
            out.append(f"{head}: nothing new to do")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def sweep_run(*, today: dt.date, drain: bool = True) -> SweepReport:
    """Run every step for ``today``. Not one transaction on purpose: each step commits on
    its own (see the module docstring)."""
    report = SweepReport(today=today, workday=workdays.is_workday(today))
    with translation.override(settings.LANGUAGE_CODE):
        report.add("measures flagged overdue", overdue_flag(today=today))
        report.add("overdue flags cleared (done or deadline moved)", overdue_clear(today=today))
        report.add("ongoing measures flagged stale", stale_flag(today=today))
        report.add("stale flags cleared", stale_clear(today=today))
        report.add("re-check dates scheduled", recheck_schedule())
        if report.workday:
            _remind(today, report)
    if drain:
        sent = notifications.outbox_drain()
        report.add("messages sent (e-mail, webhook)", sent.sent)
        report.add("messages to retry", sent.retrying)
        report.add("messages given up", sent.given_up)
    report.state = sweep_state(today)
    return report


def sweep_state(today: dt.date) -> dict[str, int]:
    """What the flags say after the run (3 queries, each answered from a small index).

    After overdue_flag and overdue_clear the overdue flags are exactly the measures that
    are overdue today (the one adds the new ones, the other removes the rest), so those are
    counted, from the open measures' index rather than a scan of the whole table."""
    pending = ReCheck.objects.filter(state=ReCheck.State.PENDING).count()
    return {
        "overdue": Measure.objects.overdue(today).count(),
        "stale": Measure.objects.filter(stale_since__isnull=False).count(),
        "re-checks pending": pending,
    }


def _remind(today: dt.date, report: SweepReport) -> None:
    report.add("due-soon reminders (提醒书)", reminders_due_soon(today=today))
    climbing = ladder_climbing(today)
    for step, after, audience in _LADDER:
        escalated, notified = escalate(
            today=today, step=step, after_workdays=_rule(after), audience=audience, climbing=climbing
        )
        report.add(f"escalations: {Step(step).label}", escalated)
        report.add(f"escalation notices: {Step(step).label} → {audience}", notified)
    ladder_record_done(today=today, climbing=climbing)
    report.add("repeated overdue reminders", reminders_overdue_repeat(today=today))
    report.add("stale reminders", reminders_stale())
    opened, asked = recheck_open(today=today)
    report.add("re-checks due (回头看)", opened)
    report.add("re-check requests to secretaries", asked)


# ---------------------------------------------------------------------------- flags


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
    return _start_of(today - dt.timedelta(days=_rule("STALE_AFTER_DAYS")))


@transaction.atomic
def stale_flag(*, today: dt.date) -> int:
    """Flag ongoing (长期坚持) measures without progress for STALE_AFTER_DAYS days."""
    cutoff = _stale_cutoff(today)
    quiet = Q(last_progress_at__lt=cutoff) | Q(last_progress_at__isnull=True, created_at__lt=cutoff)
    rows = Measure.objects.open().filter(quiet, kind=MeasureKind.ONGOING, stale_since__isnull=True)
    text = _("超过 {days} 天未报告进展，自 {day} 起标记为长期未更新。").format(
        days=_rule("STALE_AFTER_DAYS"), day=f"{today:%Y-%m-%d}"
    )
    return _flag(rows, "stale_since", today, text)


@transaction.atomic
def stale_clear(*, today: dt.date) -> int:
    fresh = Q(status=MeasureStatus.DONE) | ~Q(kind=MeasureKind.ONGOING) | Q(last_progress_at__gte=_stale_cutoff(today))
    return Measure.objects.filter(fresh, stale_since__isnull=False).update(stale_since=None)


# ---------------------------------------------------------------------------- re-checks (回头看)


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def recheck_due_on(signed_off_on: dt.date) -> dt.date:
    """When a measure signed off on ``signed_off_on`` is re-checked."""
    return add_months(signed_off_on, _rule("RECHECK_AFTER_MONTHS"))


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
    due_ids = _ids(due)
    source = (
        due.order_by()
        .annotate(r_state=Value(ReCheck.State.PENDING), r_note=Value(""))
        .values_list("pk", "recheck_on", "r_state", "r_note")
    )
    columns = ["measure", "due_on", "state", "note"]
    opened = sorted(pk for (pk,) in insert_select_returning(ReCheck, columns, source, returning=("measure",)))
    for chunk in chunks(due_ids, _BY_ID):  # each now has its ReCheck, new or found
        due.filter(pk__in=chunk).update(recheck_opened_for=F("recheck_on"))
    message = _("「{title}」销号已满 {months} 个月，请开展回头看，确认问题是否反弹。")
    message = message.replace("{months}", str(_rule("RECHECK_AFTER_MONTHS")))
    asked = 0
    for chunk in chunks(opened, 1000):
        measures = Measure.objects.filter(pk__in=chunk)
        asked += len(
            notify_measures(measures, "secretaries", kind=Kind.RECHECK, key="recheck:{id}:{recheck}", message=message)
        )
    return len(opened), asked


# ---------------------------------------------------------------------------- reminders


def _fmt(template: str, ref: type[F] = F):
    """A template over a Measure row: {id}, {due}, {title}, {stale}, {recheck}; with
    ``ref=OuterRef`` over the outer row of a subquery."""
    return sql_format(
        template,
        id=Cast(ref("pk"), CharField()),
        due=Cast(ref("due_on"), CharField()),
        title=Substr(ref("title"), 1, 60),
        stale=Cast(ref("stale_since"), CharField()),
        recheck=Cast(ref("recheck_on"), CharField()),
    )


def notify_measures(measures: QuerySet[Measure], audience: str, *, kind: str, key: str, message: str) -> list[tuple]:
    """Notify ``audience`` ("owners", "leader", "secretaries") of each measure; ``key`` and
    ``message`` are templates filled in per row (see _fmt).

    Measures that already have the notice are left out first (an index lookup on the
    notification's measure), so a daily step costs what it sends, not what it sent before;
    the unique key still guards against a concurrent run. A notice goes to the people the
    measure has when it is first sent."""
    people, column = _AUDIENCES[audience]
    sent = Notification.objects.filter(measure=OuterRef("pk"), kind=kind, key=_fmt(key, OuterRef))
    return notifications.notify_rows(
        measures.exclude(Exists(sent)).filter(**people),
        recipient=F(column),
        key=_fmt(key),
        kind=kind,
        message=_fmt(message),
        measure=F("pk"),
    )


@transaction.atomic
def reminders_due_soon(*, today: dt.date) -> int:
    """Remind the responsible people REMIND_BEFORE_WORKDAYS working days before the
    deadline, once per deadline; a 提醒书 goes on the record of each measure reminded."""
    limit = workdays.add_workdays(today, _rule("REMIND_BEFORE_WORKDAYS"))
    due = Measure.objects.open().filter(due_on__gte=today, due_on__lte=limit)
    created = notify_measures(
        due,
        "owners",
        kind=Kind.DUE_SOON,
        key="due_soon:{id}:{due}",
        message=_("「{title}」将于 {due} 到期，请抓紧推进并及时报告整改进展。"),
    )
    reminded = sorted({measure_id for _pk, measure_id in created})
    Escalation.objects.bulk_create(
        [Escalation(measure_id=pk, step=Step.REMINDER, issued_on=today) for pk in reminded], ignore_conflicts=True
    )
    return len(created)


_LADDER = (
    (Step.WARNING, "ESCALATE_PERSON_AFTER_WORKDAYS", "owners"),
    (Step.GUIDANCE, "ESCALATE_LEADER_AFTER_WORKDAYS", "leader"),
    (Step.ACCOUNTABILITY, "ESCALATE_SECRETARY_AFTER_WORKDAYS", "secretaries"),
)
_LADDER_MESSAGES: dict[str, Callable[[], str]] = {
    Step.WARNING: lambda: _("「{title}」已超过完成时限（{due}）仍未完成，请尽快整改并报告进展。"),
    Step.GUIDANCE: lambda: _("您分管的「{title}」已超期（完成时限 {due}），请督促责任人尽快整改。"),
    Step.ACCOUNTABILITY: lambda: _("「{title}」超期未完成（完成时限 {due}），已提请书记督办。"),
}


# The sweep's steps that work on measures by id do so this many at a time: in chunks the
# planner knows how few rows it gets and looks each one up, where from a partial index
# alone it may expect a third of the table and hash every escalation or notice ever made.
_BY_ID = 5000


def _ids(measures: QuerySet[Measure]) -> list[int]:
    """The ids of ``measures``, read from a partial index alone. Without order_by(),
    Measure's default order (by finding, and so by category and inspection) joins three
    tables and sorts: 370–900 ms instead of 14–29 ms for the ladder's 2,000 ids a day."""
    return list(measures.order_by().values_list("pk", flat=True))


def ladder_climbing(today: dt.date) -> list[int]:
    """The overdue measures not yet through the whole ladder for their current deadline
    (from the partial index of ``ladder_climbing_q``; see ladder_record_done)."""
    return _ids(Measure.objects.overdue(today).filter(ladder_climbing_q()))


@transaction.atomic
def escalate(*, today: dt.date, step: str, after_workdays: int, audience: str, climbing: list[int]) -> tuple[int, int]:
    """One rung of the ladder: measures overdue by at least ``after_workdays`` working
    days that have not had ``step`` since their current deadline get it, on the record
    (Escalation, unique per measure, step and day) and as a notification to ``audience``
    (unique per rung and deadline). ``climbing``: ladder_climbing(today), read once for
    the three rungs. Returns (measures escalated, notifications)."""
    cutoff = workdays.latest_workdays_cutoff(today, after_workdays)
    had_it = Escalation.objects.filter(measure=OuterRef("pk"), step=step, issued_on__gt=OuterRef("due_on"))
    escalated = 0
    for chunk in chunks(climbing, _BY_ID):
        due = Measure.objects.filter(pk__in=chunk).overdue(today).filter(due_on__lt=cutoff).exclude(Exists(had_it))
        source = (
            due.order_by()
            .annotate(x_step=Value(step), x_on=Value(today), x_note=Value(""))
            .values_list("pk", "x_step", "x_on", "x_note")
        )
        escalated += insert_select(Escalation, ["measure", "step", "issued_on", "note"], source)
    issued_today = Escalation.objects.filter(measure=OuterRef("pk"), step=step, issued_on=today)
    notified = notify_measures(
        Measure.objects.overdue(today).filter(Exists(issued_today)),
        audience,
        kind=Kind.ESCALATION if step != Step.WARNING else Kind.OVERDUE,
        key=f"escalation:{step}:{{id}}:{{due}}",
        message=_LADDER_MESSAGES[step](),
    )
    return escalated, len(notified)


@transaction.atomic
def ladder_record_done(*, today: dt.date, climbing: list[int]) -> int:
    """Record, on each overdue measure that now has every step of the ladder for its
    current deadline, that deadline (``ladder_done_for``). The steps read only measures
    without it, through a partial index of just those, so a measure overdue for months
    costs nothing a day once its 问责书 is out (over a million measures the three steps
    took 0.7 s a day, proving for each of 229,000 overdue measures that it had them). An
    extension or any other change of the deadline makes the measure climb again."""
    issued = [
        Exists(Escalation.objects.filter(measure=OuterRef("pk"), step=step, issued_on__gt=OuterRef("due_on")))
        for step, _after, _audience in _LADDER
    ]
    rows = Measure.objects.overdue(today).filter(ladder_climbing_q(), *issued)
    return sum(rows.filter(pk__in=chunk).update(ladder_done_for=F("due_on")) for chunk in chunks(climbing, _BY_ID))


def overdue_period(today: dt.date) -> tuple[int, dt.date]:
    """The number and first day of the repeat period ``today`` falls in."""
    every = max(_rule("OVERDUE_REMIND_EVERY_DAYS"), 1)
    number = (today - _PERIOD_EPOCH).days // every
    return number, _PERIOD_EPOCH + dt.timedelta(days=number * every)


REPEAT_STEP = "overdue_repeat"


@transaction.atomic
def reminders_overdue_repeat(*, today: dt.date) -> int:
    """While measures stay overdue, remind their people again once in each later period:
    one notice per person, counting their overdue measures and giving the earliest
    deadline, with a link to the list of them.

    One notice per person, not one per measure: a person with twelve late measures gets
    one reminder, one e-mail and one group-chat message a week rather than twelve, and the
    list behind the link is always current. (Each measure's own 告诫书 is still sent per
    measure, by the ladder.) Counted are the measures overdue today that were warned
    before the period began. The period's first working-day run sends them and records
    that it ran (SweepMark, in the same transaction); later runs in the period send
    nothing. A person who has no active account that day waits for the next period."""
    number, start = overdue_period(today)
    if SweepMark.objects.filter(step=REPEAT_STEP, period=number).exists():
        return 0
    warned_before = Escalation.objects.filter(
        measure=OuterRef("pk"), step=Step.WARNING, issued_on__gt=OuterRef("due_on"), issued_on__lt=start
    )
    people, column = _AUDIENCES["owners"]
    per_person = (
        Measure.objects.overdue(today)
        .filter(Exists(warned_before), **people)
        .order_by()
        .values(column)
        .annotate(x_count=Count("pk", distinct=True), x_earliest=Min("due_on"))
    )
    message = _("您负责的 {count} 项整改措施仍处于超期状态（最早的完成时限 {due}），请尽快整改并报告进展。")
    # Read first, then insert the few thousand notices: PostgreSQL may read with parallel
    # workers, which it never does for the SELECT of an INSERT … SELECT (over a million
    # measures: 0.7–0.9 s instead of 1.1 s for this step).
    created = notifications.notify_each(
        [
            (user_id, message.format(count=count, due=earliest.isoformat()))
            for user_id, count, earliest in per_person.values_list(column, "x_count", "x_earliest")
        ],
        kind=Kind.OVERDUE,
        key=f"{REPEAT_STEP}:{number}",
    )
    SweepMark.objects.get_or_create(step=REPEAT_STEP, period=number, defaults={"done_on": today})
    return created


@transaction.atomic
def reminders_stale() -> int:
    """Ask the people of stale ongoing measures for progress, once per stale spell. Each
    measure records the stale_since whose reminder went out (``stale_reminded_for``), and
    only the others are read, by id from the partial index of ``stale_unreminded_q``: the
    step costs what it sends, not one check per stale measure a day (over a million
    measures, 0.3–0.5 s of every working day's sweep without it)."""
    pending = _ids(Measure.objects.filter(stale_unreminded_q()))
    message = _("长期坚持的「{title}」已超过 {days} 天未报告进展，请及时报告整改进展。")
    message = message.replace("{days}", str(_rule("STALE_AFTER_DAYS")))
    created = 0
    for chunk in chunks(pending, _BY_ID):
        stale = Measure.objects.open().filter(pk__in=chunk, kind=MeasureKind.ONGOING, stale_since__isnull=False)
        created += len(notify_measures(stale, "owners", kind=Kind.STALE, key="stale:{id}:{stale}", message=message))
        stale.update(stale_reminded_for=F("stale_since"))
    return created


# ---------------------------------------------------------------------------- weekly digest


def _counts(rows: QuerySet, person: str, today: dt.date) -> dict[int, dict[str, int]]:
    """Open / overdue / due-soon measure counts per user, over ``rows`` grouped by ``person``."""
    soon = today + dt.timedelta(days=_rule("DUE_SOON_DAYS"))
    grouped = (
        rows.open()
        .filter(**{f"{person}__user__is_active": True})
        .order_by()
        .values(f"{person}__user_id")
        .annotate(
            open=Count("pk", distinct=True),
            overdue=Count("pk", filter=Q(due_on__lt=today), distinct=True),
            due_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=soon), distinct=True),
        )
    )
    return {row[f"{person}__user_id"]: row for row in grouped}


@transaction.atomic
def digest_send(*, today: dt.date) -> int:
    """The weekly digest: each person's open, due-soon and overdue measures (as responsible
    person and as leader); each secretary's snapshot of the organisation. Once per ISO week."""
    year, week, _weekday = today.isocalendar()
    key = f"digest:{year}-W{week:02d}"
    owned = _counts(Measure.objects.all(), "owners", today)
    led = _counts(Measure.objects.all(), "leader", today)
    line = _("{role}：未完成 {open} 项，其中超期 {overdue} 项、{days} 天内到期 {due_soon} 项。")
    days = _rule("DUE_SOON_DAYS")
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        for user_id in sorted(owned.keys() | led.keys()):
            parts = [line.format(role=_("您负责的措施"), days=days, **owned[user_id])] if user_id in owned else []
            parts += [line.format(role=_("您分管的措施"), days=days, **led[user_id])] if user_id in led else []
            created += _digest_one(user_id, key, _("本周整改情况：") + " ".join(parts))
        for user_id, text in _secretary_snapshots(today).items():
            created += _digest_one(user_id, f"{key}:organisation", text)
    return created


def _digest_one(user_id: int, key: str, message: str) -> int:
    from django.contrib.auth import get_user_model

    user = get_user_model()(pk=user_id)
    return notifications.notify(recipients=[user], kind=Kind.DIGEST, message=message, key=key)


def _secretary_snapshots(today: dt.date) -> dict[int, str]:
    """Secretary user id -> the snapshot of their organisations' measures (2 queries)."""
    org_id = f"{_ORG}_id"
    figures = {
        row[org_id]: row
        for row in Measure.objects.order_by()
        .values(org_id)
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=MeasureStatus.DONE)),
            awaiting=Count("pk", filter=Q(status=MeasureStatus.AWAITING_SIGN_OFF)),
            overdue=Count("pk", filter=Q(due_on__lt=today) & ~Q(status=MeasureStatus.DONE)),
        )
    }
    text = _("{org}整改概况：措施 {total} 项，已完成 {done} 项，待销号 {awaiting} 项，超期 {overdue} 项。")
    out: dict[int, list[str]] = {}
    secretaries = Membership.objects.filter(
        role=Membership.Role.SECRETARY, user__is_active=True, organisation_id__in=list(figures)
    ).values_list("user_id", "organisation_id", "organisation__short_name")
    for user_id, org, name in secretaries:
        out.setdefault(user_id, []).append(text.format(org=name, **figures[org]))
    return {user_id: " ".join(lines) for user_id, lines in out.items()}
