"""Workbooks built in the tests, the way people fill in the ledger by hand."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from rectification.devdata.hostile import hostile_ledger

ORG_NAME = "中共深圳市福田区福田街道福华社区委员会"
HEADER = ["序号", "问题类别", "整改事项", "问题描述", "事项概述", "整改措施", "整改进展", "整改类型", "责任领导", "责任人", "责任部门", "完成时限", "整改状态", "备注"]  # fmt: skip
INFO = [
    ("被巡察党组织", ORG_NAME),
    ("党组织简称", "福华社区党委"),
    ("巡察部署单位", "区委"),
    ("巡察组", "区委第四巡察组"),
    ("巡察开始日期", dt.date(2024, 9, 25)),
    ("巡察结束日期", dt.date(2024, 12, 27)),
    ("反馈日期", dt.date(2025, 1, 21)),
    ("整改期限", dt.date(2025, 12, 31)),
]


def row(
    category: str = "关于党的建设方面",
    item: str = "落实第一议题制度",
    measure: str = "严格落实学习制度",
    *,
    problem: str = "学习不够深入。",
    lead_in: str = "",
    progress: str = "已建立学习台账。",
    kind: str = "限期整改",
    leader: str = "王委员",
    owners: str = "赵敏",
    unit: str = "党建办",
    due: object = dt.date(2025, 6, 30),
    status: str = "推进中",
    note: str = "",
) -> dict[str, object]:
    return {
        "问题类别": category, "整改事项": item, "问题描述": problem, "事项概述": lead_in, "整改措施": measure,
        "整改进展": progress, "整改类型": kind, "责任领导": leader, "责任人": owners, "责任部门": unit,
        "完成时限": due, "整改状态": status, "备注": note,
    }  # fmt: skip


def rows3() -> list[dict[str, object]]:
    """Two categories, two items, three measures."""
    return [
        row(measure="严格落实学习制度"),
        row(measure="推动学用结合", due="长期坚持", kind="", status="推进中"),
        row("关于民生服务方面", "提升小区环境", "开展环境整治", problem="环境较差。", due="2025/4/30", status="已完成"),
    ]


def book(
    rows: Sequence[dict[str, object]],
    *,
    header: Sequence[str] = HEADER,
    names: dict[str, str] | None = None,
    info: Sequence[tuple[str, object]] | None = INFO,
    ledger_sheet: str = "整改台账",
    before_header: Sequence[Sequence[object]] = (),
    edit: Callable[[Worksheet], None] | None = None,
) -> bytes:
    """An .xlsx with an info sheet and a ledger sheet. ``names`` renames headers
    (canonical -> what this ledger writes); ``header`` picks and orders the columns."""
    names = names or {}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = ledger_sheet
    for line in before_header:
        ws.append(list(line))
    ws.append([names.get(h, h) for h in header])
    for n, r in enumerate(rows, start=1):
        ws.append([n if h == "序号" else r.get(h, "") for h in header])
    if edit is not None:
        edit(ws)
    if info is not None:
        info_ws = wb.create_sheet("巡察信息")
        for label, value in info:
            info_ws.append([label, value])
    return save(wb)


def save(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def hostile(rows: int = 75_000, cells: int = 20) -> bytes:
    """The hostile workbook of issue 25 (``devdata.hostile``), with this module's 巡察信息."""
    return hostile_ledger(rows, cells, INFO)
