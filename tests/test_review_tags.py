"""The review queue's row tags (templatetags/review_tags.py): what each row shows, escaped,
in local time, with the phone labels, in both languages."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import translation

from rectification.templatetags.review_tags import bulletin_review_row, document_row, plan_change_row, queue_labels

HOSTILE = '<script>alert("x")</script>'
LATE_UTC = dt.datetime(2025, 6, 29, 20, 30, tzinfo=ZoneInfo("UTC"))  # 04:30 on the 30th in Shanghai


TEAM = "区委第一巡察组"


def _cells(row: str) -> list[str]:
    return re.findall(r'<td data-label="([^"]*)">', row)


def test_document_row():
    d = SimpleNamespace(
        pk=7, organisation_name=HOSTILE, team=TEAM, label="第二次整改情况报告", version_number=3, submitted_by="",
        submitted_by_username="wang&li", submitted_at=LATE_UTC, due_on=None,
    )  # fmt: skip
    row = str(document_row(d, queue_labels()))
    assert HOSTILE not in row and "&lt;script&gt;" in row
    assert _cells(row) == ["党组织", "文书", "版本", "报送", "报送期限"]
    assert "第 3 版" in row and "wang&amp;li · 2025-06-30 04:30" in row
    assert '<span class="muted">—</span>' in row  # no due date
    assert f'href="{reverse("rectification:upward_document", args=[7])}#review"' in row
    d.due_on, d.submitted_by = dt.date(2025, 8, 1), "王芳"
    row = str(document_row(d, queue_labels()))
    assert "2025-08-01" in row and "王芳 · " in row


def test_plan_change_row_cuts_a_long_reason_and_escapes_it():
    c = SimpleNamespace(
        pk=5, plan_id=9, organisation_name="福华社区党委", team=TEAM, action_label="新增措施",
        title="<b>建立台账</b>", detail="限期整改 · 完成时限 2025-09-30", reason="理由" * 60,
        requested_by_name="", requested_by_username="secretary", requested_at=LATE_UTC,
    )  # fmt: skip
    row = str(plan_change_row(c, queue_labels()))
    assert row.startswith('<tr id="pc5" class="plan-change-row">')
    assert _cells(row) == ["党组织", "调整内容", "调整理由", "申请"]
    assert "&lt;b&gt;建立台账&lt;/b&gt;" in row and "<small>限期整改 · 完成时限 2025-09-30</small>" in row
    reason = re.search(r'data-label="调整理由">([^<]*)</td>', row).group(1)
    assert len(reason) < 120 and reason.startswith("理由理由")
    assert f'href="{reverse("rectification:upward_document", args=[9])}#pc5"' in row
    c.detail = ""
    assert "<small>" not in str(plan_change_row(c, queue_labels()))


def test_bulletin_review_row_in_english():
    r = SimpleNamespace(
        pk=4, number=2, organisation_name="Fuhua", team=TEAM, submitted_at=LATE_UTC,
        submitted_by_name="Wang", submitted_by_username="secretary",
    )  # fmt: skip
    with translation.override("en"):
        labels = queue_labels()
        row = str(bulletin_review_row(r, labels))
    assert "No. 2" in row and "Wang · 2025-06-30 04:30" in row
    assert _cells(row)[0] == labels["org"] != "党组织"
    assert f'href="{reverse("rectification:bulletin_review", args=[4])}#decide"' in row
