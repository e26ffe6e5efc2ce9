"""The documents' due dates where people see them: the countdown and the rule on the
secretary's dashboard, the late-documents column of the supervisors' roll-up (sorted, flat
query count), the admin where a district sets its rules, and the demo."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from rectification.models import Inspection, ReportingRules, UpwardDocument
from rectification.services.document_deadlines import documents_schedule

from . import factories as f

D = UpwardDocument
DASHBOARD = reverse("rectification:dashboard")
ROLLUP = reverse("rectification:rollup")
TODAY = dt.date(2025, 3, 31)  # Monday: the plans of January's feedback are late, the reports not yet due


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2025, 3, 31, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


def _page(client, user, url, **params) -> str:
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- the dashboard


@pytest.mark.django_db
def test_dashboard_counts_down_each_document_and_says_whose_rule(client, personas, frozen):
    ReportingRules.objects.create(organisation=personas.tree.district, plan_due_days=30, report_due_months=[2, 6])
    inspection = f.measure_in(personas.tree.a).finding.category.inspection  # feedback 2025-01-21
    documents_schedule()

    body = _page(client, personas.secretary_a, DASHBOARD)

    assert 'id="documents"' in body
    district = personas.tree.district.short_name
    assert f"按{district}规定：反馈后 30 天内报送整改方案，2、6 个月后分别报送整改情况报告" in body
    assert "整改方案" in body and "2025-02-20" in body and "已超期 39 天" in body
    assert "整改情况报告" in body and "2025-03-21" in body and "已超期 10 天" in body
    assert "第二次整改情况报告" in body and "2025-07-21" in body and "还剩 112 天" in body

    inspection.upward_documents.filter(kind=D.Kind.PLAN).update(state=D.State.SUBMITTED)
    inspection.upward_documents.filter(kind=D.Kind.REPORT, sequence=1).update(state=D.State.RETURNED)
    inspection.upward_documents.filter(kind=D.Kind.REPORT, sequence=2).update(state=D.State.APPROVED)
    body = _page(client, personas.secretary_a, DASHBOARD)
    assert "已报送，待审核" in body and "已退回，待修改 · 已超期 10 天" in body and "已审核通过" in body
    # The counting rule is stated beside the others.
    assert "报送期限：整改方案、整改情况报告自巡察反馈日期起算" in body


@pytest.mark.django_db
def test_dashboard_shows_the_rules_dates_before_the_sweep_has_written_them(client, personas, frozen):
    f.measure_in(personas.tree.a)  # made without the service: no documents yet
    assert not UpwardDocument.objects.exists()
    body = _page(client, personas.secretary_a, DASHBOARD)
    assert "按系统默认规定：反馈后 30 天内报送整改方案，2 个月后报送整改情况报告" in body
    assert "已超期 39 天" in body and "已超期 10 天" in body


@pytest.mark.django_db
def test_dashboard_countdown_in_english(client, personas, frozen):
    f.measure_in(personas.tree.a)
    documents_schedule()
    client.cookies["django_language"] = "en"
    body = _page(client, personas.secretary_a, DASHBOARD)
    assert "Rectification plan" in body and "39 days overdue" in body
    assert "Under the system default: the plan within 30 days of the feedback" in body


# ---------------------------------------------------------------- the roll-up


def _late_world(personas, extra: int) -> None:
    f.measure_in(personas.tree.a)  # feedback 01-21: plan 39 days late, report 10
    b = f.measure_in(personas.tree.b).finding.category.inspection
    for _ in range(extra):
        f.measure_in(f.organisation(parent=personas.tree.street))
    documents_schedule()
    b.upward_documents.filter(kind=D.Kind.PLAN).update(state=D.State.SUBMITTED)


@pytest.mark.django_db
def test_roll_up_says_who_is_late_with_which_document(client, personas, frozen):
    _late_world(personas, 0)
    client.force_login(personas.supervisor)
    response = client.get(ROLLUP)
    rows = {r.organisation: r for r in response.context["rows"]}
    a, b = rows[personas.tree.a], rows[personas.tree.b]
    assert [(d.label, d.days) for d in a.late_documents] == [("整改方案", 39), ("整改情况报告", 10)]
    assert [(d.label, d.days) for d in b.late_documents] == [("整改情况报告", 10)]  # the plan is in
    body = response.content.decode()
    assert "文书超期" in body and "整改方案 超期 39 天" in body and "整改情况报告 超期 10 天" in body
    assert response.context["totals"].late_documents == 3


@pytest.mark.django_db
def test_roll_up_sorts_by_the_longest_late_document(client, personas, frozen):
    _late_world(personas, 0)
    quiet = f.organisation(parent=personas.tree.street)  # no inspection, nothing late
    client.force_login(personas.supervisor)

    def order(sort: str) -> list:
        return [r.organisation for r in client.get(ROLLUP, {"sort": sort}).context["rows"]]

    tree = personas.tree
    assert order("-documents") == [tree.a, tree.b, quiet]  # nothing late: last either way
    assert order("documents") == [tree.b, tree.a, quiet]
    assert 'aria-sort="descending"' in client.get(ROLLUP, {"sort": "-documents"}).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("extra", [0, 15])
def test_roll_up_query_count_stays_flat_with_late_documents(client, personas, frozen, extra, django_assert_num_queries):
    _late_world(personas, extra)
    client.force_login(personas.supervisor)
    client.get(ROLLUP)  # the session's first request
    # Session, user, memberships (3); the roll-up roots (1); organisations, inspections and
    # measures grouped by organisation, late documents, urging letters and talks grouped by
    # organisation, issued acceptance opinions, comments from the public grouped by
    # organisation (8); the bell's unread count (1); the menu's count of documents awaiting
    # the supervisor's review (1).
    with django_assert_num_queries(14):
        response = client.get(ROLLUP, {"sort": "-documents"})
    late = [r for r in response.context["rows"] if r.late_documents]
    assert len(late) == 2 + extra


# ---------------------------------------------------------------- the admin


@pytest.fixture
def admin_client(client, db):
    admin = f.user(username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    return client


@pytest.mark.django_db
def test_district_sets_its_rules_in_the_admin_and_the_dates_follow(admin_client, personas):
    inspection = f.inspection(organisation=personas.tree.a)
    documents_schedule()
    url = reverse("admin:rectification_reportingrules_add")
    response = admin_client.post(
        url, {"organisation": personas.tree.district.pk, "plan_due_days": 20, "report_due_months": "1、3"}
    )
    assert response.status_code == 302, response.content.decode()
    rules = ReportingRules.objects.get()
    assert (rules.organisation, rules.plan_due_days, rules.report_due_months) == (personas.tree.district, 20, [1, 3])
    assert list(inspection.upward_documents.values_list("kind", "sequence", "due_on")) == [
        ("plan", 1, dt.date(2025, 2, 10)),
        ("report", 1, dt.date(2025, 2, 21)),
        ("report", 2, dt.date(2025, 4, 21)),
    ]
    change = reverse("admin:rectification_reportingrules_change", args=[rules.pk])
    assert 'value="1, 3"' in admin_client.get(change).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("days", "months", "message"),
    [(20, "3, 1", "依次递增"), (20, "两个月", "不是整数月数"), (0, "2", "1 至 366 天"), (20, "", "")],
)
def test_admin_refuses_rules_that_make_no_sense(admin_client, personas, days, months, message):
    url = reverse("admin:rectification_reportingrules_add")
    response = admin_client.post(
        url, {"organisation": personas.tree.district.pk, "plan_due_days": days, "report_due_months": months}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReportingRules.objects.exists()


# ---------------------------------------------------------------- the demo


@pytest.mark.django_db
def test_demo_has_its_documents_scheduled_by_the_districts_rule(demo):
    assert list(demo.upward_documents.values_list("kind", "sequence", "state", "due_on")) == [
        ("plan", 1, "draft", dt.date(2025, 2, 20)),
        ("report", 1, "draft", dt.date(2025, 3, 21)),
    ]
    assert ReportingRules.objects.get().organisation.slug == "futian"
    assert Inspection.objects.count() == 1
