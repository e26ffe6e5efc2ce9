"""The register of comments from the public (意见建议登记簿) as a sheet of the exported ledger,
for those who read the register (views/ledger.py decides). A sheet the import never reads:
its name holds neither 「台账」 nor 「巡察信息」 (ledger/reader.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

SHEET_COMMENTS = "意见建议登记簿"
HEADERS = [
    ("收到时间", 18),
    ("来源", 10),
    ("姓名", 10),
    ("联系方式", 16),
    ("意见建议", 50),
    ("承办人", 10),
    ("答复情况", 40),
    ("答复时间", 18),
    ("状态", 10),
]


@dataclass(frozen=True)
class CommentRow:
    received_at: dt.datetime
    channel: str
    name: str
    contact: str
    body: str
    assignee: str
    answer: str
    answered_at: dt.datetime | None
    state: str


def write_comment_sheet(ws: Worksheet, rows: Sequence[CommentRow], append) -> None:
    """``append`` is the writer's safe append (illegal characters dropped, formulas kept text)."""
    append(ws, [h for h, _w in HEADERS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, (_h, width) in enumerate(HEADERS, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"
    for r in rows:
        when = r.answered_at.strftime("%Y-%m-%d %H:%M") if r.answered_at else ""
        append(
            ws,
            [
                r.received_at.strftime("%Y-%m-%d %H:%M"),
                r.channel,
                r.name,
                r.contact,
                r.body,
                r.assignee,
                r.answer,
                when,
                r.state,
            ],
        )
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
