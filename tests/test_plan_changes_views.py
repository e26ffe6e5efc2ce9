"""方案调整 through the pages: the structure editor's forms say that an edit of an approved
plan becomes a request, the review queue lists the changes beside the documents (with the
count in the menu), the plan's page lists them, the supervisor decides there; query
budgets, bad input, another street, English."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from rectification.models import (
    DeadlineExtension,
    Measure,
    Membership,
    PlanChange,
    Review,
    SubmittedVersion,
    UpwardDocument,
)
from rectification.selectors import plan_changes as sel
from rectification.selectors.reviews import review_queue_count
from rectification.services import extension_request, measure_create, measure_delete

from . import factories as f

Role = Membership.Role
State = PlanChange.State
ASKED = "整改方案已审核通过，新增措施需报巡察办（街道）审批，已提交调整申请。"


def approved_plan(inspection, secretary, supervisor) -> UpwardDocument:
    """The inspection's plan as the review leaves it: version 1 signed and approved (rows
    only, no rendering)."""
    plan = UpwardDocument.objects.create(inspection=inspection, kind="plan", state=UpwardDocument.State.APPROVED)
    version = SubmittedVersion.objects.create(
        document=plan, number=1, text="方案", html="<p/>", pdf=b"%PDF-1.4", docx=b"PK", sha256="0" * 64,
        docx_sha256="2" * 64, attestation="签字背书", signed_by=secretary,
    )  # fmt: skip
    Review.objects.create(submitted=version, decision=Review.Decision.APPROVED, reviewer=supervisor)
    return plan


@pytest.fixture
def plan(personas, measure_a) -> UpwardDocument:
    return approved_plan(measure_a.finding.category.inspection, personas.secretary_a, personas.supervisor)


def _ask_add(finding, user, title: str = "新增措施") -> PlanChange:
    return measure_create(
        finding=finding, user=user, title=title, due_on=dt.date(2025, 9, 30), change_reason="巡察办要求补充"
    )


def _changes_in(organisation, secretary, n: int) -> list[PlanChange]:
    """``n`` pending changes of a new inspection of ``organisation`` with an approved plan."""
    measure = f.measure_in(organisation)
    UpwardDocument.objects.create(inspection=measure.finding.category.inspection, kind="plan", state="approved")
    changes = [_ask_add(measure.finding, secretary, f"新增{i}") for i in range(n - 1)]
    changes.append(measure_delete(measure=measure, user=secretary, change_reason="重复"))
    return changes


# ---------------------------------------------------------------------------- the secretary's forms


def test_adding_on_the_form_page_asks_with_a_reason(client, personas, plan, measure_a):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_create", args=[measure_a.finding_id])
    body = client.get(url).content.decode()
    assert 'id="plan-fixed"' in body and 'name="change_reason"' in body
    data = {"title": "建立月度核查制度", "kind": "time_bound", "due_on": "2025-09-30"}
    response = client.post(url, data)
    assert response.status_code == 400 and "请填写调整理由" in response.content.decode()
    assert not PlanChange.objects.exists() and Measure.objects.count() == 1
    response = client.post(url, data | {"change_reason": "巡察办要求补充长效机制"}, follow=True)
    assert ASKED in response.content.decode() and Measure.objects.count() == 1
    change = PlanChange.objects.get()
    assert (change.action, change.proposal["title"], change.reason) == (
        "add",
        "建立月度核查制度",
        "巡察办要求补充长效机制",
    )


def test_the_tree_page_says_so_and_its_quick_form_asks_a_reason(client, personas, plan, measure_a):
    client.force_login(personas.secretary_a)
    page = reverse("rectification:inspection_detail", args=[plan.inspection_id])
    body = client.get(page).content.decode()
    assert 'id="plan-fixed"' in body and 'name="change_reason"' in body and "提交新增申请" in body
    data = {"quick": "1", "title": "快速新增", "kind": "time_bound", "due_on": "2025-09-30", "change_reason": "补充"}
    response = client.post(reverse("rectification:measure_create", args=[measure_a.finding_id]), data, follow=True)
    assert ASKED in response.content.decode() and PlanChange.objects.get().proposal["title"] == "快速新增"
    # Readers get no add forms, and no note about them.
    client.force_login(personas.supervisor)
    assert 'id="plan-fixed"' not in client.get(page).content.decode()


def test_deleting_and_re_dating_on_the_pages_ask(client, personas, plan, measure_a):
    client.force_login(personas.secretary_a)
    delete = reverse("rectification:measure_delete", args=[measure_a.pk])
    body = client.get(delete).content.decode()
    assert 'name="change_reason"' in body and "提交删除申请" in body
    response = client.post(delete, {"change_reason": ""}, follow=True)
    assert "请填写调整理由" in response.content.decode() and not PlanChange.objects.exists()
    response = client.post(delete, {"change_reason": "与第一条重复"}, follow=True)
    assert "删除措施需报巡察办（街道）审批，已提交调整申请" in response.content.decode()
    assert Measure.objects.filter(pk=measure_a.pk).exists()
    # A second request for the same measure, from the edit form: refused with the message.
    edit = reverse("rectification:measure_edit", args=[measure_a.pk])
    data = {"title": measure_a.title, "kind": "time_bound", "due_on": "2025-08-31", "version": measure_a.version}
    response = client.post(edit, data | {"change_reason": "延后"})
    assert response.status_code == 400 and "已有一份待审批的方案调整申请" in response.content.decode()
    assert PlanChange.objects.count() == 1 and Measure.objects.get(pk=measure_a.pk).due_on == dt.date(2025, 6, 30)


def test_re_dating_on_the_edit_page_asks(client, personas, plan, measure_a):
    client.force_login(personas.secretary_a)
    edit = reverse("rectification:measure_edit", args=[measure_a.pk])
    assert 'name="change_reason"' in client.get(edit).content.decode()
    data = {"title": measure_a.title, "kind": "time_bound", "due_on": "2025-08-31", "version": measure_a.version}
    response = client.post(edit, data | {"change_reason": "需协调区住建局"}, follow=True)
    assert "调整完成时限需报巡察办（街道）审批，已提交调整申请" in response.content.decode()
    assert Measure.objects.get(pk=measure_a.pk).due_on == dt.date(2025, 6, 30)


# ---------------------------------------------------------------------------- the supervisor's side


def test_queue_lists_changes_with_a_flat_query_count(client, personas, django_assert_num_queries):
    from .test_upward_views import _awaiting

    for n in (1, 6):
        PlanChange.objects.all().delete()
        _changes_in(personas.tree.a, personas.secretary_a, n)
        _changes_in(personas.tree.b, f.user(organisation=personas.tree.b, role=Role.SECRETARY), n)
        for _ in range(n):
            _awaiting(personas.tree.a, personas.secretary_a, versions=2)
        client.force_login(personas.supervisor)
        # Queries: session, user, memberships (scope); the documents awaiting review, counted
        # and their page; the pending changes (plan, inspection, organisation, measure, who
        # asked joined), counted and their page; the bulletin drafts awaiting review, counted
        # (none here: an empty page reads nothing); the menu's count is the three totals;
        # the bell's unread count.
        with django_assert_num_queries(9):
            body = client.get(reverse("rectification:review_queue")).content.decode()
        assert body.count('class="plan-change-row"') == 2 * n
        documents = UpwardDocument.objects.filter(state="submitted").count()
        assert f'class="nav-count">{2 * n + documents}<' in body and body.count("plan-change-open") == 2 * n
        assert body.count('<tr id="d') == documents


def test_the_selectors_query_once(personas, plan, measure_a, django_assert_num_queries):
    for i in range(4):
        _ask_add(measure_a.finding, personas.secretary_a, f"新增{i}")
    personas.supervisor.memberships.all()
    review_queue_count(user=personas.supervisor)  # fills the rules' membership cache
    with django_assert_num_queries(1):  # everything joined
        rows = sel.pending_plan_changes(user=personas.supervisor)
    assert [r.title for r in rows] == [f"新增{i}" for i in range(4)] and "2025-09-30" in rows[0].detail
    with django_assert_num_queries(1):  # with the items they concern
        rows = sel.plan_changes_of(plan=plan)
    assert len(rows) == 4 and {r.where for r in rows} == {measure_a.finding.heading}
    with django_assert_num_queries(1):  # documents and changes, one UNION ALL
        assert review_queue_count(user=personas.supervisor) == 4
    # Nobody else's: a secretary's and a member's count nothing.
    assert review_queue_count(user=personas.secretary_a) == 0 and sel.pending_plan_changes(user=personas.staff_a) == []


def test_the_plan_page_lists_changes_and_decides(client, personas, plan, measure_a, django_assert_num_queries):
    first = _ask_add(measure_a.finding, personas.secretary_a, "第一项新增")
    second = _ask_add(measure_a.finding, personas.secretary_a, "第二项新增")
    page = reverse("rectification:upward_document", args=[plan.pk])
    client.force_login(personas.supervisor)
    # Queries: session, user, memberships; the document (inspection, organisation); its
    # versions; its changes (measure, item, who asked and decided joined); the menu's count;
    # the bell.
    with django_assert_num_queries(8):
        body = client.get(page).content.decode()
    assert 'id="changes"' in body and body.count("plan-change-form") == 2
    decide = reverse("rectification:plan_change_decide", args=[first.pk])
    # Refusing without a note: the page with the message, nothing changes.
    response = client.post(decide, {"decision": "refuse", "note": ""})
    assert response.status_code == 400 and "不同意时请填写意见" in response.content.decode()
    assert PlanChange.objects.get(pk=first.pk).state == State.PENDING
    response = client.post(decide, {"decision": "approve", "next": page + f"#pc{first.pk}"})
    assert response.status_code == 302 and response["Location"] == page + f"#pc{first.pk}"
    assert Measure.objects.filter(title="第一项新增").exists()
    # Deciding again (a second click, a stale page): the message, nothing changes.
    response = client.post(decide, {"decision": "refuse", "note": "再议"})
    assert response.status_code == 400 and "不能重复审批" in response.content.decode()
    assert PlanChange.objects.get(pk=first.pk).state == State.APPROVED
    # A foreign address to go back to is not followed.
    response = client.post(
        reverse("rectification:plan_change_decide", args=[second.pk]),
        {"decision": "refuse", "note": "已有同类措施", "next": "//evil.example/"},
    )
    assert response["Location"] == page + "#changes"
    # The secretary reads both decisions on the plan's page, and decides nothing.
    client.force_login(personas.secretary_a)
    body = client.get(page).content.decode()
    assert "已有同类措施" in body and "plan-change-form" not in body and "已同意" in body


def test_another_streets_supervisor_sees_and_decides_nothing(client, personas, plan, measure_a):
    change = _ask_add(measure_a.finding, personas.secretary_a)
    other_street = f.organisation(level="street", parent=personas.tree.district)
    stranger = f.user(organisation=other_street, role=Role.SUPERVISOR)
    client.force_login(stranger)
    body = client.get(reverse("rectification:review_queue")).content.decode()
    assert 'id="no-changes"' in body and "nav-count" not in body
    response = client.post(reverse("rectification:plan_change_decide", args=[change.pk]), {"decision": "approve"})
    assert response.status_code == 404 and PlanChange.objects.get(pk=change.pk).state == State.PENDING


def test_the_measure_page_says_a_forwarded_extension_waits_above(client, personas, plan, measure_a):
    extension = extension_request(
        measure=measure_a, user=personas.staff_a, new_due_on=dt.date(2025, 9, 30), reason="等待资金"
    )
    client.force_login(personas.secretary_a)
    response = client.post(
        reverse("rectification:extension_decide", args=[extension.pk]), {"decision": "approve", "note": ""}, follow=True
    )
    body = response.content.decode()
    assert "调整完成时限需报巡察办（街道）审批，已提交调整申请" in body
    assert (
        'id="extension-waiting"' in body and "已报巡察办（街道）审批" in body and 'id="extension-decision"' not in body
    )
    assert DeadlineExtension.objects.get(pk=extension.pk).state == "pending"
    assert "待审批的延期申请" in client.get(reverse("rectification:signoff_queue")).content.decode()
    assert f'id="x{extension.pk}"' not in client.get(reverse("rectification:signoff_queue")).content.decode()
    # A second approval from the same (stale) page: refused with the message, still one change.
    response = client.post(
        reverse("rectification:extension_decide", args=[extension.pk]), {"decision": "approve", "note": ""}
    )
    assert response.status_code == 400 and "已有一份待审批的方案调整申请" in response.content.decode()
    assert PlanChange.objects.count() == 1


def test_the_pages_in_english_have_no_chinese_chrome(client, personas, plan, measure_a):
    from .test_i18n import chinese_left, data_strings

    _ask_add(measure_a.finding, personas.secretary_a, "新增")
    measure_delete(measure=measure_a, user=personas.secretary_a, change_reason="重复")
    data = [*data_strings(), "新增"]  # the proposed title is data too (in the change's proposal)
    left = {}
    try:
        for user, urls in (
            (personas.supervisor, [reverse("rectification:review_queue"), f"/upward/{plan.pk}/"]),
            (
                personas.secretary_a,
                [f"/upward/{plan.pk}/", reverse("rectification:measure_delete", args=[measure_a.pk])],
            ),
        ):
            client.force_login(user)
            client.post(reverse("set_language"), {"language": "en", "next": "/"})
            for url in urls:
                if runs := chinese_left(client.get(url).content.decode(), data):
                    left[(user.username, url)] = runs
    finally:
        translation.deactivate()
    assert left == {}


def test_hostile_decision_input_is_refused_or_cleaned(client, personas, plan, measure_a):
    change = _ask_add(measure_a.finding, personas.secretary_a)
    client.force_login(personas.supervisor)
    url = reverse("rectification:plan_change_decide", args=[change.pk])
    for data in (
        {"decision": "' OR 1=1 --", "note": "x"},
        {"decision": "refuse", "note": "长" * 2001},
        {"decision": "refuse", "note": "\x00\x07 \r\n"},
        {},
    ):
        assert client.post(url, data).status_code == 400, data
    assert PlanChange.objects.get(pk=change.pk).state == State.PENDING and Measure.objects.count() == 1
    assert client.post(url, {"decision": "refuse", "note": "请\x0b补充\x00依据。"}).status_code == 302
    # NUL dropped; the vertical tab Word pastes is a line break (the request middleware).
    assert PlanChange.objects.get(pk=change.pk).decision_note == "请\n补充依据。"


def test_long_queues_come_in_pages(client, personas, settings):
    """A district's office may have hundreds waiting: 25 of each list a page, oldest first,
    the count of all in the heading and the menu."""
    changes = _changes_in(personas.tree.a, personas.secretary_a, 30)
    client.force_login(personas.supervisor)
    url = reverse("rectification:review_queue")
    body = client.get(url).content.decode()
    assert body.count('class="plan-change-row"') == 25 and 'class="nav-count">30<' in body
    assert f'id="pc{changes[0].pk}"' in body and f'id="pc{changes[-1].pk}"' not in body
    assert "（30）" in body and "?changes=2#changes" in body
    second = client.get(url + "?changes=2").content.decode()
    assert second.count('class="plan-change-row"') == 5 and f'id="pc{changes[-1].pk}"' in second
    # A page number out of range or not a number: the last or the first page, never an error.
    assert client.get(url + "?changes=99&page=x").status_code == 200
