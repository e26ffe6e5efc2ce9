"""The dashboard's figures as an xlsx workbook for the dispatch meeting's papers.

It writes what ``selectors.dashboard`` read; the view only sends the bytes."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..selectors.counting import COUNTING_RULES
from .safety import neutralise_formulas

if TYPE_CHECKING:
    from ..selectors import dashboard as sel

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
OVERDUE_FILL = PatternFill("solid", fgColor="FFEBEE")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(wrap_text=True, vertical="top")


def _table(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]], widths: Sequence[int]) -> None:
    start = ws.max_row + 1 if ws.max_row > 1 else 1
    ws.append(list(header))
    for cell in ws[start]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for row in rows:
        ws.append(list(row))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in ws.iter_rows(min_row=start + 1):
        for cell in row:
            cell.alignment = WRAP
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"{start}:{start}"


def _rate(counts: sel.Counts) -> str:
    return "—" if counts.rate is None else f"{counts.rate:g}%"


def _summary(ws: Worksheet, data: sel.Dashboard) -> None:
    insp = data.inspection
    ws.append([f"{insp.organisation.short_name} 巡察整改看板"])
    ws["A1"].font = TITLE
    ws.append([f"{insp.team} · 反馈日期 {insp.feedback_on:%Y-%m-%d}", f"数据截至 {data.today:%Y-%m-%d}"])
    ws.append([])
    rows: list[list[Any]] = [["整改事项", data.items.total], ["已完成整改事项", data.items.done]]
    rows += [[f.label, f.value] for f in data.figures]
    rows += [["其中已延期", data.counts.extended], ["长期坚持中长期未更新", data.counts.stale]]
    rows += [["整改完成率", _rate(data.counts)]]
    _table(ws, ["指标", "数值"], rows, [28, 16])
    ws.freeze_panes = None
    ws.append([])
    ws.append(["统计口径"])
    ws.cell(row=ws.max_row, column=1).font = BOLD
    for rule in COUNTING_RULES:
        ws.append([str(rule).format(days=data.due_soon_days)])


def _groups(ws: Worksheet, title: str, groups: list[sel.GroupRow], days: int) -> None:
    header = [title, "措施", "已完成", "待销号", "推进中", "未启动", "超期", f"{days}日内到期", "完成率"]
    rows = [
        [g.label, c.total, c.done, c.awaiting, c.in_progress, c.not_started, c.overdue, c.due_soon, _rate(c)]
        for g in groups
        for c in [g.counts]
    ]
    _table(ws, header, rows, [40, 8, 8, 8, 8, 8, 8, 10, 10])


def _measures(
    ws: Worksheet, measures: list[sel.MeasureFacts], total: int, data: sel.Dashboard, overdue: bool = False
) -> None:
    header = ["问题类别", "整改事项", "整改措施", "责任领导", "责任人", "完成时限", "原定时限", "状态"]
    header += ["超期天数"] if overdue else []
    rows = []
    for m in measures:
        row = [m.category_title, m.finding_heading, m.title, m.leader_name, "、".join(m.owner_names)]
        row += [m.due_on, m.original_due_on if m.is_extended else None, m.get_status_display()]
        row += [m.days_late] if overdue else []
        rows.append(row)
    _table(ws, header, rows, [30, 30, 40, 10, 14, 12, 12, 10, 10])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.column in (6, 7):
                cell.number_format = "yyyy-mm-dd"
            if overdue:
                cell.fill = OVERDUE_FILL
    if total > len(measures):
        ws.append([f"仅列出前 {len(measures)} 项，共 {total} 项；完整清单请从措施列表导出。"])


def _trend(ws: Worksheet, trend: sel.Trend) -> None:
    rows = [
        [w.start, w.due, w.done, w.planned_left, "" if w.actual_left is None else w.actual_left]
        for w in trend.active_weeks
    ]
    _table(ws, ["周（起始日）", "当周到期", "当周销号", "计划剩余", "实际剩余"], rows, [14, 10, 10, 10, 10])
    for (cell,) in ws.iter_rows(min_row=2, max_col=1):
        cell.number_format = "yyyy-mm-dd"


def write_dashboard(data: sel.Dashboard) -> bytes:
    """The workbook: a summary sheet with the counting rules, one sheet per table."""
    wb = Workbook()
    _summary(wb.active, data)
    wb.active.title = "概况"
    days = data.due_soon_days
    _groups(wb.create_sheet("按问题类别"), "问题类别", data.by_category, days)
    _groups(wb.create_sheet("按责任领导"), "责任领导", data.by_leader, days)
    _groups(wb.create_sheet("按责任人"), "责任人", data.by_owner, days)
    _measures(wb.create_sheet("超期措施"), data.overdue, data.counts.overdue, data, overdue=True)
    _measures(wb.create_sheet(f"{days}日内到期"), data.due_soon, data.counts.due_soon, data)
    _measures(wb.create_sheet("待销号"), data.awaiting, data.counts.awaiting, data)
    _trend(wb.create_sheet("整改趋势"), data.trend)
    out = io.BytesIO()
    neutralise_formulas(wb).save(out)  # user text starting with "=" stays text
    return out.getvalue()
