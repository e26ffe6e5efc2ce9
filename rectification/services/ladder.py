"""The sweep's reminders and the escalation ladder, sent on working days only.

The ladder, each step after its own grace period in working days (settings.RECTIFICATION):
  before the deadline   提醒书 (reminder)        → the responsible people
  overdue               告诫书 (warning)          → the responsible people; then every
                                                    OVERDUE_REMIND_EVERY_DAYS one reminder per
                                                    person for all their overdue measures
  overdue longer        督查指导书 (guidance)     → the responsible leader
  overdue longer still  问责书 (accountability)   → the organisation's secretary
Escalation rows keep each step on the record. Reminders follow the measure as it is now:
reassigned measures remind their new people, an extension starts the ladder afresh (keys
carry the deadline), a sign-off stops it. Stale ongoing measures get one reminder per
stale spell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Value
from django.utils.translation import gettext as _

from ..models import Escalation, Measure, MeasureKind, SweepMark, ladder_climbing_q, stale_unreminded_q
from . import workdays
from .notification_kinds import Kind
from .notifications import AUDIENCES, notify_each, notify_measures
from .sql import BY_ID, chunks, ids_of, insert_select

Step = Escalation.Step
# Overdue reminders repeat once per period of OVERDUE_REMIND_EVERY_DAYS counted from this
# Monday, so "every 7 days" means once a week, Monday to Sunday.
_PERIOD_EPOCH = dt.date(2024, 1, 1)


@transaction.atomic
def reminders_due_soon(*, today: dt.date) -> int:
    """Remind the responsible people REMIND_BEFORE_WORKDAYS working days before the
    deadline, once per deadline; a 提醒书 goes on the record of each measure reminded."""
    limit = workdays.add_workdays(today, settings.RECTIFICATION["REMIND_BEFORE_WORKDAYS"])
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


LADDER = (
    (Step.WARNING, "ESCALATE_PERSON_AFTER_WORKDAYS", "owners"),
    (Step.GUIDANCE, "ESCALATE_LEADER_AFTER_WORKDAYS", "leader"),
    (Step.ACCOUNTABILITY, "ESCALATE_SECRETARY_AFTER_WORKDAYS", "secretaries"),
)
_LADDER_MESSAGES: dict[str, Callable[[], str]] = {
    Step.WARNING: lambda: _("「{title}」已超过完成时限（{due}）仍未完成，请尽快整改并报告进展。"),
    Step.GUIDANCE: lambda: _("您分管的「{title}」已超期（完成时限 {due}），请督促责任人尽快整改。"),
    Step.ACCOUNTABILITY: lambda: _("「{title}」超期未完成（完成时限 {due}），已提请书记督办。"),
}


def ladder_climbing(today: dt.date) -> list[int]:
    """The overdue measures not yet through the whole ladder for their current deadline
    (from the partial index of ``ladder_climbing_q``; see ladder_record_done)."""
    return ids_of(Measure.objects.overdue(today).filter(ladder_climbing_q()))


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
    for chunk in chunks(climbing, BY_ID):
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
        for step, _after, _audience in LADDER
    ]
    rows = Measure.objects.overdue(today).filter(ladder_climbing_q(), *issued)
    return sum(rows.filter(pk__in=chunk).update(ladder_done_for=F("due_on")) for chunk in chunks(climbing, BY_ID))


def overdue_period(today: dt.date) -> tuple[int, dt.date]:
    """The number and first day of the repeat period ``today`` falls in."""
    every = max(settings.RECTIFICATION["OVERDUE_REMIND_EVERY_DAYS"], 1)
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
    people, column = AUDIENCES["owners"]
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
    created = notify_each(
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
    pending = ids_of(Measure.objects.filter(stale_unreminded_q()))
    message = _("长期坚持的「{title}」已超过 {days} 天未报告进展，请及时报告整改进展。")
    message = message.replace("{days}", str(settings.RECTIFICATION["STALE_AFTER_DAYS"]))
    created = 0
    for chunk in chunks(pending, BY_ID):
        stale = Measure.objects.open().filter(pk__in=chunk, kind=MeasureKind.ONGOING, stale_since__isnull=False)
        created += len(notify_measures(stale, "owners", kind=Kind.STALE, key="stale:{id}:{stale}", message=message))
        stale.update(stale_reminded_for=F("stale_since"))
    return created
