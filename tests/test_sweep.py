"""The daily sweep, with frozen time: flags, the reminder ladder, re-targeting, re-checks,
the digest, idempotency, and a query count that does not grow with the data.

Dates used (2025, official calendar): 06-30 is a Monday; 07-05/06 a weekend; the
National Day holiday runs 10-01..10-08 with make-up working days on Sunday 09-28 and
Saturday 10-11.
"""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rectification import services
from rectification.models import (
    Escalation,
    Measure,
    Notification,
    ProgressEntry,
    ReCheck,
    SweepMark,
    ladder_climbing_q,
    recheck_unopened_q,
    stale_unreminded_q,
)
from rectification.services import ladder, recheck_sweep, sweep
from rectification.services.sweep import sweep_run

from . import factories as f

S = Measure.Status
Step = Escalation.Step
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int = 6) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour, 30), tzinfo=SHANGHAI), tick=False)


def run(day: dt.date, **kwargs) -> sweep.SweepReport:
    with at(day):
        return sweep_run(today=day, **kwargs)


def notes(user=None, kind=None) -> list[str]:
    rows = Notification.objects.order_by("created_at", "pk")
    if user is not None:
        rows = rows.filter(recipient=user)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("key", flat=True))


def days(start: dt.date, end: dt.date):
    while start <= end:
        yield start
        start += dt.timedelta(days=1)


@pytest.fixture
def due_june(personas):
    """Due Monday 2025-06-30; staff_a responsible, member_a leader; secretary_a is 书记."""
    return f.measure_in(
        personas.tree.a, due_on=dt.date(2025, 6, 30), leader=personas.person_member_a, owners=[personas.person_staff_a]
    )


# ---------------------------------------------------------------- overdue flag


@pytest.mark.django_db
def test_flags_exactly_the_overdue_measures_once_and_records_when(personas):
    a, t = personas.tree.a, dt.date(2025, 7, 1)
    late = f.measure_in(a, due_on=dt.date(2025, 6, 30))
    late_awaiting = f.measure_in(a, due_on=dt.date(2025, 6, 2), status=S.AWAITING_SIGN_OFF)
    f.measure_in(a, due_on=dt.date(2025, 6, 2), status=S.DONE)
    f.measure_in(a, due_on=t)  # due today: not yet overdue
    f.measure_in(a, kind=Measure.Kind.ONGOING)
    f.measure_in(a, due_on=dt.date(2025, 9, 30))

    report = run(t)

    assert set(Measure.objects.filter(overdue_since__isnull=False).values_list("pk", flat=True)) == {
        late.pk,
        late_awaiting.pk,
    }
    assert set(Measure.objects.exclude(overdue_since=None).values_list("overdue_since", flat=True)) == {t}
    assert report.done["measures flagged overdue"] == 2
    entries = ProgressEntry.objects.filter(kind=ProgressEntry.Kind.SYSTEM, text__contains="超期")
    assert sorted(entries.values_list("measure_id", flat=True)) == sorted([late.pk, late_awaiting.pk])
    assert entries.first().text == "完成时限已过，自 2025-07-01 起标记为超期。"

    again = run(t)
    assert again.nothing_new, again.lines()
    assert "nothing new to do" in str(again)
    assert entries.count() == 2


@pytest.mark.django_db
def test_flag_cleared_when_the_deadline_moves_and_set_again_when_the_new_one_passes(personas, due_june):
    run(dt.date(2025, 7, 1))
    extension = services.extension_request(
        measure=due_june, user=personas.staff_a, new_due_on=dt.date(2025, 7, 31), reason="需协调物业"
    )
    services.extension_decide(extension=extension, user=personas.secretary_a, approve=True)

    report = run(dt.date(2025, 7, 2))
    due_june.refresh_from_db()
    assert due_june.overdue_since is None
    assert report.done["overdue flags cleared (done or deadline moved)"] == 1

    run(dt.date(2025, 8, 1))
    due_june.refresh_from_db()
    assert due_june.overdue_since == dt.date(2025, 8, 1)
    texts = list(due_june.entries.filter(kind="system").order_by("pk").values_list("text", flat=True))
    assert texts == ["完成时限已过，自 2025-07-01 起标记为超期。", "完成时限已过，自 2025-08-01 起标记为超期。"]


@pytest.mark.django_db
def test_flag_cleared_when_signed_off(personas, due_june):
    run(dt.date(2025, 7, 1))
    m = services.measure_report_progress(measure=due_june, user=personas.staff_a, progress="已完成。")
    m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    services.measure_sign_off(measure=m, user=personas.secretary_a)
    run(dt.date(2025, 7, 2))
    due_june.refresh_from_db()
    assert due_june.overdue_since is None


# ---------------------------------------------------------------- the ladder


@pytest.mark.django_db
def test_ladder_person_then_leader_then_secretary_each_after_its_grace_period(personas, due_june):
    for day in days(dt.date(2025, 6, 25), dt.date(2025, 7, 20)):
        run(day)

    # 提醒书 three working days ahead (06-25 is Wednesday: 26, 27, 30).
    assert notes(personas.staff_a, "due_soon") == [f"due_soon:{due_june.pk}:2025-06-30"]
    # 告诫书 on the first working day overdue, then once a week (periods start on Mondays).
    assert notes(personas.staff_a, "overdue") == [
        f"escalation:warning:{due_june.pk}:2025-06-30",
        "overdue_repeat:79",
        "overdue_repeat:80",
    ]
    assert notes(personas.member_a) == [f"escalation:guidance:{due_june.pk}:2025-06-30"]
    assert notes(personas.secretary_a) == [f"escalation:accountability:{due_june.pk}:2025-06-30"]
    steps = list(Escalation.objects.order_by("issued_on").values_list("step", "issued_on"))
    assert steps == [
        (Step.REMINDER, dt.date(2025, 6, 25)),
        (Step.WARNING, dt.date(2025, 7, 1)),
        (Step.GUIDANCE, dt.date(2025, 7, 7)),  # 5 working days: 07-01..07-04, 07-07
        (Step.ACCOUNTABILITY, dt.date(2025, 7, 14)),  # 10 working days
    ]
    created_on = {
        n.key.split(":")[0] + n.key.split(":")[1]: n.created_at.astimezone(SHANGHAI).date()
        for n in Notification.objects.all()
    }
    assert all(day.weekday() < 5 for day in created_on.values())


@pytest.mark.django_db
def test_a_measure_through_the_whole_ladder_is_recorded_and_climbs_again_for_a_new_deadline(personas, due_june):
    """Once every step is out for its deadline, the measure records that deadline and the
    ladder's steps pass it by; a new deadline (an extension, an edit) makes it climb again."""
    for day in days(dt.date(2025, 7, 1), dt.date(2025, 7, 11)):
        run(day)
    due_june.refresh_from_db()
    assert due_june.ladder_done_for is None  # the 问责书 is not out yet (10 working days)
    run(dt.date(2025, 7, 14))
    due_june.refresh_from_db()
    assert due_june.ladder_done_for == dt.date(2025, 6, 30)
    assert not Measure.objects.filter(ladder_climbing_q()).exists()

    # A deadline moved by hand to 07-15, already past on 07-17: warned again from there.
    Measure.objects.filter(pk=due_june.pk).update(due_on=dt.date(2025, 7, 15))
    run(dt.date(2025, 7, 17))
    assert notes(personas.staff_a, "overdue")[-1] == f"escalation:warning:{due_june.pk}:2025-07-15"
    due_june.refresh_from_db()
    assert due_june.ladder_done_for == dt.date(2025, 6, 30)


@pytest.mark.django_db
def test_the_ladder_is_recorded_only_when_every_step_is_out_whatever_their_order(settings, personas, due_june):
    """Grace periods may be set out of order (the 问责书 before the 督查指导书); the record
    waits for the last of the three."""
    settings.RECTIFICATION = {
        **settings.RECTIFICATION,
        "ESCALATE_LEADER_AFTER_WORKDAYS": 5,
        "ESCALATE_SECRETARY_AFTER_WORKDAYS": 2,
    }
    for day in days(dt.date(2025, 7, 1), dt.date(2025, 7, 4)):
        run(day)
    due_june.refresh_from_db()
    assert set(Escalation.objects.values_list("step", flat=True)) == {Step.WARNING, Step.ACCOUNTABILITY}
    assert due_june.ladder_done_for is None
    run(dt.date(2025, 7, 7))
    due_june.refresh_from_db()
    assert due_june.ladder_done_for == dt.date(2025, 6, 30)
    assert notes(personas.member_a) == [f"escalation:guidance:{due_june.pk}:2025-06-30"]


@pytest.mark.django_db
def test_the_migration_records_the_ladders_already_done(personas):
    migration = importlib.import_module("rectification.migrations.0007_escalation_ladder_done")
    done = f.measure_in(personas.tree.a, due_on=dt.date(2025, 6, 30))
    half = f.measure_in(personas.tree.a, due_on=dt.date(2025, 6, 30))
    extended = f.measure_in(personas.tree.a, due_on=dt.date(2025, 8, 29))  # its ladder was for 06-30
    for m in (done, half, extended):
        steps = [Step.WARNING, Step.GUIDANCE] + ([Step.ACCOUNTABILITY] if m != half else [])
        Escalation.objects.bulk_create([Escalation(measure=m, step=s, issued_on=dt.date(2025, 7, 14)) for s in steps])
    migration.record_ladders_done(django_apps, None)
    recorded = dict(Measure.objects.values_list("pk", "ladder_done_for"))
    assert recorded == {done.pk: dt.date(2025, 6, 30), half.pk: None, extended.pk: None}


@pytest.mark.django_db
def test_grace_periods_come_from_settings(settings, personas, due_june):
    settings.RECTIFICATION = {**settings.RECTIFICATION, "ESCALATE_LEADER_AFTER_WORKDAYS": 2}
    run(dt.date(2025, 7, 1))
    assert notes(personas.member_a) == []
    run(dt.date(2025, 7, 2))
    assert notes(personas.member_a) == [f"escalation:guidance:{due_june.pk}:2025-06-30"]


@pytest.mark.django_db
def test_reassigned_measure_reminds_its_new_person(personas, due_june):
    run(dt.date(2025, 7, 1))
    newcomer = f.user(username="newcomer", organisation=personas.tree.a, role="staff", name="新同事")
    person = f.person(organisation=personas.tree.a, name="新同事", user=newcomer)
    services.measure_update(
        measure=due_june, user=personas.secretary_a, expected_version=due_june.version, owners=[person]
    )
    run(dt.date(2025, 7, 7))
    assert notes(newcomer, "overdue") == ["overdue_repeat:79"]
    assert len(notes(personas.staff_a, "overdue")) == 1  # only the first warning, before the change


@pytest.mark.django_db
def test_extension_starts_the_ladder_afresh_and_sign_off_stops_it(personas, due_june):
    run(dt.date(2025, 7, 1))
    extension = services.extension_request(
        measure=due_june, user=personas.staff_a, new_due_on=dt.date(2025, 7, 31), reason="需协调物业"
    )
    services.extension_decide(extension=extension, user=personas.secretary_a, approve=True)
    for day in days(dt.date(2025, 7, 2), dt.date(2025, 7, 31)):
        run(day)
    assert notes(personas.staff_a, "overdue") == [f"escalation:warning:{due_june.pk}:2025-06-30"]
    assert notes(personas.member_a) == []  # the leader rung never came for the old deadline

    run(dt.date(2025, 8, 1))
    assert notes(personas.staff_a, "overdue")[-1] == f"escalation:warning:{due_june.pk}:2025-07-31"

    m = services.measure_report_progress(measure=due_june, user=personas.staff_a, progress="已完成。")
    m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    services.measure_sign_off(measure=m, user=personas.secretary_a)
    before = Notification.objects.count()
    for day in days(dt.date(2025, 8, 4), dt.date(2025, 8, 29)):
        run(day)
    assert Notification.objects.count() == before


@pytest.mark.django_db
def test_repeat_reminder_is_one_notice_per_person_a_week_counting_their_overdue_measures(personas, due_june):
    """Each week's first working-day run sends every person one reminder for all of their
    measures warned before the week (not one per measure) and records that it ran; the
    rest of the week sends nothing; next week counts what is overdue then."""
    second = f.measure_in(personas.tree.a, due_on=dt.date(2025, 6, 27), owners=[personas.person_staff_a])
    f.measure_in(personas.tree.a, due_on=dt.date(2025, 7, 3), owners=[personas.person_staff_a])  # warned 07-04
    for day in days(dt.date(2025, 6, 27), dt.date(2025, 7, 7)):
        run(day)
    week = ladder.overdue_period(dt.date(2025, 7, 7))[0]
    reminder = Notification.objects.get(recipient=personas.staff_a, key=f"overdue_repeat:{week}")
    assert reminder.measure is None and reminder.kind == "overdue"
    # The one due 07-03 was first warned on 07-04, in the week before: counted too.
    assert (
        reminder.message == "您负责的 3 项整改措施仍处于超期状态（最早的完成时限 2025-06-27），请尽快整改并报告进展。"
    )
    assert SweepMark.objects.get(step=ladder.REPEAT_STEP, period=week).done_on == dt.date(2025, 7, 7)
    assert not Notification.objects.filter(key__startswith="overdue_repeat").exclude(pk=reminder.pk).exists()

    # Tuesday: the second measure is signed off; nothing more is sent this week.
    with at(dt.date(2025, 7, 8), hour=9):
        m = services.measure_report_progress(measure=second, user=personas.staff_a, progress="已完成。")
        m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
        services.measure_sign_off(measure=m, user=personas.secretary_a)
    for day in days(dt.date(2025, 7, 8), dt.date(2025, 7, 13)):
        assert run(day).done.get("repeated overdue reminders") is None

    # The next Monday counts the two still overdue, from the then earliest deadline.
    assert run(dt.date(2025, 7, 14)).done.get("repeated overdue reminders") == 1
    assert Notification.objects.get(recipient=personas.staff_a, key=f"overdue_repeat:{week + 1}").message == (
        "您负责的 2 项整改措施仍处于超期状态（最早的完成时限 2025-06-30），请尽快整改并报告进展。"
    )
    assert run(dt.date(2025, 7, 14)).nothing_new


@pytest.mark.django_db
def test_repeat_reminder_goes_to_each_responsible_person_with_an_active_account(personas, due_june):
    """Shared measures count for each of their people; people without an active login get
    nothing; the leader hears through the ladder, not through this reminder."""
    colleague = f.user(username="colleague", organisation=personas.tree.a, role="staff", name="同事")
    f.measure_in(
        personas.tree.a,
        due_on=dt.date(2025, 6, 30),
        owners=[personas.person_staff_a, f.person(organisation=personas.tree.a, name="同事", user=colleague)],
    )
    gone = f.user(username="gone", organisation=personas.tree.a, role="staff", name="离职")
    f.measure_in(
        personas.tree.a,
        due_on=dt.date(2025, 6, 30),
        owners=[f.person(organisation=personas.tree.a, name="离职", user=gone)],
    )
    gone.is_active = False
    gone.save()
    for day in days(dt.date(2025, 7, 1), dt.date(2025, 7, 7)):
        run(day)
    sent = dict(
        Notification.objects.filter(key__startswith="overdue_repeat").values_list("recipient__username", "message")
    )
    assert sorted(sent) == ["colleague", "staff_a"]
    assert "您负责的 2 项" in sent["staff_a"] and "您负责的 1 项" in sent["colleague"]
    assert not Notification.objects.filter(recipient=personas.member_a, kind="overdue").exists()


@pytest.mark.django_db
def test_nothing_is_sent_on_a_holiday_but_flags_are_kept(personas):
    m = f.measure_in(personas.tree.a, due_on=dt.date(2025, 9, 30), owners=[personas.person_staff_a])
    holiday = run(dt.date(2025, 10, 1))
    m.refresh_from_db()
    assert m.overdue_since == dt.date(2025, 10, 1)
    assert not holiday.workday and Notification.objects.count() == 0
    assert "not a working day" in str(holiday)
    run(dt.date(2025, 10, 9))  # the first working day after the holiday
    assert notes(personas.staff_a) == [f"escalation:warning:{m.pk}:2025-09-30"]


@pytest.mark.django_db
def test_due_soon_counts_make_up_working_days(personas):
    """Due Thursday 10-09, three working days ahead: not yet on Friday 09-26 (ahead are
    Sunday 09-28, 09-29, 09-30), but on the make-up Sunday 09-28 (ahead: 09-29, 09-30, 10-09)."""
    m = f.measure_in(personas.tree.a, due_on=dt.date(2025, 10, 9), owners=[personas.person_staff_a])
    run(dt.date(2025, 9, 26))
    assert notes(personas.staff_a) == []
    report = run(dt.date(2025, 9, 28))
    assert report.workday
    assert notes(personas.staff_a) == [f"due_soon:{m.pk}:2025-10-09"]
    assert Escalation.objects.get().issued_on == dt.date(2025, 9, 28)


# ---------------------------------------------------------------- stale, re-checks, digest


@pytest.mark.django_db
def test_ongoing_measure_without_progress_goes_stale_and_recovers(personas):
    m = f.measure_in(personas.tree.a, kind=Measure.Kind.ONGOING, owners=[personas.person_staff_a])
    Measure.objects.filter(pk=m.pk).update(last_progress_at=dt.datetime(2025, 5, 1, 10, tzinfo=SHANGHAI))
    run(dt.date(2025, 5, 30))  # 29 days: not yet
    m.refresh_from_db()
    assert m.stale_since is None
    report = run(dt.date(2025, 6, 3))
    m.refresh_from_db()
    assert m.stale_since == dt.date(2025, 6, 3)
    assert report.done["ongoing measures flagged stale"] == 1
    assert notes(personas.staff_a, "stale") == [f"stale:{m.pk}:2025-06-03"]
    assert m.entries.filter(kind="system", text__contains="长期未更新").count() == 1
    assert run(dt.date(2025, 6, 3)).nothing_new

    Measure.objects.filter(pk=m.pk).update(last_progress_at=dt.datetime(2025, 6, 4, 10, tzinfo=SHANGHAI))
    run(dt.date(2025, 6, 5))
    m.refresh_from_db()
    assert m.stale_since is None


@pytest.mark.django_db
def test_a_stale_reminder_goes_once_per_stale_spell(personas):
    """The measure records the stale spell it was reminded of; later sweeps pass it by,
    and a new spell (a new stale_since) is reminded again."""
    m = f.measure_in(personas.tree.a, kind=Measure.Kind.ONGOING, owners=[personas.person_staff_a])
    Measure.objects.filter(pk=m.pk).update(last_progress_at=dt.datetime(2025, 5, 1, 10, tzinfo=SHANGHAI))
    run(dt.date(2025, 6, 3))
    m.refresh_from_db()
    assert (m.stale_since, m.stale_reminded_for) == (dt.date(2025, 6, 3), dt.date(2025, 6, 3))
    assert not Measure.objects.filter(stale_unreminded_q()).exists()
    assert run(dt.date(2025, 6, 4)).done.get("stale reminders") is None

    # Progress ends the spell; two quiet months start another, reminded again.
    with at(dt.date(2025, 6, 4), hour=9):
        services.measure_report_progress(measure=m, user=personas.staff_a, progress="本月已开展排查。")
    run(dt.date(2025, 6, 5))
    assert run(dt.date(2025, 7, 7)).done.get("stale reminders") == 1
    m.refresh_from_db()
    assert (m.stale_since, m.stale_reminded_for) == (dt.date(2025, 7, 7), dt.date(2025, 7, 7))
    assert notes(personas.staff_a, "stale") == [f"stale:{m.pk}:2025-06-03", f"stale:{m.pk}:2025-07-07"]

    # Flagged on a Sunday (no reminders on rest days): reminded on Monday.
    with at(dt.date(2025, 7, 8), hour=9):
        m.refresh_from_db()
        services.measure_report_progress(measure=m, user=personas.staff_a, progress="继续排查。")
    run(dt.date(2025, 7, 9))
    assert run(dt.date(2025, 8, 10)).done.get("stale reminders") is None  # Sunday
    m.refresh_from_db()
    assert (m.stale_since, m.stale_reminded_for) == (dt.date(2025, 8, 10), dt.date(2025, 7, 7))
    assert run(dt.date(2025, 8, 11)).done.get("stale reminders") == 1
    assert notes(personas.staff_a, "stale")[-1] == f"stale:{m.pk}:2025-08-10"


@pytest.mark.django_db
def test_the_migration_records_the_stale_reminders_already_sent(personas):
    """0008 backfills stale_reminded_for from the notices of each current stale spell, so
    that after the deploy no spell is reminded twice and none is skipped."""
    migration = importlib.import_module("rectification.migrations.0008_stale_reminded")
    kw = {"kind": Measure.Kind.ONGOING, "owners": [personas.person_staff_a]}
    reminded = f.measure_in(personas.tree.a, stale_since=dt.date(2025, 6, 3), **kw)
    earlier = f.measure_in(personas.tree.a, stale_since=dt.date(2025, 7, 7), **kw)  # reminded of an earlier spell
    waiting = f.measure_in(personas.tree.a, stale_since=dt.date(2025, 6, 3), **kw)
    for measure, day in ((reminded, "2025-06-03"), (earlier, "2025-06-03")):
        Notification.objects.create(
            recipient=personas.staff_a, measure=measure, kind="stale", key=f"stale:{measure.pk}:{day}", message="…"
        )
    Measure.objects.update(stale_reminded_for=None)
    migration.record_stale_reminded(django_apps, None)
    assert set(Measure.objects.filter(stale_unreminded_q()).values_list("pk", flat=True)) == {earlier.pk, waiting.pk}


@pytest.mark.django_db
def test_signed_off_measure_is_rechecked_months_later(personas):
    m = f.measure_in(personas.tree.a, status=S.DONE, signed_off_at=dt.datetime(2025, 3, 20, 16, tzinfo=SHANGHAI))
    run(dt.date(2025, 3, 21))
    m.refresh_from_db()
    assert m.recheck_on == dt.date(2025, 6, 20)
    assert not ReCheck.objects.exists()

    report = run(dt.date(2025, 6, 20))
    recheck = ReCheck.objects.get()
    assert (recheck.measure, recheck.due_on, recheck.state) == (m, dt.date(2025, 6, 20), "pending")
    assert notes(personas.secretary_a, "recheck") == [f"recheck:{m.pk}:2025-06-20"]
    assert report.done["re-checks due (回头看)"] == 1
    assert run(dt.date(2025, 6, 20)).nothing_new


@pytest.mark.django_db
def test_a_recheck_opens_once_per_recheck_date_whatever_sets_the_date(personas):
    """The measure records the date whose re-check opened; later runs pass it by. A new
    date, from a sign-off after the problem came back or from anywhere else, opens again."""
    m = f.measure_in(
        personas.tree.a,
        status=S.DONE,
        signed_off_at=dt.datetime(2025, 3, 20, 16, tzinfo=SHANGHAI),
        owners=[personas.person_staff_a],
    )
    run(dt.date(2025, 3, 21))
    run(dt.date(2025, 6, 20))
    m.refresh_from_db()
    assert (m.recheck_on, m.recheck_opened_for) == (dt.date(2025, 6, 20), dt.date(2025, 6, 20))
    assert not Measure.objects.filter(recheck_unopened_q()).exists()
    assert run(dt.date(2025, 6, 23)).done.get("re-checks due (回头看)") is None

    # The problem came back; fixed again and signed off on 07-10: re-checked on 10-10.
    first = ReCheck.objects.get()
    with at(dt.date(2025, 6, 23), hour=9):
        services.recheck_reopen(
            recheck=first,
            user=personas.secretary_a,
            note="又出现堆放",
            today=dt.date(2025, 6, 23),
            due_on=dt.date(2025, 7, 31),
        )
    with at(dt.date(2025, 7, 10), hour=9):
        m.refresh_from_db()
        m = services.measure_report_progress(measure=m, user=personas.staff_a, progress="已清理。")
        m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
        services.measure_sign_off(measure=m, user=personas.secretary_a)
    m.refresh_from_db()
    assert m.recheck_on == dt.date(2025, 10, 10)
    assert run(dt.date(2025, 10, 10)).done.get("re-checks due (回头看)") == 1

    # A date changed by hand (the admin, a restore) counts as new too.
    Measure.objects.filter(pk=m.pk).update(recheck_on=dt.date(2025, 10, 13))
    assert run(dt.date(2025, 10, 13)).done.get("re-checks due (回头看)") == 1
    dates = list(ReCheck.objects.filter(measure=m).order_by("due_on").values_list("due_on", flat=True))
    assert dates == [dt.date(2025, 6, 20), dt.date(2025, 10, 10), dt.date(2025, 10, 13)]


@pytest.mark.django_db
def test_the_migration_records_the_rechecks_already_opened(personas):
    """0006 backfills recheck_opened_for from the ReCheck rows, so that after the deploy
    no re-check opens twice and none is skipped."""
    migration = importlib.import_module("rectification.migrations.0006_recheck_opened")
    opened = f.measure_in(personas.tree.a, status=S.DONE, recheck_on=dt.date(2025, 6, 20))
    ReCheck.objects.create(measure=opened, due_on=dt.date(2025, 6, 20))
    moved = f.measure_in(personas.tree.a, status=S.DONE, recheck_on=dt.date(2025, 9, 1))
    ReCheck.objects.create(measure=moved, due_on=dt.date(2025, 6, 20))  # an earlier date's
    waiting = f.measure_in(personas.tree.a, status=S.DONE, recheck_on=dt.date(2025, 6, 20))
    migration.mark_opened(django_apps, None)
    assert set(Measure.objects.filter(recheck_unopened_q()).values_list("pk", flat=True)) == {moved.pk, waiting.pk}
    assert run(dt.date(2025, 6, 20)).done.get("re-checks due (回头看)") == 1  # the waiting one


@pytest.mark.django_db
def test_recheck_months_are_calendar_months(settings):
    settings.RECTIFICATION = {**settings.RECTIFICATION, "RECHECK_AFTER_MONTHS": 3}
    assert recheck_sweep.recheck_due_on(dt.date(2025, 11, 30)) == dt.date(2026, 2, 28)
    assert recheck_sweep.recheck_due_on(dt.date(2025, 1, 31)) == dt.date(2025, 4, 30)


@pytest.mark.django_db
def test_weekly_digest_once_a_week(personas, due_june):
    f.measure_in(personas.tree.a, due_on=dt.date(2025, 7, 10), owners=[personas.person_staff_a])
    f.measure_in(personas.tree.a, due_on=dt.date(2025, 6, 1), status=S.DONE, owners=[personas.person_staff_a])
    with at(dt.date(2025, 7, 7), 8):
        assert services.digest_send(today=dt.date(2025, 7, 7)) == 3
        assert services.digest_send(today=dt.date(2025, 7, 9)) == 0  # same ISO week
    staff = Notification.objects.get(recipient=personas.staff_a, kind="digest")
    assert staff.message == "本周整改情况：您负责的措施：未完成 2 项，其中超期 1 项、7 天内到期 1 项。"
    leader = Notification.objects.get(recipient=personas.member_a, kind="digest")
    assert leader.message == "本周整改情况：您分管的措施：未完成 1 项，其中超期 1 项、7 天内到期 0 项。"
    secretary = Notification.objects.get(recipient=personas.secretary_a, kind="digest")
    assert secretary.key == "digest:2025-W28:organisation"
    assert "措施 3 项，已完成 1 项，待销号 0 项，超期 1 项" in secretary.message


# ---------------------------------------------------------------- reliability


@pytest.mark.django_db
def test_a_run_killed_half_way_is_completed_by_the_next_without_duplicates(monkeypatch, personas, due_june):
    """Steps commit one by one: a crash after some leaves them done, the rerun finishes."""
    f.measure_in(personas.tree.a, due_on=dt.date(2025, 7, 2), owners=[personas.person_staff_a])
    for day in days(dt.date(2025, 6, 20), dt.date(2025, 7, 6)):
        run(day)

    def killed(**kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sweep, "reminders_overdue_repeat", killed)
    with pytest.raises(SystemExit):
        run(dt.date(2025, 7, 7))
    assert notes(personas.member_a) == [f"escalation:guidance:{due_june.pk}:2025-06-30"]  # done before the crash
    monkeypatch.undo()

    rerun = run(dt.date(2025, 7, 7))
    assert rerun.done == {"repeated overdue reminders": 1}  # one notice for both measures, warned last week
    assert run(dt.date(2025, 7, 7)).nothing_new
    keys = notes()
    assert len(keys) == len(set(keys))


def _world(tree, people, n: int) -> None:
    for i in range(n):
        kind = Measure.Kind.ONGOING if i % 4 == 0 else Measure.Kind.TIME_BOUND
        m = f.measure_in(tree.a, kind=kind, due_on=dt.date(2025, 6, 2 + i % 20), owners=[people[i % len(people)]])
        if kind == Measure.Kind.ONGOING:  # quiet since May: stale, and reminded, on the first run
            Measure.objects.filter(pk=m.pk).update(last_progress_at=dt.datetime(2025, 5, 1, tzinfo=SHANGHAI))
        if i % 5 == 0:
            Measure.objects.filter(pk=m.pk).update(
                status=S.DONE, signed_off_at=dt.datetime(2025, 1, 2, tzinfo=SHANGHAI)
            )


def _queries(day: dt.date) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run(day, drain=False)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_measures(personas):
    people = [personas.person_staff_a, personas.person_member_a]
    # Both worlds hold every deadline of _world's twenty (so both have measures still on
    # the ladder on 07-01); the larger holds three times as many measures.
    _world(personas.tree, people, 20)
    small = [_queries(dt.date(2025, 6, 23)), _queries(dt.date(2025, 7, 1)), _queries(dt.date(2025, 7, 1))]
    Measure.objects.all().delete()
    Notification.objects.all().delete()
    Escalation.objects.all().delete()
    ReCheck.objects.all().delete()
    SweepMark.objects.all().delete()
    _world(personas.tree, people, 60)
    large = [_queries(dt.date(2025, 6, 23)), _queries(dt.date(2025, 7, 1)), _queries(dt.date(2025, 7, 1))]
    assert small == large, (small, large)
    # A working day with everything to do: flags (2 UPDATE + 2 timeline INSERT), clears (2),
    # re-check scheduling (1 SELECT of sign-off days + 1 UPDATE per day) and opening (a
    # read of the due ids, an INSERT … SELECT, and per 5,000 ids the UPDATE that records
    # it: none due on this day),
    # reminders and three ladder rungs (INSERT … SELECT each, plus their notifications), the
    # weekly repeat (its period's mark, a SELECT per person, one INSERT per 500 people), the
    # stale reminders (a read of the measures not yet reminded: none on this day), the
    # record of the ladders done (1, after one read of the measures still on the ladder),
    # the closing state (2); each step in its own transaction (a savepoint and its release
    # here, inside the test's transaction). The ladder's statements run per 5,000 measures
    # on it. The documents handed upward: their scheduling (inspections, rules, documents:
    # 3, all in place by now) and reminders (a savepoint, its release, and the read of the
    # documents due lately or soon: none here, the inspections' feedback being January's).
    # Then the summary of several notices to one person (sweep_summary.py): its
    # transaction (2), the summaries' INSERT … SELECT in notify_rows' own (3), the folded
    # notices read (1) and marked read (1).
    assert large[1] == 76
