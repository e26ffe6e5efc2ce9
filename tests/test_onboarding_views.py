"""The onboarding pages: the administrator uploads, previews (every problem by sheet, row and
column; the open measures of people leaving), confirms; the template downloads."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from openpyxl import load_workbook

from rectification.ledger.onboarding import write_roster
from rectification.models import Membership, Organisation

from . import factories as f
from .test_fuzz_forms import HOSTILE_TEXT, _hostile_books, _raw_markup, _stored_controls
from .test_onboarding import district

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin_client(client, db):
    admin = f.user(username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    return client


def _upload(client, data: bytes):
    return client.post("/onboarding/", {"file": SimpleUploadedFile("名册.xlsx", data, content_type=XLSX)})


def test_upload_preview_confirm_and_a_second_import_has_nothing_to_do(admin_client, django_assert_max_num_queries):
    orgs, people = district(streets=2, communities=3, per_community=4)
    response = _upload(admin_client, write_roster(orgs, people))
    assert response.status_code == 302
    preview_url = response["Location"]
    # session, user, the planner's reads (organisations, profiles, usernames, roles)
    with django_assert_max_num_queries(12):
        page = admin_client.get(preview_url)
    text = page.content.decode()
    assert page.status_code == 200 and "名册中 9 个：新增 9 个" in text and "确认导入" in text
    assert not Organisation.objects.exists()  # the preview writes nothing
    done = admin_client.post(preview_url + "confirm/", follow=True)
    assert "上线名册已导入：新增党组织 9 个、账号 24 个" in done.content.decode()
    assert Membership.objects.count() == 24

    again = admin_client.get(_upload(admin_client, write_roster(orgs, people))["Location"])
    assert "无需导入" in again.content.decode() and "确认导入" not in again.content.decode()


def test_a_bad_workbook_lists_its_problems_and_cannot_be_confirmed(admin_client):
    orgs, people = district(streets=1, communities=1, per_community=3)
    people[1].role = "主任"
    page = admin_client.get(_upload(admin_client, write_roster(orgs, people))["Location"])
    text = page.content.decode()
    assert "发现 1 处错误" in text and "人员名单" in text and "「主任」不是角色" in text
    assert "确认导入" not in text


def test_the_template_downloads(admin_client):
    response = admin_client.get("/onboarding/template.xlsx")
    assert response["Content-Type"] == XLSX and response["Cache-Control"] == "private, no-store"
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["组织架构", "人员名单", "填写说明"]


def test_hostile_workbooks_are_explained_or_imported_never_a_500(admin_client):
    """Every hostile text of the form fuzzer in every cell, and the ledger fuzzer's hostile
    files: upload, preview, confirm answer without a 500 and store no control character."""
    problems = []
    books = dict(_hostile_books())
    for n, text in enumerate(HOSTILE_TEXT):
        orgs, people = district(streets=1, communities=1, per_community=2)
        for row in (orgs[2], people[0]):
            for name in vars(row):
                if name not in ("row", "level", "role", "left"):
                    setattr(row, name, text)
        books[f"text {n}"] = write_roster(orgs, people)
    for label, data in books.items():
        with transaction.atomic():
            response = _upload(admin_client, data)
            if response.status_code >= 500:
                problems.append(f"{label}: upload {response.status_code}")
            elif response.status_code == 302:
                preview = admin_client.get(response["Location"])
                done = admin_client.post(response["Location"] + "confirm/")
                if preview.status_code >= 500 or done.status_code >= 500 or _raw_markup(preview.content.decode()):
                    problems.append(f"{label}: preview {preview.status_code}, confirm {done.status_code}")
            problems += [f"{label}: stored {row}" for row in _stored_controls()]
            transaction.set_rollback(True)
    assert not problems, "\n".join(problems)
