"""Ledger pages: upload -> preview -> confirm, the exports and who may use them."""

from __future__ import annotations

import io
import os
import time

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rectification.ledger.uploads import MAX_AGE, SESSION_KEY, purge_stale, upload_load, upload_store
from rectification.models import Inspection, Measure, Membership, Person

from . import factories as f
from .ledger_books import book, row, rows3

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT = reverse("rectification:ledger_import")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str = "福华台账.xlsx", **fields):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, content_type=XLSX), **fields})


def token_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"].rstrip("/").split("/")[-1]


def test_upload_preview_confirm(personas):
    client = client_for(personas.secretary_a)
    assert "下载台账模板" in client.get(IMPORT).content.decode()
    token = token_of(upload(client, book([*rows3(), row(measure="新人负责", owners="孙新")])))

    preview = client.get(reverse("rectification:ledger_import_preview", args=[token]))
    page = preview.content.decode()
    assert preview.status_code == 200
    for text in ("福华台账.xlsx", "新建巡察", "关于民生服务方面", "提升小区环境", "开展环境整治", "孙新", "确认导入"):
        assert text in page
    assert not Inspection.objects.exists()  # the preview writes nothing

    kept = client.session[SESSION_KEY][token]["path"]
    assert default_storage.exists(kept)
    done = client.post(reverse("rectification:ledger_import_confirm", args=[token]))
    inspection = Inspection.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "rectification:inspection_detail", args=[inspection.pk]
    )
    assert Measure.objects.count() == 4 and Person.objects.filter(name="孙新", user__isnull=True).exists()
    assert token not in client.session.get(SESSION_KEY, {})
    assert not default_storage.exists(kept)
    # Confirming twice does not import twice: the upload is spent.
    assert client.post(reverse("rectification:ledger_import_confirm", args=[token])).status_code == 404
    assert Measure.objects.count() == 4


def test_preview_lists_every_problem_by_place_and_offers_no_confirm(personas):
    client = client_for(personas.secretary_a)
    rows = [*rows3(), row(measure="坏日期", due="下个月"), row(measure="坏状态", status="办结")]
    token = token_of(upload(client, book(rows)))
    page = client.get(reverse("rectification:ledger_import_preview", args=[token])).content.decode()
    assert "发现 2 处错误" in page
    assert '<td data-label="行">5</td><td data-label="列">完成时限</td>' in page
    assert "无法识别的整改状态“办结”" in page
    assert "确认导入" not in page
    # A forced confirmation is refused with the same messages and changes nothing.
    response = client.post(reverse("rectification:ledger_import_confirm", args=[token]), follow=True)
    assert "无法识别的日期“下个月”" in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_file_that_is_not_a_workbook_is_explained(personas):
    client = client_for(personas.secretary_a)
    token = token_of(upload(client, "序号,问题类别\n".encode(), name="台账.csv"))
    page = client.get(reverse("rectification:ledger_import_preview", args=[token])).content.decode()
    assert "文件不是 Excel 工作簿（.xlsx）" in page


@override_settings(LEDGER_MAX_BYTES=1000)
def test_a_file_over_the_limit_is_refused_by_the_form(personas):
    client = client_for(personas.secretary_a)
    response = upload(client, book(rows3()))
    assert response.status_code == 400 and "超过上限" in response.content.decode()
    assert not client.session.get(SESSION_KEY)  # nothing kept


def test_update_preview_shows_changes(personas):
    client = client_for(personas.secretary_a)
    client.post(reverse("rectification:ledger_import_confirm", args=[token_of(upload(client, book(rows3())))]))
    rows = rows3()
    rows[0]["整改状态"] = "待销号"
    token = token_of(upload(client, book(rows)))
    page = client.get(reverse("rectification:ledger_import_preview", args=[token])).content.decode()
    assert "更新已有巡察" in page and "整改状态：推进中 → 待销号" in page


def test_the_target_organisation_can_only_be_one_the_user_is_secretary_of(personas):
    client = client_for(personas.secretary_a)
    response = upload(client, book(rows3()), organisation=personas.tree.b.pk)
    assert response.status_code == 400 and not client.session.get(SESSION_KEY)
    inspection_b = f.inspection(organisation=personas.tree.b)
    assert upload(client, book(rows3()), inspection=inspection_b.pk).status_code == 400


def test_a_chosen_target_that_left_the_users_scope_is_404(personas):
    client = client_for(personas.secretary_a)
    token = token_of(upload(client, book(rows3()), organisation=personas.tree.a.pk))
    Membership.objects.filter(user=personas.secretary_a).update(organisation=personas.tree.b)
    assert client.get(reverse("rectification:ledger_import_preview", args=[token])).status_code == 404
    assert client.post(reverse("rectification:ledger_import_confirm", args=[token])).status_code == 404
    assert not Inspection.objects.exists()


def test_another_users_token_is_404(personas):
    token = token_of(upload(client_for(personas.secretary_a), book(rows3())))
    other = f.user(username="secretary_a2", organisation=personas.tree.a, role=Membership.Role.SECRETARY)
    other_client = client_for(other)
    assert other_client.get(reverse("rectification:ledger_import_preview", args=[token])).status_code == 404
    assert other_client.post(reverse("rectification:ledger_import_confirm", args=[token])).status_code == 404
    assert not Inspection.objects.exists()


def test_a_file_changed_on_disk_after_upload_is_refused(personas):
    client = client_for(personas.secretary_a)
    token = token_of(upload(client, book(rows3())))
    path = client.session[SESSION_KEY][token]["path"]
    with default_storage.open(path, "wb") as fh:
        fh.write(book(rows3()[:1]))
    assert client.post(reverse("rectification:ledger_import_confirm", args=[token])).status_code == 404
    assert not Inspection.objects.exists()


@pytest.mark.parametrize("persona", ["member_a", "staff_a", "supervisor"])
def test_only_secretaries_import(personas, persona):
    client = client_for(getattr(personas, persona))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, book(rows3())).status_code == 403
    assert not Inspection.objects.exists()


def test_nav_link_only_for_secretaries(personas):
    assert "导入台账" in client_for(personas.secretary_a).get(reverse("rectification:home")).content.decode()
    assert "导入台账" not in client_for(personas.staff_a).get(reverse("rectification:home")).content.decode()


# ---------------------------------------------------------------- exports


def test_inspection_export_download(personas, measure_a, django_assert_num_queries):
    inspection = measure_a.finding.category.inspection
    url = reverse("rectification:ledger_export", args=[inspection.pk])
    client = client_for(personas.supervisor)  # supervisors may export: read-only over the subtree
    # session, user, the user's memberships (scope), the inspection with its organisation,
    # measures with their chain, owners, the export's line in the audit trail = 7.
    with django_assert_num_queries(7):
        response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"] and "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb["整改台账"]["F2"].value == measure_a.title


def test_inspection_export_of_another_organisation_is_404(personas, measure_b):
    url = reverse("rectification:ledger_export", args=[measure_b.finding.category.inspection.pk])
    assert client_for(personas.staff_a).get(url).status_code == 404
    assert client_for(personas.secretary_a).get(url).status_code == 404
    assert client_for(personas.staff_b).get(url).status_code == 200


def test_template_download(personas):
    response = client_for(personas.staff_a).get(reverse("rectification:ledger_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["整改台账", "巡察信息", "填写说明"]


def test_exported_ledger_uploads_back_without_changes(personas, measure_a):
    client = client_for(personas.secretary_a)
    export = client.get(reverse("rectification:ledger_export", args=[measure_a.finding.category.inspection.pk]))
    token = token_of(upload(client, export.content))
    page = client.get(reverse("rectification:ledger_import_preview", args=[token])).content.decode()
    assert "更新已有巡察" in page and "无变化 1 条" in page


# ---------------------------------------------------------------- keeping uploads


def test_uploads_kept_per_session_are_capped_and_stale_ones_purged(personas):
    session: dict = {}
    tokens = [
        upload_store(session, data=b"x%d" % i, name="a.xlsx", organisation_id=None, inspection_id=None)
        for i in range(6)
    ]
    assert list(session[SESSION_KEY]) == tokens[1:]  # the oldest dropped, with its file
    assert not default_storage.exists(f"ledger-uploads/{tokens[0]}.xlsx")
    stale = default_storage.path(session[SESSION_KEY][tokens[1]]["path"])
    old = time.time() - MAX_AGE.total_seconds() - 60
    os.utime(stale, (old, old))
    purge_stale()
    assert not os.path.exists(stale) and upload_load(session, tokens[1]) is None
    assert upload_load(session, tokens[2]).data == b"x2"


def _export_rows(response) -> list[str]:
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    ws = openpyxl.load_workbook(io.BytesIO(response.content))["整改台账"]
    col = [c.value for c in ws[1]].index("整改措施") + 1
    return [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]


def test_measure_export_is_the_lists_selection(personas, measure_a, measure_b):
    other = f.measure(finding=measure_a.finding, title="已完成的措施", status=Measure.Status.DONE)
    url = reverse("rectification:measure_export")
    client = client_for(personas.secretary_a)
    assert sorted(_export_rows(client.get(url + "?mine=0"))) == sorted([measure_a.title, other.title])
    assert _export_rows(client.get(url + "?mine=0&status=done")) == [other.title]
    # A bare visit exports what the bare list shows: staff see their own measures.
    assert _export_rows(client_for(personas.staff_a).get(url)) == [measure_a.title]
    assert _export_rows(client_for(personas.staff_b).get(url + "?mine=0")) == [measure_b.title]


def test_measure_export_across_organisations_names_each_inspection(personas, measure_a, measure_b):
    response = client_for(personas.supervisor).get(reverse("rectification:measure_export") + "?mine=0")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb["整改台账"]["B1"].value == "所属巡察"
    assert sorted(_export_rows(response)) == sorted([measure_a.title, measure_b.title])
    info = [row[:2] for row in wb["巡察信息"].iter_rows(values_only=True)]
    assert ("筛选条件", "全部可见") in info  # mine=0 selects nothing: in words, not the parameter
    narrowed = client_for(personas.supervisor).get(
        reverse("rectification:measure_export")
        + f"?mine=0&overdue=1&status=in_progress&organisation={personas.tree.a.pk}"
    )
    info = dict(
        row[:2] for row in openpyxl.load_workbook(io.BytesIO(narrowed.content))["巡察信息"].iter_rows(values_only=True)
    )
    assert info["筛选条件"] == f"党组织：{personas.tree.a.short_name}；状态：推进中；只看超期"


def test_measure_export_query_count_does_not_grow(personas, measure_a):
    client = client_for(personas.secretary_a)
    url = reverse("rectification:measure_export") + "?mine=0"

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    for i in range(8):
        f.measure(finding=measure_a.finding, title=f"追加{i}", owners=[personas.person_staff_a])
    # session, user, memberships, measures (through the list's filtered subquery), owners,
    # the export's line in the audit trail
    assert queries() == few == 6


SCRIPT = "<script>alert(1)</script>"
EVIL = '=HYPERLINK("http://evil.example","点我")'


def test_ledger_import_with_hostile_workbooks(personas):
    """Markup is escaped on the preview, odd characters are dropped, and a text that looks
    like a formula comes back out of the export as text, not as a formula Excel would run."""

    def hostile(ws):
        ws["F2"] = SCRIPT + "\x7f"
        ws["G2"] = EVIL
        ws["G2"].data_type = "s"  # text in the workbook, as Excel stores a quoted '=...

    client = client_for(personas.secretary_a)
    token = token_of(upload(client, book([row(owners=f"赵敏 {SCRIPT}")], edit=hostile)))
    page = client.get(reverse("rectification:ledger_import_preview", args=[token])).content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page
    client.post(reverse("rectification:ledger_import_confirm", args=[token]))
    measure = Measure.objects.get()
    assert (measure.title, measure.progress, measure.note) == (SCRIPT, EVIL, "")

    export = client.get(reverse("rectification:ledger_export", args=[measure.finding.category.inspection.pk]))
    ws = openpyxl.load_workbook(io.BytesIO(export.content))["整改台账"]
    cell = ws["G2"]
    assert (cell.value, cell.data_type) == (EVIL, "s")
    assert not any(c.data_type == "f" for r in ws.iter_rows() for c in r)
    detail = client.get(reverse("rectification:measure_detail", args=[measure.pk])).content.decode()
    assert SCRIPT not in detail


def test_export_drops_characters_a_workbook_cannot_hold(personas, measure_a):
    Measure.objects.filter(pk=measure_a.pk).update(progress="进展\x01\x0b完成", title="=cmd|' /C calc'!A0")
    response = client_for(personas.staff_a).get(
        reverse("rectification:ledger_export", args=[measure_a.finding.category.inspection.pk])
    )
    ws = openpyxl.load_workbook(io.BytesIO(response.content))["整改台账"]
    assert ws["G2"].value == "进展完成"
    assert (ws["F2"].value, ws["F2"].data_type) == ("=cmd|' /C calc'!A0", "s")


def test_dashboard_and_inspection_page_link_to_the_ledger_export(personas, measure_a):
    inspection = measure_a.finding.category.inspection
    url = reverse("rectification:ledger_export", args=[inspection.pk])
    client = client_for(personas.staff_a)
    dashboard = client.get(reverse("rectification:dashboard") + f"?inspection={inspection.pk}").content.decode()
    tree = client.get(reverse("rectification:inspection_detail", args=[inspection.pk])).content.decode()
    assert url in dashboard and url in tree
