"""Write the ledger workbook, laid out for people who print it and pass it around:
bold frozen header, column widths, wrapped text, merged category and item blocks, status
colours, overdue rows highlighted, A4 landscape with the header repeated on every page.

The content follows format.py exactly, so an export imports back unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..models import MeasureKind, MeasureStatus
from .comments import SHEET_COMMENTS, CommentRow, write_comment_sheet
from .format import (
    COLUMNS,
    INFO_FIELDS,
    KIND_LABELS,
    OVERDUE_FILL,
    SHEET_HELP,
    SHEET_INFO,
    SHEET_LEDGER,
    STATUS_FILLS,
    STATUS_LABELS,
    Column,
    InspectionInfo,
    LedgerRow,
    date_forms_help,
)
from .safety import neutralise_formulas

SOURCE_HEADER = "所属巡察"
DATE_FORMAT = "yyyy-mm-dd"
_THIN = Side(style="thin", color="FF999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", fgColor="FFD9D9D9")
HEADER_FONT = Font(bold=True, size=11)
BODY_FONT = Font(size=10)
OVERDUE_FONT = Font(size=10, bold=True, color="FFC00000")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
# Only the first ~1000 rows get drop-downs in the template; enough for any real ledger.
VALIDATION_ROWS = 1000
# Rough line height of 10 pt text in Excel's units, and how many width units a CJK character takes.
LINE_HEIGHT = 14.0
CJK_WIDTH = 2.0


@dataclass
class ExportRow:
    """A ledger row plus what only an export shows."""

    row: LedgerRow
    overdue: bool = False
    source: str = ""  # 所属巡察, when a selection spans several inspections


def write_ledger(
    *,
    info: InspectionInfo | None,
    rows: Sequence[ExportRow],
    title: str,
    extra_info: Sequence[tuple[str, str]] = (),
    sources: Sequence[InspectionInfo] = (),
    comments: Sequence[CommentRow] | None = None,
) -> bytes:
    """The workbook as bytes. ``info`` describes the one inspection; for a selection that
    spans several, pass ``sources`` instead (the 巡察信息 sheet then lists them)."""
    wb = Workbook()
    ledger = wb.active
    ledger.title = SHEET_LEDGER
    with_source = any(r.source for r in rows)
    columns = _columns(with_source)
    _write_ledger_sheet(ledger, columns, rows)
    _print_setup(ledger, title)
    info_ws = wb.create_sheet(SHEET_INFO)
    if info is not None:
        _write_info_sheet(info_ws, info, extra_info)
    else:
        _write_sources_sheet(info_ws, sources, extra_info)
    if comments is not None:  # the register, for those who read it (ledger/comments.py)
        write_comment_sheet(wb.create_sheet(SHEET_COMMENTS), comments, _append)
    return _bytes(wb)


@dataclass
class LedgerExport:
    """What the ledger selectors read for an export: the rows as of ``today`` and the
    inspections they come from (one gives an importable ledger; several add 所属巡察)."""

    rows: list[ExportRow]
    inspections: list[InspectionInfo]
    today: dt.date


def write_inspection_ledger(export: LedgerExport, *, comments: Sequence[CommentRow] | None = None) -> bytes:
    """A whole inspection as an importable ledger (with the organisation's register of
    comments from the public as a last sheet when ``comments`` is given)."""
    (info,) = export.inspections
    return write_ledger(
        info=info,
        rows=export.rows,
        title=f"{info.short_name}巡察整改台账",
        extra_info=_summary(export),
        comments=comments,
    )


def write_selection_ledger(export: LedgerExport, *, description: str = "") -> bytes:
    """A selection of measures (e.g. the filtered measure list); ``description`` names the
    filters on the 巡察信息 sheet."""
    extra = _summary(export) + ([("筛选条件", description)] if description else [])
    if len(export.inspections) == 1:
        (only,) = export.inspections
        return write_ledger(info=only, rows=export.rows, title="巡察整改台账", extra_info=extra)
    return write_ledger(info=None, rows=export.rows, title="巡察整改台账", extra_info=extra, sources=export.inspections)


def _summary(export: LedgerExport) -> list[tuple[str, str]]:
    rows = export.rows
    done = sum(1 for r in rows if r.row.status == MeasureStatus.DONE)
    overdue = sum(1 for r in rows if r.overdue)
    return [
        ("导出日期", f"{export.today:%Y-%m-%d}"),
        ("整改措施", f"{len(rows)} 条，已完成 {done} 条，超期 {overdue} 条"),
    ]


def write_template() -> bytes:
    """An empty ledger with the header, drop-downs, example hints and a 填写说明 sheet."""
    wb = Workbook()
    ledger = wb.active
    ledger.title = SHEET_LEDGER
    _write_ledger_sheet(ledger, _columns(False), [])
    _print_setup(ledger, "巡察整改台账")
    info_ws = wb.create_sheet(SHEET_INFO)
    _write_info_sheet(info_ws, InspectionInfo(), ())
    for row, example in enumerate(_INFO_EXAMPLES, start=1):
        info_ws.cell(row, 2).comment = Comment(f"示例：{example}", "整改台账模板")
    _write_help_sheet(wb.create_sheet(SHEET_HELP))
    return _bytes(wb)


def _bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    neutralise_formulas(wb).save(buffer)  # user text starting with "=" stays text
    return buffer.getvalue()


def _append(ws: Worksheet, values: Sequence[object]) -> None:
    """Append a row of user text safely: characters XML cannot hold are dropped, and a text
    starting with "=" stays text (openpyxl would otherwise write it as a live formula)."""
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def _columns(with_source: bool) -> list[Column]:
    columns = list(COLUMNS)
    if with_source:
        columns.insert(1, Column("source", SOURCE_HEADER, width=22))
    return columns


def _cell_values(columns: Sequence[Column], number: int, item: ExportRow) -> list[object]:
    row = item.row
    values = {
        "number": number,
        "source": item.source,
        "category": row.category,
        "item": row.item,
        "problem": row.problem,
        "lead_in": row.lead_in,
        "measure": row.measure,
        "progress": row.progress,
        "kind": KIND_LABELS.get(row.kind, ""),
        "leader": row.leader,
        "owners": "、".join(row.owners),
        "unit": row.unit,
        "due_on": row.due_on if row.kind != MeasureKind.ONGOING else KIND_LABELS[MeasureKind.ONGOING],
        "status": STATUS_LABELS.get(row.status, ""),
        "note": row.note,
    }
    return [values[c.key] for c in columns]


def _write_ledger_sheet(ws: Worksheet, columns: list[Column], rows: Sequence[ExportRow]) -> None:
    ws.append([c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(1, index)
        cell.font, cell.fill, cell.alignment, cell.border = HEADER_FONT, HEADER_FILL, CENTRE, BORDER
        ws.column_dimensions[cell.column_letter].width = column.width
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"
    keys = [c.key for c in columns]
    for number, item in enumerate(rows, start=1):
        _append(ws, _cell_values(columns, number, item))
        _style_row(ws, number + 1, columns, item)
    _merge_blocks(ws, keys, rows)
    last = ws.cell(max(len(rows), 1) + 1, len(columns)).coordinate
    ws.auto_filter.ref = f"A1:{last}"
    _add_validations(ws, keys, max(len(rows) + 1, VALIDATION_ROWS))


def _style_row(ws: Worksheet, r: int, columns: list[Column], item: ExportRow) -> None:
    overdue_fill = PatternFill("solid", fgColor=OVERDUE_FILL) if item.overdue else None
    lines = 1
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(r, index)
        cell.border, cell.font = BORDER, BODY_FONT
        cell.alignment = WRAP_TOP if column.wrap else Alignment(vertical="top", horizontal="center")
        if column.key == "due_on" and not isinstance(cell.value, str):
            cell.number_format = DATE_FORMAT
        if overdue_fill is not None:
            cell.fill = overdue_fill
        if column.key == "status" and item.row.status in STATUS_FILLS:
            cell.fill = PatternFill("solid", fgColor=STATUS_FILLS[item.row.status])
        if column.key == "due_on" and item.overdue:
            cell.font = OVERDUE_FONT
        if column.key in ("measure", "progress", "note"):  # never merged, so they set the height
            lines = max(lines, _lines(cell.value, column.width))
    # openpyxl cannot ask Excel to fit rows, and WPS does not fit them on open: estimate it.
    ws.row_dimensions[r].height = min(lines * LINE_HEIGHT + 4, 409)


def _lines(value: object, width: int) -> int:
    text = str(value or "")
    units = sum(CJK_WIDTH if ord(ch) > 0x2E80 else 1.1 for ch in text)
    explicit = text.count("\n")
    return max(1, math.ceil(units / max(width - 1, 1)) + explicit)


# Which block each merged column follows: the category column merges over a category's rows,
# the item columns over an item's rows.
_MERGE_LEVEL = {"source": 1, "category": 2, "item": 3, "problem": 3, "lead_in": 3}


def _merge_blocks(ws: Worksheet, keys: list[str], rows: Sequence[ExportRow]) -> None:
    """Merge consecutive equal categories, and the item columns within an item, as people do."""
    for key, level in _MERGE_LEVEL.items():
        if key not in keys:
            continue
        col = keys.index(key) + 1
        for start, stop in _runs([(r.source, r.row.category, r.row.item)[:level] for r in rows]):
            if stop > start:
                ws.merge_cells(start_row=start + 2, start_column=col, end_row=stop + 2, end_column=col)


def _runs(values: list[object]) -> list[tuple[int, int]]:
    """Index ranges (inclusive) of consecutive equal values."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i - 1))
            start = i
    return runs


def _add_validations(ws: Worksheet, keys: list[str], last_row: int) -> None:
    choices = {
        "kind": ",".join(KIND_LABELS.values()),
        "status": ",".join(STATUS_LABELS.values()),
    }
    for key, options in choices.items():
        letter = ws.cell(1, keys.index(key) + 1).column_letter
        validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True, showErrorMessage=False)
        validation.add(f"{letter}2:{letter}{last_row}")
        ws.add_data_validation(validation)


def _print_setup(ws: Worksheet, title: str) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.print_title_rows = "1:1"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddHeader.center.text = title.replace("&", "&&")
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _write_info_sheet(ws: Worksheet, info: InspectionInfo, extra: Sequence[tuple[str, str]]) -> None:
    for spec in INFO_FIELDS:
        _append(ws, [spec.label, getattr(info, spec.key)])
        if spec.is_date:
            ws.cell(ws.max_row, 2).number_format = DATE_FORMAT
    for label, value in extra:
        _append(ws, [label, value])
    _style_label_sheet(ws)


def _write_sources_sheet(ws: Worksheet, sources: Sequence[InspectionInfo], extra: Sequence[tuple[str, str]]) -> None:
    for label, value in extra:
        _append(ws, [label, value])
    ws.append([])
    header = [f.label for f in INFO_FIELDS]
    ws.append(header)
    header_row = ws.max_row
    for info in sources:
        _append(ws, [getattr(info, f.key) for f in INFO_FIELDS])
        for index, spec in enumerate(INFO_FIELDS, start=1):
            if spec.is_date:
                ws.cell(ws.max_row, index).number_format = DATE_FORMAT
    for index in range(1, len(header) + 1):
        cell = ws.cell(header_row, index)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
        ws.column_dimensions[cell.column_letter].width = 18
    ws.column_dimensions["A"].width = 40


def _style_label_sheet(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 50
    for label, value in ws.iter_rows(min_col=1, max_col=2):
        label.font = HEADER_FONT
        label.fill, label.border, value.border = HEADER_FILL, BORDER, BORDER
        value.alignment = Alignment(horizontal="left", wrap_text=True)


_INFO_EXAMPLES = (
    "中共深圳市福田区福田街道福华社区委员会",
    "福华社区党委",
    "区委",
    "区委第四巡察组",
    "2024-09-25",
    "2024-12-27",
    "2025-01-21",
    "2025-12-31",
)


def _write_help_sheet(ws: Worksheet) -> None:
    lines = [
        ("填写说明", ""),
        (
            "工作表",
            f"「{SHEET_INFO}」填写巡察基本信息（左列为项目，右列填写内容）；「{SHEET_LEDGER}」每行一条整改措施。",
        ),
        (
            "分组",
            "问题类别、整改事项相同的行属于同一整改事项；类别和事项按首次出现的顺序排列。可合并单元格，空白表示同上一行。",
        ),
        ("日期", date_forms_help() + "。"),
        ("完成时限", "可直接写“长期坚持”（不设时限）或“立行立改”（未写日期时以反馈日期为时限）。"),
        ("整改类型", "、".join(KIND_LABELS.values()) + "；留空时按完成时限判断。"),
        ("整改状态", "、".join(STATUS_LABELS.values()) + "；留空为未启动。"),
        ("责任人", "多人用顿号、逗号、斜杠或空格分隔；尚无账号的人员导入后可再关联账号。"),
    ]
    for column in COLUMNS:
        also = f"（也可写作：{'、'.join(column.synonyms)}）" if column.synonyms else ""
        lines.append((f"列：{column.header}", ("必填" if column.required else "选填") + also))
    for row in lines:
        ws.append(list(row))
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 100
    ws["A1"].font = Font(bold=True, size=14)
    for label, text in ws.iter_rows(min_row=2, min_col=1, max_col=2):
        label.font = HEADER_FONT
        text.alignment = Alignment(wrap_text=True, vertical="top")
