"""方案调整 at the same moment on PostgreSQL: two requests for the same measure make one
pending change, two decisions on one change apply it once. Real threads, real
connections, committed data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from rectification.models import Measure, PlanChange, UpwardDocument
from rectification.services import measure_create, measure_delete
from rectification.services import plan_changes as svc

from .test_sweep_concurrency import _together
from .test_upward_concurrency import _attempt

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL: run with DATABASE_URL=postgres://…")


@pytest.fixture
def plan(measure_a) -> UpwardDocument:
    return UpwardDocument.objects.create(
        inspection=measure_a.finding.category.inspection, kind="plan", state=UpwardDocument.State.APPROVED
    )


def test_two_requests_for_one_measure_make_one_change(personas, plan, measure_a):
    def ask() -> str:
        return _attempt(lambda: measure_delete(measure=measure_a, user=personas.secretary_a, change_reason="重复"))

    outcomes = _together(2, ask)
    assert outcomes.count("ok") == 1 and "已有一份待审批的方案调整申请" in next(o for o in outcomes if o != "ok")
    assert PlanChange.objects.filter(measure=measure_a, state="pending").count() == 1


def test_two_approvals_at_once_add_one_measure(personas, plan, measure_a):
    change = measure_create(
        finding=measure_a.finding, user=personas.secretary_a, title="新增措施", due_on=dt.date(2025, 9, 30),
        change_reason="补充",
    )  # fmt: skip

    def approve() -> str:
        return _attempt(lambda: svc.plan_change_decide(change=change, user=personas.supervisor, approve=True))

    outcomes = _together(2, approve)
    assert outcomes.count("ok") == 1 and "不能重复审批" in next(o for o in outcomes if o != "ok")
    assert Measure.objects.filter(title="新增措施").count() == 1
    assert PlanChange.objects.get(pk=change.pk).state == PlanChange.State.APPROVED
