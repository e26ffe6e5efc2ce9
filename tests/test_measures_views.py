"""The staff workflow pages: 「我的整改任务」 list (filters, sorting, paging, scope, query
budget), the measure page and its actions, conflicts, the sign-off queue."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from rectification import services
from rectification.models import DeadlineExtension, Measure, SignOff
from rectification.selectors import measures as sel

from . import factories as f

S = Measure.Status
TODAY = dt.datetime(2025, 6, 20, 10, tzinfo=dt.UTC)  # 2025-06-20 in Shanghai


@pytest.fixture
def frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _list(client, query: str = "") -> str:
    response = client.get(reverse("rectification:measure_list") + query)
    assert response.status_code == 200
    return response.content.decode()


def _titles(body: str) -> list[str]:
    return re.findall(r'<td class="m-title">\s*<a href="/measures/\d+/">([^<]+)</a>', body)


@pytest.fixture
def board(personas):
    """Measures of A with different deadlines and states, and one of B."""
    a, b = personas.tree.a, personas.tree.b
    insp = f.inspection(organisation=a)
    cat = f.category(inspection=insp, title="关于基层治理方面")
    fin = f.finding(category=cat, heading="压实房中房安全管理")
    mine = [personas.person_staff_a]
    other = f.person(organisation=a, name="孙磊")
    m = {
        "overdue": f.measure(finding=fin, title="超期的排查", due_on=dt.date(2025, 6, 1), owners=mine),
        "soon": f.measure(finding=fin, title="将到期的台账", due_on=dt.date(2025, 6, 25), owners=mine),
        "later": f.measure(finding=fin, title="年底的制度", due_on=dt.date(2025, 12, 31), owners=mine),
        "done": f.measure(finding=fin, title="已完成的会议", due_on=dt.date(2025, 5, 1), status=S.DONE, owners=mine),
        "ongoing": f.measure(finding=fin, title="长期的巡查", kind=Measure.Kind.ONGOING, owners=mine),
        "led": f.measure(finding=fin, title="领导牵头的整治", leader=personas.person_staff_a, owners=[other]),
        "others": f.measure(finding=fin, title="别人的宣传", owners=[other], unit="党群服务中心"),
    }
    m["b"] = f.measure_in(b, title="岗厦的措施", owners=[personas.person_staff_b])
    return m


# ---------------------------------------------------------------- login and scope


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, args",
    [
        ("measure_list", []),
        ("measure_detail", [1]),
        ("signoff_queue", []),
        ("evidence_download", [1]),
    ],
)
def test_pages_need_login(client, name, args):
    response = client.get(reverse(f"rectification:{name}", args=args))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_staff_sees_own_measures_by_default(client, personas, board, frozen):
    client.force_login(personas.staff_a)
    titles = _titles(_list(client))
    assert set(titles) == {"超期的排查", "将到期的台账", "年底的制度", "已完成的会议", "长期的巡查", "领导牵头的整治"}
    # 「全部」 shows the whole organisation, never B.
    everything = _titles(_list(client, "?mine=0"))
    assert "别人的宣传" in everything and "岗厦的措施" not in everything


@pytest.mark.django_db
def test_secretary_sees_the_organisation_supervisor_the_subtree(client, personas, board, frozen):
    client.force_login(personas.secretary_a)
    titles = _titles(_list(client))
    assert "别人的宣传" in titles and "岗厦的措施" not in titles and len(titles) == 7
    client.force_login(personas.supervisor)
    assert len(_titles(_list(client))) == 8


@pytest.mark.django_db
def test_rows_stand_out_when_overdue_or_due_soon(client, personas, board, frozen):
    client.force_login(personas.staff_a)
    body = _list(client)
    row = lambda m: re.search(rf'<tr class="([^"]*)" id="m{m.pk}"', body).group(1)  # noqa: E731
    assert "overdue" in row(board["overdue"]) and "超期 19 天" in body
    assert "due-soon" in row(board["soon"]) and "5 天后到期" in body
    assert "overdue" not in row(board["done"]) and "due-soon" not in row(board["later"])


def _row(body: str, measure: Measure) -> str:
    return re.search(rf'<tr class="[^"]*" id="m{measure.pk}">(.*?)</tr>', body, re.S).group(1)


def _owners_cell(body: str, measure: Measure) -> str:
    """The text of the row's owners cell, before the leader's line."""
    return re.search(r'<td data-label="[^"]+">([^<]*)', _row(body, measure).split('class="m-title"')[1]).group(1)


@pytest.mark.django_db
def test_rows_show_owners_leader_organisation_and_status(client, personas, board, frozen):
    """What selectors.mark_list_rows prepares: owners joined in the page's language, "—"
    for none, the organisation's short name; the status label in either language."""
    nobody = f.measure(finding=board["led"].finding, title="无人负责的措施")
    both = f.measure(finding=board["led"].finding, title="两人负责的措施", owners=[personas.person_staff_a])
    both.owners.add(f.person(organisation=personas.tree.a, name="孙丽"))
    client.force_login(personas.secretary_a)
    names = [p.name for p in both.owners.order_by("name")]  # the list's order (the database's collation)
    body = _list(client, "?mine=0")
    assert _owners_cell(body, both) == "、".join(names)
    assert _owners_cell(body, nobody) == "—"
    assert f"· {personas.tree.a.short_name}</div>" in _row(body, nobody)
    assert "领导：" in _row(body, board["led"]) and ">推进中</span>" in _row(body, nobody)
    client.post(reverse("set_language"), {"language": "en"})
    english = _list(client, "?mine=0")
    assert _owners_cell(english, both) == ", ".join(names) and ">In progress</span>" in _row(english, nobody)


# ---------------------------------------------------------------- filters and sorting


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, expected",
    [
        ("?mine=0&overdue=1", {"超期的排查"}),
        ("?mine=0&due_within=7", {"将到期的台账"}),
        ("?mine=0&status=done", {"已完成的会议"}),
        ("?mine=0&status=done&status=not_started", {"已完成的会议"}),
        ("?mine=0&kind=ongoing", {"长期的巡查"}),
        ("?mine=0&q=宣传", {"别人的宣传"}),
        ("?mine=0&q=党群服务", {"别人的宣传"}),
        ("?mine=0&q=孙磊", {"领导牵头的整治", "别人的宣传"}),
        ("?mine=1&q=排查", {"超期的排查"}),
    ],
)
def test_filters(client, personas, board, frozen, query, expected):
    client.force_login(personas.staff_a)
    assert set(_titles(_list(client, query))) == expected


@pytest.mark.django_db
def test_owner_leader_inspection_category_filters(client, personas, board, frozen):
    client.force_login(personas.secretary_a)
    me = personas.person_staff_a.pk
    assert set(_titles(_list(client, f"?leader={me}"))) == {"领导牵头的整治"}
    assert "别人的宣传" not in _titles(_list(client, f"?owner={me}"))
    fin = board["overdue"].finding
    assert len(_titles(_list(client, f"?inspection={fin.category.inspection_id}&category={fin.category_id}"))) == 7


@pytest.mark.django_db
def test_dashboard_params_reproduce_the_counted_rows(personas, board, frozen):
    """The contract: measure_list with the dashboard's params gives exactly the counted rows."""
    from rectification.selectors import measure_list

    today = dt.date(2025, 6, 20)
    rows = measure_list(user=personas.secretary_a, filters={"overdue": "1"}, today=today)
    expected = Measure.objects.in_organisations([personas.tree.a.pk]).overdue(today)
    assert set(rows) == set(expected)


@pytest.mark.django_db
def test_foreign_or_bad_params_never_fail(client, personas, board, frozen):
    client.force_login(personas.staff_a)
    # B's inspection is not a valid choice for A's staff: ignored, never B's rows.
    b_insp = board["b"].finding.category.inspection_id
    assert "岗厦的措施" not in _list(client, f"?mine=0&inspection={b_insp}")
    for query in (
        "?due_within=abc",
        "?status=bogus",
        "?owner=999999",
        "?sort=drop",
        "?page=999",
        "?page=x",
        "?overdue=maybe",
    ):
        _list(client, query)


@pytest.mark.django_db
def test_sorting_by_deadline(client, personas, board, frozen):
    client.force_login(personas.staff_a)
    asc = _titles(_list(client, "?mine=1&status=in_progress&sort=due_on"))
    assert asc[:3] == ["超期的排查", "将到期的台账", "领导牵头的整治"] and asc[-1] == "长期的巡查"  # no deadline last
    desc = _titles(_list(client, "?mine=1&status=in_progress&sort=-due_on"))
    assert desc[0] == "年底的制度" and desc[-1] == "长期的巡查"


@pytest.mark.django_db
def test_deadline_orders_list_signed_off_measures_last(client, personas, board, frozen):
    client.force_login(personas.staff_a)
    # The signed-off meeting has the earliest deadline, yet comes after every open measure.
    for query in ("", "?mine=1", "?mine=1&sort=due_on"):
        titles = _titles(_list(client, query))
        assert titles[:2] == ["超期的排查", "将到期的台账"] and titles[-1] == "已完成的会议", query
    assert _titles(_list(client, "?mine=1&sort=-due_on"))[-1] == "已完成的会议"
    # The ledger's order is the ledger's: by position, whatever the state.
    assert _titles(_list(client, "?mine=1&sort=ledger"))[3] == "已完成的会议"


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
def test_the_default_order_reads_its_first_page_from_an_index(personas, board):
    """The first page of the default order comes from ``measure_done_last_due`` without a
    sort of every visible measure (a district's 30,000: 58 ms sorted, 3 ms from the index).
    PostgreSQL matches an index by its expression, so this fails when the order and the
    index stop saying the same thing. Sorting and table scans are priced out, because
    PostgreSQL would rightly sort the few rows of a test database."""
    page = sel.measure_list(user=personas.supervisor, filters={}, today=dt.date(2025, 6, 20))[:25]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using measure_done_last_due on rectification_measure" in plan, plan
    assert "Presorted Key: (CASE WHEN" in plan, plan


@pytest.mark.django_db
def test_pagination_keeps_the_filters(client, personas, frozen):
    fin = f.finding(category=f.category(inspection=f.inspection(organisation=personas.tree.a)))
    for i in range(30):
        f.measure(finding=fin, title=f"分页措施{i:02d}", owners=[personas.person_staff_a])
    client.force_login(personas.staff_a)
    body = _list(client, "?mine=1&q=分页")
    assert len(_titles(body)) == 25 and "共 30 条措施" in body
    assert "?mine=1&amp;q=%E5%88%86%E9%A1%B5&amp;page=2" in body
    assert len(_titles(_list(client, "?mine=1&q=分页&page=2"))) == 5


@pytest.mark.django_db
def test_htmx_filter_returns_only_the_results_and_the_dependent_selects(client, personas, board, frozen):
    client.force_login(personas.staff_a)
    response = client.get(
        reverse("rectification:measure_list") + "?overdue=1&mine=1",
        headers={"HX-Request": "true", "HX-Target": "measure-results"},
    )
    body = response.content.decode()
    assert body.startswith('<div id="measure-results"') and "<html" not in body and "超期的排查" in body
    # The selects that follow the chosen organisation, by the ids the form's hx-select-oob names.
    page = client.get(reverse("rectification:measure_list")).content.decode()
    oob = re.search(r'hx-select-oob="([^"]+)"', page).group(1).split(",")
    assert oob == ["#f-inspection", "#f-category", "#f-owner", "#f-leader"]
    for selector in oob:
        assert body.count(f'id="{selector[1:]}"') == page.count(f'id="{selector[1:]}"') == 1
    assert 'name="q"' not in body  # not the rest of the form


def _measures(personas, n: int) -> None:
    fin = f.finding(category=f.category(inspection=f.inspection(organisation=personas.tree.a)))
    for _ in range(n):
        f.measure(finding=fin, owners=[personas.person_staff_a], leader=personas.person_member_a)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [2, 20])
def test_list_query_budget(client, personas, frozen, django_assert_num_queries, n):
    _measures(personas, n)
    client.force_login(personas.staff_a)
    # Queries: session, user, memberships (scope, cached on the user), count, page of rows,
    # their owners, filter choices (inspections, categories, and the people that the owner
    # and leader selects share: one read); the base page: the unread-notification badge.
    with django_assert_num_queries(10):
        body = _list(client, "?mine=1")
    assert len(_titles(body)) == n


@pytest.mark.django_db
@pytest.mark.parametrize("n", [2, 20])
def test_secretary_list_with_bulk_bar_query_budget(client, personas, frozen, django_assert_num_queries, n):
    _measures(personas, n)
    client.force_login(personas.secretary_a)
    # As for staff (10), plus the people the bulk bar may assign (one read for its owner and
    # leader selects).
    with django_assert_num_queries(11):
        body = _list(client)
    assert len(_titles(body)) == n and 'id="bulk-form"' in body and body.count('form="bulk-form"') == n


# ---------------------------------------------------------------- the measure page


def _detail(client, measure) -> str:
    response = client.get(reverse("rectification:measure_detail", args=[measure.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _busy_measure(personas, n: int) -> Measure:
    """A measure with n of everything the page lists: notes, files, sign-offs, extensions."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    m = f.measure_in(personas.tree.a, owners=[personas.person_staff_a], leader=personas.person_member_a)
    for i in range(n):
        services.measure_report_progress(measure=m, user=personas.staff_a, note=f"进展{i}", progress=f"公开进展{i}")
        upload = SimpleUploadedFile(f"{i}.pdf", b"%PDF-1.4\n%%EOF\n")
        services.evidence_add(measure=m, user=personas.staff_a, files=[upload])
        services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
        services.measure_send_back(measure=m, user=personas.secretary_a, reason=f"退回{i}")
        m.refresh_from_db()
        ext = services.extension_request(
            measure=m, user=personas.staff_a, new_due_on=m.due_on + dt.timedelta(days=1), reason="x"
        )
        services.extension_decide(extension=ext, user=personas.secretary_a, approve=True)
    return m


@pytest.mark.django_db
@pytest.mark.parametrize("n", [2, 20])
def test_measure_page_query_budget(client, personas, django_assert_num_queries, n):
    _measures(personas, n)  # other measures do not matter either
    m = _busy_measure(personas, n)
    client.force_login(personas.secretary_a)
    # Queries: session, user, memberships (scope), the measure (with item, category,
    # inspection, organisation, leader), its owners, evidence, extensions, timeline,
    # sign-offs, history of the measure, of its item and of its evidence; the base page:
    # the unread-notification badge.
    with django_assert_num_queries(13):
        body = _detail(client, m)
    assert body.count('class="tl-meta"') >= 5 * n


@pytest.mark.django_db
def test_measure_page_shows_everything(client, personas, measure_a):
    services.measure_report_progress(
        measure=measure_a, user=personas.staff_a, note="召开专题会", progress="已排查 32 处"
    )
    client.force_login(personas.staff_a)
    body = _detail(client, measure_a)
    for text in (
        "整改事项1",
        "关于测试1方面",
        measure_a.title,
        "限期整改",
        "2025-06-30",
        "赵敏",
        "王委员",
        "已排查 32 处",
        "召开专题会",
    ):
        assert text in body
    assert "变更历史" in body and "整改进展（公开）" in body
    assert f'action="/measures/{measure_a.pk}/progress/"' in body


@pytest.mark.django_db
def test_supervisor_reads_without_forms(client, personas, measure_a):
    client.force_login(personas.supervisor)
    body = _detail(client, measure_a)
    assert measure_a.title in body and "/progress/" not in body and "/evidence/" not in body


@pytest.mark.django_db
def test_other_organisation_is_404(client, personas, measure_b):
    client.force_login(personas.staff_a)
    assert client.get(reverse("rectification:measure_detail", args=[measure_b.pk])).status_code == 404
    for name in ("measure_progress", "measure_status", "measure_sign_off", "evidence_upload", "extension_request"):
        assert client.post(reverse(f"rectification:{name}", args=[measure_b.pk]), {"version": 1}).status_code == 404
    measure_b.refresh_from_db()
    assert measure_b.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["supervisor", "staff_b"])
def test_actions_refused_for_readers(client, personas, measure_a, who):
    client.force_login(getattr(personas, who))
    expected = 403 if who == "supervisor" else 404
    r = client.post(reverse("rectification:measure_progress", args=[measure_a.pk]), {"version": 1, "note": "x"})
    assert r.status_code == expected


# ---------------------------------------------------------------- actions through the views


@pytest.mark.django_db
def test_progress_and_status_through_the_page(client, personas, measure_a):
    client.force_login(personas.staff_a)
    url = reverse("rectification:measure_detail", args=[measure_a.pk])
    r = client.post(url + "progress/", {"version": 1, "note": "完成排查", "progress": "已完成整改"})
    assert r.status_code == 302 and r["Location"] == url
    r = client.post(url + "status/", {"version": 2, "to_status": S.AWAITING_SIGN_OFF})
    assert r.status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.status == S.AWAITING_SIGN_OFF and measure_a.progress == "已完成整改"


@pytest.mark.django_db
def test_refused_transition_shows_the_reason(client, personas, measure_a):
    client.force_login(personas.staff_a)
    r = client.post(
        reverse("rectification:measure_status", args=[measure_a.pk]), {"version": 1, "to_status": S.AWAITING_SIGN_OFF}
    )
    assert r.status_code == 400 and "提请销号前，请先填写公开的整改进展" in r.content.decode()
    r = client.post(reverse("rectification:measure_status", args=[measure_a.pk]), {"version": 1, "to_status": S.DONE})
    assert r.status_code == 403  # staff: sign-off is the secretary's


@pytest.mark.django_db
def test_empty_or_malformed_posts_are_400(client, personas, measure_a):
    client.force_login(personas.staff_a)
    for name in ("measure_progress", "measure_status", "extension_request"):
        r = client.post(reverse(f"rectification:{name}", args=[measure_a.pk]), {"version": "x"})
        assert r.status_code == 400


@pytest.mark.django_db
def test_conflict_page_shows_both_versions(client, personas, measure_a):
    url = reverse("rectification:measure_progress", args=[measure_a.pk])
    client.force_login(personas.member_a)
    client.post(url, {"version": 1, "progress": "王委员写的进展"})
    client.force_login(personas.staff_a)
    r = client.post(url, {"version": 1, "progress": "赵敏写的进展"})
    body = r.content.decode()
    assert r.status_code == 409 and "保存冲突" in body and "王委员写的进展" in body and "赵敏写的进展" in body
    measure_a.refresh_from_db()
    assert measure_a.progress == "王委员写的进展"
    # The conflict page offers a knowing overwrite at the current version.
    assert '<input type="hidden" name="version" value="2">' in body
    assert client.post(url, {"version": 2, "progress": "赵敏写的进展"}).status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.progress == "赵敏写的进展"


@pytest.mark.django_db
def test_conflict_with_htmx_replaces_the_page(client, personas, measure_a):
    services.measure_report_progress(measure=measure_a, user=personas.member_a, progress="先", expected_version=1)
    client.force_login(personas.staff_a)
    r = client.post(
        reverse("rectification:measure_progress", args=[measure_a.pk]),
        {"version": 1, "progress": "后"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and r["HX-Retarget"] == "main" and "保存冲突" in r.content.decode()


@pytest.mark.django_db
def test_sign_off_and_send_back_on_the_page(client, personas, measure_a):
    m = services.measure_report_progress(measure=measure_a, user=personas.staff_a, progress="完成")
    m = services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)
    url = reverse("rectification:measure_sign_off", args=[m.pk])
    client.force_login(personas.staff_a)
    assert client.post(url, {"version": m.version, "decision": "approve"}).status_code == 403
    client.force_login(personas.secretary_a)
    r = client.post(url, {"version": m.version, "decision": "send_back", "reason": ""})
    assert r.status_code == 400 and "退回时请填写理由" in r.content.decode()
    assert client.post(url, {"version": m.version, "decision": "approve"}).status_code == 302
    m.refresh_from_db()
    assert m.status == S.DONE and m.sign_offs.get().decision == SignOff.Decision.APPROVED


@pytest.mark.django_db
def test_extension_through_the_pages(client, personas, measure_a):
    client.force_login(personas.staff_a)
    r = client.post(
        reverse("rectification:extension_request", args=[measure_a.pk]),
        {"version": 1, "new_due_on": "2025-08-31", "reason": "需协调"},
    )
    assert r.status_code == 302
    ext = DeadlineExtension.objects.get()
    decide = reverse("rectification:extension_decide", args=[ext.pk])
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    client.force_login(personas.secretary_a)
    assert client.post(decide, {"decision": "refuse", "note": ""}).status_code == 400
    assert client.post(decide, {"decision": "approve", "note": "同意"}).status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.due_on == dt.date(2025, 8, 31) and measure_a.original_due_on == dt.date(2025, 6, 30)
    body = _detail(client, measure_a)
    assert "原定 2025-06-30" in body and "已批准" in body


@pytest.mark.django_db
def test_history_names_who_changed_what(client, personas, measure_a):
    services.measure_report_progress(measure=measure_a, user=personas.staff_a, progress="新的进展")
    services.measure_update(
        measure=measure_a, user=personas.secretary_a, expected_version=2, owners=[personas.person_member_a]
    )
    finding = measure_a.finding
    finding.heading = "改过的事项"
    finding._history_user = personas.secretary_a
    finding.save()
    client.force_login(personas.staff_a)
    body = _detail(client, measure_a)
    history = body[body.index('id="history"') :]
    assert "赵敏" in history and "整改进展（公开）" in history and "新的进展" in history
    assert "修改整改事项" in history and "改过的事项" in history
    assert "责任人：赵敏 → 王委员" in body  # owners (many-to-many) in the timeline


# ---------------------------------------------------------------- sign-off queue


@pytest.fixture
def awaiting(personas, measure_a):
    m = services.measure_report_progress(measure=measure_a, user=personas.staff_a, progress="完成排查")
    return services.measure_change_status(measure=m, user=personas.staff_a, to_status=S.AWAITING_SIGN_OFF)


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("secretary_a", 200), ("staff_a", 403), ("supervisor", 403)])
def test_queue_access(client, personas, who, status):
    client.force_login(getattr(personas, who))
    assert client.get(reverse("rectification:signoff_queue")).status_code == status


@pytest.mark.django_db
def test_queue_lists_only_own_organisation(client, personas, awaiting, measure_b, django_assert_num_queries):
    services.measure_report_progress(measure=measure_b, user=personas.staff_b, progress="B 完成")
    services.measure_change_status(measure=measure_b, user=personas.staff_b, to_status=S.AWAITING_SIGN_OFF)
    client.force_login(personas.secretary_a)
    # Queries: session, user, memberships, awaiting measures, their owners, their evidence,
    # pending extensions; the base page: the unread-notification badge.
    with django_assert_num_queries(8):
        body = client.get(reverse("rectification:signoff_queue")).content.decode()
    assert awaiting.title in body and "完成排查" in body and "B 完成" not in body


@pytest.mark.django_db
def test_queue_approve_in_one_click(client, personas, awaiting):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_sign_off", args=[awaiting.pk])
    r = client.post(url, {"version": awaiting.version, "decision": "approve", "from": "queue"})
    assert r.status_code == 302 and r["Location"] == reverse("rectification:signoff_queue")
    awaiting.refresh_from_db()
    assert awaiting.status == S.DONE


@pytest.mark.django_db
def test_queue_send_back_with_htmx(client, personas, awaiting):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_sign_off", args=[awaiting.pk])
    r = client.post(
        url,
        {"version": awaiting.version, "decision": "send_back", "reason": "材料不全", "from": "queue"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200 and f'id="q{awaiting.pk}"' in r.content.decode() and "已退回" in r.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.status == S.IN_PROGRESS


@pytest.mark.django_db
def test_queue_send_back_without_reason_keeps_the_measure(client, personas, awaiting):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_sign_off", args=[awaiting.pk])
    r = client.post(url, {"version": awaiting.version, "decision": "send_back", "from": "queue"}, follow=True)
    assert "退回时请填写理由" in r.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.status == S.AWAITING_SIGN_OFF
