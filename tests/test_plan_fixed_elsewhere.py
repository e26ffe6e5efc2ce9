"""An approved 整改方案 fixes the measures and their deadlines everywhere, not only in the
structure editor and the measure form: a ledger import and the Django admin refuse to add a
measure or move a deadline (they are asked for as 方案调整 and decided above), with a clear
message, and change nothing; progress still comes in by the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from rectification.models import Measure, PlanChange, UpwardDocument
from rectification.services.ledger import ledger_import

from . import factories as f
from .ledger_books import book, row, rows3

TODAY = dt.date(2025, 7, 1)
pytestmark = pytest.mark.django_db


def _import(data: bytes, user):
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 0, tzinfo=dt.UTC)):
        return ledger_import(data=data, user=user, today=TODAY)


def _approve_plan(inspection) -> UpwardDocument:
    plan, _created = UpwardDocument.objects.update_or_create(
        inspection=inspection,
        kind=UpwardDocument.Kind.PLAN,
        sequence=1,
        defaults={"state": UpwardDocument.State.APPROVED},
    )
    return plan


def _world() -> list:
    return sorted(Measure.objects.values_list("pk", "title", "due_on", "progress", "version"))


@pytest.fixture
def imported(personas):
    plan = _import(book(rows3()), personas.secretary_a)
    return plan.inspection


def test_ledger_cannot_add_a_measure_or_move_a_deadline_under_an_approved_plan(personas, imported):
    _approve_plan(imported)
    before = _world()
    added = [*rows3(), row(measure="新增：建立月度核查制度")]
    with pytest.raises(ValidationError) as exc:
        _import(book(added), personas.secretary_a)
    assert "新增措施“新增：建立月度核查制度”需在“整改结构”页面提出方案调整申请" in exc.value.messages[0]
    assert "第 5 行" in exc.value.messages[0]

    redated = rows3()
    redated[0] = row(measure="严格落实学习制度", due=dt.date(2025, 12, 31))
    with pytest.raises(ValidationError) as exc:
        _import(book(redated), personas.secretary_a)
    assert "调整完成时限（2025-06-30 → 2025-12-31）" in exc.value.messages[0]
    assert "「完成时限」" in exc.value.messages[0]
    assert _world() == before and not PlanChange.objects.exists()


def test_ledger_still_reports_progress_under_an_approved_plan(personas, imported):
    _approve_plan(imported)
    rows = rows3()
    rows[0] = row(measure="严格落实学习制度", progress="已开展专题学习 3 次。")
    _import(book(rows), personas.secretary_a)
    assert Measure.objects.get(title="严格落实学习制度").progress == "已开展专题学习 3 次。"


def test_before_approval_the_ledger_adds_and_redates_freely(personas, imported):
    plan = UpwardDocument.objects.get(inspection=imported, kind=UpwardDocument.Kind.PLAN)
    assert plan.state == UpwardDocument.State.DRAFT  # a draft fixes nothing
    rows = [*rows3(), row(measure="新增：建立月度核查制度")]
    rows[0] = row(measure="严格落实学习制度", due=dt.date(2025, 12, 31))
    _import(book(rows), personas.secretary_a)
    assert Measure.objects.get(title="严格落实学习制度").due_on == dt.date(2025, 12, 31)
    assert Measure.objects.filter(title="新增：建立月度核查制度").exists()


@pytest.fixture
def admin_client(client):
    admin = f.user(username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    return client


def _form_data(measure: Measure, **changes) -> dict:
    data = model_to_dict(measure)
    data.update(changes)
    data["owners"] = [p.pk for p in data.get("owners") or []]
    # The outcome registers' inlines (rules, treatments, money), empty.
    for prefix in ("rules", "treatments", "money"):
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_admin_refuses_to_redate_add_or_delete_under_an_approved_plan(admin_client, personas, imported):
    measure = Measure.objects.get(title="严格落实学习制度")
    _approve_plan(imported)
    before = _world()
    change = reverse("admin:rectification_measure_change", args=[measure.pk])
    response = admin_client.post(change, _form_data(measure, due_on="2025-12-31"))
    assert response.status_code == 200
    assert "整改方案已审核通过：新增、删除措施或调整完成时限需在系统中提出方案调整申请" in response.content.decode()

    add = reverse("admin:rectification_measure_add")
    response = admin_client.post(add, _form_data(measure, title="新增：后台添加的措施", position=9))
    assert response.status_code == 200 and "方案调整申请" in response.content.decode()

    delete = reverse("admin:rectification_measure_delete", args=[measure.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    finding = reverse("admin:rectification_finding_delete", args=[measure.finding_id])
    assert admin_client.post(finding, {"post": "yes"}).status_code == 403
    assert _world() == before

    # Other fields stay editable in the admin (a typo in the title, say).
    response = admin_client.post(change, _form_data(measure, title="严格落实学习制度（修订）"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Measure.objects.get(pk=measure.pk).title == "严格落实学习制度（修订）"


def test_admin_redates_freely_before_approval(admin_client, personas, imported):
    measure = Measure.objects.get(title="严格落实学习制度")
    change = reverse("admin:rectification_measure_change", args=[measure.pk])
    response = admin_client.post(change, _form_data(measure, due_on="2025-12-31"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Measure.objects.get(pk=measure.pk).due_on == dt.date(2025, 12, 31)
