"""When the documents handed upward are due: the rule (deadlines.py), whose rules apply,
scheduling the documents (idempotent, following rule changes), and their rungs on the
reminder ladder with frozen time.

Dates (2025, official calendar): 06-30 is a Monday, 07-05/06 a weekend; 10-01..10-08 the
National Day holiday.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.timezone import localdate

from fuhua.settings import _report_due_months
from rectification import deadlines, services
from rectification.models import Inspection, Notification, ReportingRules, UpwardDocument, document_label
from rectification.selectors.deadlines import rules_for_paths
from rectification.services.document_deadlines import OVERDUE_NOTICE_WINDOW_DAYS, documents_schedule
from rectification.services.notification_kinds import notification_path

from . import factories as f
from .test_sweep import days, notes, run

D = UpwardDocument
PLAN, REPORT = D.Kind.PLAN, D.Kind.REPORT


def rule(days: int = 30, months: tuple[int, ...] = (2,), by: str = "") -> deadlines.ReportingRule:
    return deadlines.ReportingRule(days, months, by)


def documents(inspection: Inspection) -> list[tuple[str, int, dt.date | None, str]]:
    rows = inspection.upward_documents.order_by("kind", "sequence")
    return list(rows.values_list("kind", "sequence", "due_on", "state"))


# ---------------------------------------------------------------- the rule, pure


def test_plan_in_days_and_reports_in_calendar_months_after_feedback():
    dues = deadlines.due_dates(dt.date(2025, 1, 21), rule())
    assert [(d.kind, d.sequence, d.due_on) for d in dues] == [
        (PLAN, 1, dt.date(2025, 2, 20)),
        (REPORT, 1, dt.date(2025, 3, 21)),
    ]
    # The 31st becomes the month's last day, as for re-checks (workflow.add_months).
    dues = deadlines.due_dates(dt.date(2025, 1, 31), rule(15, (1, 3)))
    assert [d.due_on for d in dues] == [dt.date(2025, 2, 15), dt.date(2025, 2, 28), dt.date(2025, 4, 30)]


@pytest.mark.parametrize(
    ("value", "months"),
    [("2", (2,)), ("1, 3", (1, 3)), ("1、3", (1, 3)), (" 1，3，6 ", (1, 3, 6)), ([1, 3], (1, 3))],
)
def test_report_months_as_administrators_write_them(value, months):
    assert deadlines.parse_report_months(value) == months


@pytest.mark.parametrize("value", ["", "x", "0", "3, 1", "2, 2", "121", [True], [1.5], None, list(range(1, 14))])
def test_report_months_that_make_no_sense_are_refused_with_a_message(value):
    with pytest.raises(ValueError, match=r"\S"):
        deadlines.parse_report_months(value)


def test_settings_parse_report_months_and_refuse_nonsense():
    assert _report_due_months("2") == (2,)
    assert _report_due_months("1,3") == (1, 3)
    for bad in ["", "two", "3,1", "0"]:
        with pytest.raises(ImproperlyConfigured, match="REPORT_DUE_MONTHS"):
            _report_due_months(bad)


def test_defaults_come_from_settings(settings):
    settings.RECTIFICATION = {**settings.RECTIFICATION, "PLAN_DUE_DAYS": 20, "REPORT_DUE_MONTHS": (1, 3)}
    assert deadlines.default_rule() == rule(20, (1, 3))


def test_the_nearest_rules_up_the_tree_itself_first():
    district, street = rule(30, (2,), "区委"), rule(15, (1,), "街道")
    rules = {1: district, 5: street}
    assert deadlines.rule_for("/1/5/23/", rules, rule()) == street
    assert deadlines.rule_for("/1/6/24/", rules, rule()) == district
    assert deadlines.rule_for("/1/5/", rules, rule()) == street  # itself first
    assert deadlines.rule_for("/2/7/", rules, rule(9)) == rule(9)  # none up the tree: the defaults


def test_a_stored_rule_that_does_not_parse_falls_back_to_the_defaults_part():
    stored = deadlines.stored_rule(plan_due_days=0, report_due_months="x", set_by="区委", set_by_id=1)
    assert (stored.plan_due_days, stored.report_due_months, stored.set_by) == (30, (2,), "区委")


def test_countdown_says_what_the_dashboard_shows():
    today, S = dt.date(2025, 6, 20), D.State
    assert deadlines.countdown(S.DRAFT, dt.date(2025, 6, 25), today).text == "还剩 5 天"
    assert deadlines.countdown(S.DRAFT, dt.date(2025, 6, 25), today).tone == "soon"
    assert deadlines.countdown(S.DRAFT, dt.date(2025, 8, 25), today).tone == ""
    assert deadlines.countdown(S.DRAFT, today, today).text == "今天到期"
    late = deadlines.countdown(S.DRAFT, dt.date(2025, 6, 15), today)
    assert (late.text, late.tone, late.late_days) == ("已超期 5 天", "late", 5)
    assert deadlines.countdown(S.SUBMITTED, dt.date(2025, 6, 15), today).text == "已报送，待审核"
    assert deadlines.countdown(S.RETURNED, dt.date(2025, 6, 25), today).text == "已退回，待修改"
    assert deadlines.countdown(S.RETURNED, dt.date(2025, 6, 15), today).text == "已退回，待修改 · 已超期 5 天"
    assert deadlines.countdown(S.APPROVED, dt.date(2025, 6, 15), today).text == "已审核通过"
    assert deadlines.countdown(S.DRAFT, None, today).text == "不设报送期限"


def test_rule_text_names_whose_rule_it_is():
    assert deadlines.rule_text(rule(30, (2,), "福田区委")) == (
        "按福田区委规定：反馈后 30 天内报送整改方案，2 个月后报送整改情况报告"
    )
    assert deadlines.rule_text(rule(15, (1, 3))) == (
        "按系统默认规定：反馈后 15 天内报送整改方案，1、3 个月后分别报送整改情况报告"
    )
    assert document_label(REPORT, 2) == "第二次整改情况报告"


def test_document_labels_follow_the_active_language():
    """The labels are cached per language: switching back and forth never shows one
    language's label in the other."""
    from django.utils import translation

    for _ in range(2):
        assert document_label(REPORT, 2) == "第二次整改情况报告"
        with translation.override("en"):
            assert document_label(REPORT, 2) != "第二次整改情况报告"
            assert "2" in document_label(REPORT, 2)
            assert document_label(UpwardDocument.Kind.PLAN, 1) != "整改方案"
        assert document_label(UpwardDocument.Kind.PLAN, 1) == "整改方案"


# ---------------------------------------------------------------- whose rules: the selector


@pytest.mark.django_db
def test_rules_for_many_organisations_in_one_query(personas, django_assert_num_queries):
    tree = personas.tree
    ReportingRules.objects.create(organisation=tree.district, plan_due_days=20, report_due_months=[1, 3])
    ReportingRules.objects.create(organisation=tree.b, plan_due_days=10, report_due_months=[2])
    others = [f.organisation(parent=tree.street) for _ in range(5)]
    paths = [tree.a.path, tree.b.path, tree.street.path] + [o.path for o in others]
    with django_assert_num_queries(1):
        found = rules_for_paths(paths)
    district_rule = deadlines.ReportingRule(20, (1, 3), tree.district.short_name, tree.district.pk)
    assert found[tree.a.path] == district_rule == found[others[0].path] == found[tree.street.path]
    assert found[tree.b.path] == deadlines.ReportingRule(10, (2,), tree.b.short_name, tree.b.pk)
    lone = f.organisation(level="district")
    assert rules_for_paths([lone.path])[lone.path] == deadlines.default_rule()


# ---------------------------------------------------------------- scheduling


@pytest.mark.django_db
def test_creating_an_inspection_schedules_its_documents(personas):
    inspection = services.inspection_create(
        user=personas.secretary_a,
        organisation=personas.tree.a,
        team="区委第五巡察组",
        onsite_start=dt.date(2025, 3, 1),
        onsite_end=dt.date(2025, 4, 30),
        feedback_on=dt.date(2025, 5, 31),
    )
    assert documents(inspection) == [
        (PLAN, 1, dt.date(2025, 6, 30), "draft"),
        (REPORT, 1, dt.date(2025, 7, 31), "draft"),
    ]
    history = D.history.filter(inspection_id=inspection.pk)
    assert sorted(history.values_list("kind", "history_type", "due_on")) == [
        (PLAN, "+", dt.date(2025, 6, 30)),
        (REPORT, "+", dt.date(2025, 7, 31)),
    ]
    # A corrected feedback date moves them.
    services.inspection_update(inspection=inspection, user=personas.secretary_a, feedback_on=dt.date(2025, 5, 10))
    assert [due for _k, _s, due, _st in documents(inspection)] == [dt.date(2025, 6, 9), dt.date(2025, 7, 10)]


@pytest.mark.django_db
def test_importing_a_ledger_schedules_the_new_inspections_documents(personas):
    from .ledger_books import book, rows3
    from .test_ledger_import import do_import

    plan = do_import(book(rows3()), personas.secretary_a)
    assert documents(plan.inspection) == [
        (PLAN, 1, dt.date(2025, 2, 20), "draft"),
        (REPORT, 1, dt.date(2025, 3, 21), "draft"),
    ]


@pytest.mark.django_db
def test_the_sweep_schedules_every_inspection_once(personas):
    a, b = f.inspection(organisation=personas.tree.a), f.inspection(organisation=personas.tree.b)
    first = run(dt.date(2025, 6, 21))  # a Saturday: scheduling does not wait for a working day
    assert first.done["documents scheduled (整改方案, 整改情况报告)"] == 4
    assert (
        documents(a)
        == documents(b)
        == [
            (PLAN, 1, dt.date(2025, 2, 20), "draft"),
            (REPORT, 1, dt.date(2025, 3, 21), "draft"),
        ]
    )
    assert run(dt.date(2025, 6, 21)).nothing_new
    assert documents_schedule() == documents_schedule()  # nothing created, nothing moved


@pytest.mark.django_db
def test_changed_rules_move_the_dates_not_yet_submitted_and_add_reports(personas):
    a, b = f.inspection(organisation=personas.tree.a), f.inspection(organisation=personas.tree.b)
    documents_schedule()
    a.upward_documents.filter(kind=PLAN).update(state=D.State.SUBMITTED)
    b.upward_documents.filter(kind=PLAN).update(state=D.State.RETURNED)
    rules = ReportingRules.objects.create(
        organisation=personas.tree.district, plan_due_days=15, report_due_months=[1, 3]
    )

    done = documents_schedule()

    assert (done.created, done.moved) == (2, 3)
    assert documents(a) == [
        (PLAN, 1, dt.date(2025, 2, 20), "submitted"),  # submitted: due by the date it had
        (REPORT, 1, dt.date(2025, 2, 21), "draft"),
        (REPORT, 2, dt.date(2025, 4, 21), "draft"),
    ]
    assert documents(b)[0] == (PLAN, 1, dt.date(2025, 2, 5), "returned")  # returned: not submitted
    moved = D.history.filter(inspection_id=b.pk, kind=PLAN, history_type="~").get()
    assert (moved.due_on, moved.state, moved.history_user_id) == (dt.date(2025, 2, 5), "returned", None)
    assert documents_schedule() == type(done)(0, 0)

    # Back to one report: the second keeps its row (a draft may hold work) but is no longer due.
    rules.report_due_months = [2]
    rules.save()
    documents_schedule()
    assert documents(a)[1:] == [(REPORT, 1, dt.date(2025, 3, 21), "draft"), (REPORT, 2, None, "draft")]
    assert documents_schedule() == type(done)(0, 0)


def _schedule_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        documents_schedule()
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_scheduling_costs_the_same_few_queries_for_any_number_of_inspections(personas):
    def world(n: int) -> list[int]:
        UpwardDocument.objects.all().delete()
        Inspection.objects.all().delete()
        ReportingRules.objects.all().delete()
        for i in range(n):
            f.inspection(organisation=[personas.tree.a, personas.tree.b][i % 2])
        counts = [_schedule_queries(), _schedule_queries()]  # create; nothing to do
        ReportingRules.objects.create(organisation=personas.tree.street, plan_due_days=10, report_due_months=[1])
        counts.append(_schedule_queries())  # move every date
        return counts

    small, large = world(10), world(40)
    assert small == large, (small, large)
    # Read inspections, rules, documents (3); then the INSERT of the documents and of their
    # history (2); on the move, one UPDATE, a read of the rows moved and their history (3).
    assert large == [5, 3, 6]


# ---------------------------------------------------------------- reminders


@pytest.fixture
def due_plan(personas):
    """A's inspection with feedback on 05-31: its plan is due Monday 06-30, its report 07-31.
    A district supervisor too, who should not hear while the street has one."""
    f.user(username="district_supervisor", organisation=personas.tree.district, role="supervisor")
    inspection = f.inspection(organisation=personas.tree.a, feedback_on=dt.date(2025, 5, 31))
    documents_schedule(inspection_ids=[inspection.pk])
    return inspection


@pytest.mark.django_db
def test_secretary_is_reminded_before_and_told_with_the_supervisor_when_late(personas, due_plan):
    for day in days(dt.date(2025, 6, 20), dt.date(2025, 7, 10)):
        run(day)
    key = f"{due_plan.pk}:plan1:2025-06-30"
    # Three working days ahead (06-25 is a Wednesday: 26, 27, 30), once.
    assert notes(personas.secretary_a, "document_due_soon") == [f"document_due_soon:{key}"]
    reminder = Notification.objects.get(recipient=personas.secretary_a, kind="document_due_soon")
    assert localdate(reminder.created_at) == dt.date(2025, 6, 25)
    assert reminder.message == "整改方案（区委第四巡察组）应于 2025-06-30 前报送，请抓紧起草、按时报送。"
    # The first day after: the secretary and the street's supervisor, not the district's.
    assert notes(personas.secretary_a, "document_overdue") == [f"document_overdue:{key}"]
    assert notes(personas.supervisor, "document_overdue") == [f"document_overdue:{key}"]
    assert Notification.objects.get(recipient=personas.supervisor).message == (
        f"{personas.tree.a.short_name}的整改方案（区委第四巡察组）已超过报送期限（2025-06-30）仍未报送。"
    )
    assert localdate(Notification.objects.get(recipient=personas.supervisor).created_at) == dt.date(2025, 7, 1)
    assert not Notification.objects.filter(recipient__username="district_supervisor").exists()
    assert not Notification.objects.filter(recipient__in=[personas.staff_a, personas.member_a]).exists()
    # The notice leads to the dashboard's countdown of that inspection.
    assert notification_path(reminder) == f"/dashboard/?inspection={due_plan.pk}#documents"
    assert run(dt.date(2025, 7, 10)).nothing_new


@pytest.mark.django_db
def test_nothing_once_submitted_or_approved(personas, due_plan):
    run(dt.date(2025, 6, 20))
    due_plan.upward_documents.update(state=D.State.SUBMITTED)
    for day in days(dt.date(2025, 6, 21), dt.date(2025, 8, 10)):
        run(day)
    assert not Notification.objects.filter(kind__startswith="document_").exists()
    due_plan.upward_documents.update(state=D.State.APPROVED)
    run(dt.date(2025, 8, 11))
    assert not Notification.objects.filter(kind__startswith="document_").exists()


@pytest.mark.django_db
def test_a_document_returned_after_its_due_date_is_late_again(personas, due_plan):
    due_plan.upward_documents.filter(kind=PLAN).update(state=D.State.SUBMITTED)
    run(dt.date(2025, 7, 1))
    assert not notes(personas.secretary_a, "document_overdue")
    due_plan.upward_documents.filter(kind=PLAN).update(state=D.State.RETURNED)
    report = run(dt.date(2025, 7, 2))
    assert report.done["document overdue notices (报送超期) → secretaries, supervisors"] == 2
    assert notes(personas.secretary_a, "document_overdue") == [f"document_overdue:{due_plan.pk}:plan1:2025-06-30"]


@pytest.mark.django_db
def test_reminders_wait_for_a_working_day(personas):
    # Feedback 09-01: the plan is due 10-01, in the National Day holiday.
    inspection = f.inspection(organisation=personas.tree.a, feedback_on=dt.date(2025, 9, 1))
    documents_schedule(inspection_ids=[inspection.pk])
    for day in days(dt.date(2025, 10, 1), dt.date(2025, 10, 8)):
        assert not run(day).workday
    assert not Notification.objects.exists()
    run(dt.date(2025, 10, 9))  # the first working day after: late, told then
    assert notes(personas.secretary_a, "document_overdue") == [f"document_overdue:{inspection.pk}:plan1:2025-10-01"]


@pytest.mark.django_db
def test_a_document_long_overdue_when_first_seen_raises_no_notice(personas):
    """An old inspection entered late: its documents show late, nobody is told today."""
    f.inspection(organisation=personas.tree.a)  # feedback 2025-01-21: plan due 02-20
    run(dt.date(2025, 2, 20) + dt.timedelta(days=OVERDUE_NOTICE_WINDOW_DAYS + 1))
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_without_a_supervisor_on_the_street_the_district_hears(personas):
    district_supervisor = f.user(username="district_supervisor", organisation=personas.tree.district, role="supervisor")
    personas.supervisor.is_active = False
    personas.supervisor.save()
    inspection = f.inspection(organisation=personas.tree.b, feedback_on=dt.date(2025, 5, 31))
    run(dt.date(2025, 7, 1))
    assert notes(district_supervisor, "document_overdue") == [f"document_overdue:{inspection.pk}:plan1:2025-06-30"]
    assert not notes(personas.secretary_a)  # B's secretary would hear; A's does not


@pytest.mark.django_db
def test_a_moved_due_date_reminds_afresh(personas, due_plan):
    run(dt.date(2025, 6, 25))
    ReportingRules.objects.create(organisation=personas.tree.street, plan_due_days=35, report_due_months=[2])
    for day in days(dt.date(2025, 6, 26), dt.date(2025, 7, 7)):
        run(day)
    assert notes(personas.secretary_a, "document_due_soon") == [
        f"document_due_soon:{due_plan.pk}:plan1:2025-06-30",
        f"document_due_soon:{due_plan.pk}:plan1:2025-07-05",
    ]
    assert notes(personas.secretary_a, "document_overdue") == [f"document_overdue:{due_plan.pk}:plan1:2025-07-05"]
