"""The district statistics workbook (巡察整改统计表): one row per organisation of the chosen
round, the columns of ``selectors.statistics.statistics_columns``, a total row; a second
sheet per round, a third with the counting rules.

It writes what ``selectors.statistics`` read; the view and the command only send or save
the bytes. Sheet and column names stay Chinese, like the ledger's."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..selectors.counting import COUNTING_RULES
from ..selectors.statistics import Figures, StatisticsData, StatisticsRow, statistics_columns
from .safety import neutralise_formulas

HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")
TOTAL_FILL = PatternFill("solid", fgColor="EEEEEE")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _cell(value: Any) -> Any:
    """A figure as the sheet keeps it: money as a number to two decimals, no rate as 「—」."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return float(value.quantize(Decimal("0.01")))
    return value


def _sheet(ws: Worksheet, title: str, first: str, rows: list[StatisticsRow], total: Figures, street: bool) -> None:
    columns = statistics_columns()
    ws.append([title])
    ws["A1"].font = TITLE
    header = [first, *(["所属街道"] if street else []), *(str(label) for _key, label in columns)]
    ws.append(header)
    for cell in ws[2]:
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, HEADER
    lead = 2 if street else 1
    for row in rows:
        ws.append(
            [row.label, *([row.parent_name] if street else []), *(_cell(row.figures.value(k)) for k, _l in columns)]
        )
    ws.append(["合计", *([""] if street else []), *(_cell(total.value(k)) for k, _l in columns)])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = BOLD, TOTAL_FILL
    for i, (key, _label) in enumerate(columns, start=lead + 1):
        ws.column_dimensions[get_column_letter(i)].width = 11
        if key.startswith("money_"):
            for (cell,) in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                cell.number_format = "0.00"
    ws.column_dimensions["A"].width = 22
    if street:
        ws.column_dimensions["B"].width = 14
    ws.row_dimensions[2].height = 48
    ws.freeze_panes = ws.cell(row=3, column=lead + 1)
    ws.auto_filter.ref = f"A2:{get_column_letter(lead + len(columns))}{ws.max_row - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:2"


def write_statistics(data: StatisticsData) -> bytes:
    """The workbook: 「按党组织」 (the chosen round), 「按轮次」 (every round), 「按标准问题方面」
    (the chosen round), 「统计口径」."""
    with translation.override("zh-hans"):
        wb = Workbook()
        title = f"{data.title}（数据截至 {data.today:%Y-%m-%d}）"
        _sheet(wb.active, title, "党组织", data.rows, data.total, street=True)
        wb.active.title = "按党组织"
        _sheet(wb.create_sheet("按轮次"), "按轮次统计", "轮次", data.round_rows, data.round_total, street=False)
        by_heading = wb.create_sheet("按标准问题方面")
        _sheet(by_heading, "按标准问题方面统计", "标准问题方面", data.heading_rows, data.heading_total, street=False)
        by_heading.column_dimensions["A"].width = 40
        rules = wb.create_sheet("统计口径")
        rules.column_dimensions["A"].width = 120
        for rule in COUNTING_RULES:
            rules.append([str(rule).format(days=settings.RECTIFICATION["DUE_SOON_DAYS"])])
        out = io.BytesIO()
        neutralise_formulas(wb).save(out)
    return out.getvalue()
