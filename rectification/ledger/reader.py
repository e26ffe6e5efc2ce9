"""Parse an uploaded ledger workbook into plain rows, collecting every problem.

Nothing here raises on bad content: each problem becomes a ``Problem(sheet, row,
column, message)`` and reading goes on, so the preview can list them all at once.
Only the container checks (size, zip bomb, encryption, not a workbook) stop early,
because past them there is nothing safe to read.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import logging

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..models import MeasureKind
from ..text import CONTROL_CHARS
from .container import LedgerFileError, Limits, Scan, check_container, prescan
from .format import (
    COLUMN_BY_KEY,
    COLUMNS,
    HEADER_LOOKUP,
    HEADER_SEARCH_ROWS,
    INFO_BY_KEY,
    INFO_LOOKUP,
    INFO_REQUIRED,
    KIND_WORDS,
    SHEET_INFO,
    SHEET_LEDGER,
    STATUS_WORDS,
    InspectionInfo,
    Ledger,
    LedgerRow,
    Problem,
    find_date_in,
    normalise_header,
    parse_date,
    parse_word,
    split_names,
)

logger = logging.getLogger(__name__)

# Text limits of the model fields the cells end up in.
MAX_LENGTHS = {"category": 300, "item": 300, "unit": 100}
MAX_NAME = 50
# Control characters no text field may hold (tab, newline and carriage return are text).
_CONTROL = CONTROL_CHARS


def read_ledger(data: bytes, limits: Limits | None = None) -> Ledger:
    """Bytes of an .xlsx -> a Ledger with its rows and every problem found.

    Before openpyxl loads the workbook: the container checks (size, zip bomb, encryption)
    and a streaming pass that stops as soon as the workbook holds more rows or cells than
    an import may (``container.prescan``), so a hostile workbook costs what its first
    rows cost, not what all of them do; it also notes the formula cells."""
    limits = limits or Limits.from_settings()
    try:
        check_container(data, limits)
        scan = prescan(data, limits)
        workbook = _open(data)
    except LedgerFileError as exc:
        return Ledger(info=None, rows=[], problems=[exc.problem])
    return _read_workbook(workbook, limits, scan)


def _open(data: bytes) -> Workbook:
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many types on malformed input; all mean "unreadable"
        logger.info("ledger workbook unreadable: %r", exc)
        raise LedgerFileError(_("文件已损坏或不是有效的 .xlsx 工作簿，无法读取。")) from exc


def _find_sheet(workbook: Workbook, name: str, fragments: tuple[str, ...]) -> Worksheet | None:
    by_name = {normalise_header(ws.title): ws for ws in workbook.worksheets}
    if name in by_name:
        return by_name[name]
    return next((ws for key, ws in by_name.items() if any(f in key for f in fragments)), None)


def _read_workbook(workbook: Workbook, limits: Limits, scan: Scan) -> Ledger:
    problems: list[Problem] = []
    names = "、".join(f"「{ws.title}」" for ws in workbook.worksheets)
    info_ws = _find_sheet(workbook, SHEET_INFO, ("巡察信息", "基本信息"))
    ledger_ws = _find_sheet(workbook, SHEET_LEDGER, ("台账",))
    info = None
    if info_ws is None:
        problems.append(
            Problem(
                SHEET_INFO,
                None,
                None,
                _("缺少工作表「{sheet}」（工作簿中只有 {names}）。").format(sheet=SHEET_INFO, names=names),
            )
        )
    else:
        info = read_info(info_ws, problems)
    if ledger_ws is None:
        problems.append(
            Problem(
                SHEET_LEDGER,
                None,
                None,
                _("缺少工作表「{sheet}」（工作簿中只有 {names}）。").format(sheet=SHEET_LEDGER, names=names),
            )
        )
        return Ledger(info=info, rows=[], problems=problems)
    formulas = scan.formulas.get(ledger_ws.title, set())
    rows, columns = LedgerSheetReader(ledger_ws, info, problems, limits, formulas).read()
    return Ledger(info=info, rows=rows, problems=problems, columns=columns)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.strftime("%Y-%m-%d")
    return _CONTROL.sub("", str(value).replace("\r\n", "\n")).strip()


def read_info(ws: Worksheet, problems: list[Problem]) -> InspectionInfo:
    """Label/value rows: the first filled cell of a row is the label, the next one its value."""
    info = InspectionInfo()
    for row in ws.iter_rows(min_row=1, max_row=min(ws.max_row, 100)):
        cells = [c for c in row if not _blank(c.value)]
        key = INFO_LOOKUP.get(normalise_header(cells[0].value)) if cells else None
        if key is None or key in info.rows:
            continue
        info.rows[key] = cells[0].row
        value = cells[1].value if len(cells) > 1 else None
        spec = INFO_BY_KEY[key]
        if not spec.is_date:
            setattr(info, key, cell_text(value))
        elif not _blank(value):
            try:
                setattr(info, key, parse_date(value))
            except ValueError as exc:
                problems.append(Problem(SHEET_INFO, cells[0].row, spec.label, str(exc)))
    _check_info(info, problems)
    return info


def _check_info(info: InspectionInfo, problems: list[Problem]) -> None:
    def add(key: str, message: str) -> None:
        problems.append(Problem(SHEET_INFO, info.rows.get(key), INFO_BY_KEY[key].label, message))

    for key in INFO_REQUIRED:
        label = INFO_BY_KEY[key].label
        if not getattr(info, key) and not any(p.column == label for p in problems):
            add(key, _("缺少“{label}”。").format(label=label))
    for key in ("team", "deployed_by"):
        if len(getattr(info, key)) > 100:
            add(key, _("内容过长（最多 {limit} 字）。").format(limit=100))
    if info.onsite_start and info.onsite_end and info.onsite_end < info.onsite_start:
        add("onsite_end", _("巡察结束日期早于开始日期。"))
    if info.onsite_end and info.feedback_on and info.feedback_on < info.onsite_end:
        add("feedback_on", _("反馈日期早于巡察结束日期。"))
    if info.feedback_on and info.deadline and info.deadline < info.feedback_on:
        add("deadline", _("整改期限早于反馈日期。"))


class LedgerSheetReader:
    """Reads the 「整改台账」 sheet: finds the header row, fills merged blocks, parses rows."""

    def __init__(
        self,
        ws: Worksheet,
        info: InspectionInfo | None,
        problems: list[Problem],
        limits: Limits,
        formulas: set[tuple[int, int]] = frozenset(),  # type: ignore[assignment]
    ) -> None:
        self.ws = ws
        self.formulas = formulas
        self.info = info
        self.problems = problems
        self.limits = limits
        self.columns: dict[str, int] = {}  # column key -> 1-based sheet column
        self.header_row = 0

    def add(self, row: int | None, key: str | None, message: str, warning: bool = False) -> None:
        column = COLUMN_BY_KEY[key].header if key else None
        self.problems.append(Problem(SHEET_LEDGER, row, column, message, warning))

    def read(self) -> tuple[list[LedgerRow], frozenset[str]]:
        if not self._find_header():
            return [], frozenset()
        data_rows = self._data_rows()
        if len(data_rows) > self.limits.max_rows:
            self.add(
                None,
                None,
                _("台账共 {count} 行，超过单次导入上限 {limit} 行，请拆分后导入。").format(
                    count=len(data_rows), limit=self.limits.max_rows
                ),
            )
            return [], frozenset(self.columns)
        merged = self._merged_values(data_rows)
        rows = self._parse_rows(data_rows, merged)
        return rows, frozenset(self.columns)

    def _find_header(self) -> bool:
        best_row, best, best_extra = 0, {}, []
        for r, values in enumerate(self.ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True), start=1):
            mapping: dict[str, int] = {}
            extra: list[str] = []
            for index, value in enumerate(values, start=1):
                key = None if _blank(value) else HEADER_LOOKUP.get(normalise_header(value))
                if key is None or key in mapping:
                    extra.append(self._ignored_header(value, key, mapping))
                else:
                    mapping[key] = index
            if len(mapping) > len(best):
                best_row, best, best_extra = r, mapping, extra
        required = [c for c in COLUMNS if c.required]
        if len(best) < 2:
            wanted = "、".join(f"「{c.header}」" for c in required)
            message = _("前 {rows} 行中未找到表头行（应包含 {wanted} 等列名）。").format(
                rows=HEADER_SEARCH_ROWS, wanted=wanted
            )
            self.add(None, None, message)
            return False
        self.header_row, self.columns = best_row, best
        for message in filter(None, best_extra):
            self.add(best_row, None, message, warning=True)
        self._hidden_by_merged_header()
        missing = [c for c in required if c.key not in best]
        for column in missing:
            also = _("（也可写作：{names}）").format(names="、".join(column.synonyms)) if column.synonyms else ""
            self.problems.append(
                Problem(
                    SHEET_LEDGER,
                    best_row,
                    column.header,
                    _("缺少必需的列“{column}”{also}。").format(column=column.header, also=also),
                )
            )
        return not missing

    def _hidden_by_merged_header(self) -> None:
        """A header cell merged across several columns names only the first of them: each
        further column with data under it gets an error instead of being dropped unsaid."""
        merges = [
            rng
            for rng in self.ws.merged_cells.ranges
            if rng.min_row <= self.header_row <= rng.max_row and rng.max_col > rng.min_col
        ]
        if not merges:
            return
        cells = self.ws._cells  # see _data_rows
        used = {c for (r, c), cell in cells.items() if r > self.header_row and not _blank(cell.value)}
        for rng in merges:
            name = cell_text(self.ws.cell(rng.min_row, rng.min_col).value)
            for col in sorted(used.intersection(range(rng.min_col + 1, rng.max_col + 1))):
                message = _(
                    "表头“{name}”是跨 {width} 列的合并单元格，第 {column} 列（{letter} 列）因此没有自己的列名，"
                    "其中的内容不会导入。请取消合并，为该列填写列名（不需要的列请删除）后再导入。"
                ).format(name=name, width=rng.max_col - rng.min_col + 1, column=col, letter=get_column_letter(col))
                self.add(self.header_row, None, message)

    @staticmethod
    def _ignored_header(value: object, key: str | None, mapping: dict[str, int]) -> str:
        if _blank(value):
            return ""
        if key is None:
            return _("列名“{name}”无法识别，该列已忽略。").format(name=cell_text(value))
        return _("列名“{name}”与第 {column} 列重复，该列已忽略。").format(name=cell_text(value), column=mapping[key])

    def _data_rows(self) -> list[int]:
        """Rows below the header that hold a value in a mapped column (besides 序号), in order.

        Reads openpyxl's cell store directly: a sheet that declares one cell at row 1,048,576
        must not make us walk a million empty rows."""
        wanted = {c for k, c in self.columns.items() if k != "number"}
        cells = self.ws._cells  # private, but the only way to visit just the cells that exist
        formulas = self.formulas  # a formula without a saved result reads as empty: still a row
        return sorted(
            {
                r
                for (r, c), cell in cells.items()
                if r > self.header_row and c in wanted and (not _blank(cell.value) or (r, c) in formulas)
            }
        )

    def _merged_values(self, data_rows: list[int]) -> dict[tuple[int, int], object]:
        """The value of each merged block, copied to every data row and mapped column it covers."""
        filled: dict[tuple[int, int], object] = {}
        mapped = set(self.columns.values())
        for rng in self.ws.merged_cells.ranges:
            if rng.min_row <= self.header_row:
                continue
            top = self.ws.cell(rng.min_row, rng.min_col).value
            start = bisect.bisect_left(data_rows, rng.min_row)
            stop = bisect.bisect_right(data_rows, rng.max_row)
            for col in mapped.intersection(range(rng.min_col, rng.max_col + 1)):
                for r in data_rows[start:stop]:
                    filled[(r, col)] = top
        return filled

    def _parse_rows(self, data_rows: list[int], merged: dict[tuple[int, int], object]) -> list[LedgerRow]:
        rows: list[LedgerRow] = []
        seen: dict[tuple[str, str, str], int] = {}
        previous: LedgerRow | None = None
        for r in data_rows:
            raw = {key: self._value(r, col, merged) for key, col in self.columns.items()}
            if self._unread_formulas(r, raw):
                continue
            row = self._parse_row(r, raw, previous)
            if row is None:
                continue
            key = ("".join(row.category.split()), "".join(row.item.split()), "".join(row.measure.split()))
            if key in seen:
                self.add(
                    r, "measure", _("与第 {row} 行重复（问题类别、整改事项和整改措施都相同）。").format(row=seen[key])
                )
            else:
                seen[key] = r
                rows.append(row)
            previous = row
        return rows

    def _unread_formulas(self, r: int, raw: dict[str, object]) -> bool:
        """Report each formula cell of the row that has no saved result (the app never
        computes formulas), instead of calling the field empty. True when there was one."""
        found = False
        for key, col in self.columns.items():
            if (r, col) in self.formulas and _blank(raw.get(key)):
                message = _(
                    "这是公式单元格，系统不读取公式，文件里也没有保存公式的计算结果。"
                    "请在 Excel 中复制该列，“选择性粘贴”为数值后再导入。"
                )
                self.add(r, key, message)
                found = True
        return found

    def _value(self, r: int, col: int, merged: dict[tuple[int, int], object]) -> object:
        cell = self.ws._cells.get((r, col))  # see _data_rows
        value = cell.value if cell is not None else None
        return merged.get((r, col)) if _blank(value) else value

    def _parse_row(self, r: int, raw: dict[str, object], previous: LedgerRow | None) -> LedgerRow | None:
        text = {key: cell_text(value) for key, value in raw.items() if key not in ("due_on",)}
        if not text.get("measure"):
            self.add(r, "measure", _("缺少整改措施。"))
            return None
        # A blank category or item means "same as the row above", as people write by hand.
        category = text.get("category") or (previous.category if previous else "")
        item = text.get("item") or (previous.item if previous else "")
        for key, value in (("category", category), ("item", item), ("unit", text.get("unit", ""))):
            if not value and key != "unit":
                self.add(r, key, _("缺少{column}。").format(column=COLUMN_BY_KEY[key].header))
            if len(value) > MAX_LENGTHS[key]:
                self.add(r, key, _("内容过长（最多 {limit} 字）。").format(limit=MAX_LENGTHS[key]))
        kind, due_on = self._kind_and_due(r, text.get("kind", ""), raw.get("due_on"))
        leader = self._leader(r, text.get("leader", ""))
        owners = self._names(r, "owners", text.get("owners", ""))
        return LedgerRow(
            row=r,
            category=category,
            item=item,
            measure=text["measure"],
            problem=text.get("problem", ""),
            lead_in=text.get("lead_in", ""),
            progress=text.get("progress", ""),
            kind=kind,
            due_on=due_on,
            status=self._status(r, text.get("status", "")),
            leader=leader,
            owners=owners,
            unit=text.get("unit", ""),
            note=text.get("note", ""),
        )

    def _status(self, r: int, text: str) -> str:
        if not text:
            return ""
        status = parse_word(text, STATUS_WORDS)
        if status is None:
            self.add(
                r, "status", _("无法识别的整改状态“{text}”，应为 未启动、推进中、待销号 或 已完成。").format(text=text)
            )
            return ""
        return status

    def _names(self, r: int, key: str, text: str) -> list[str]:
        names = split_names(text)
        for name in names:
            if len(name) > MAX_NAME:
                message = _("姓名“{name}…”过长（最多 {limit} 字），多个姓名请用顿号分隔。").format(
                    name=name[:20], limit=MAX_NAME
                )
                self.add(r, key, message)
        return [n for n in names if len(n) <= MAX_NAME]

    def _leader(self, r: int, text: str) -> str:
        names = self._names(r, "leader", text)
        if len(names) > 1:
            self.add(
                r,
                "leader",
                _("责任领导只能填写一人，已取“{name}”，其余（{others}）未导入。").format(
                    name=names[0], others="、".join(names[1:])
                ),
                True,
            )
        return names[0] if names else ""

    def _kind_and_due(self, r: int, kind_text: str, due_value: object) -> tuple[str, dt.date | None]:
        from_column = None
        if kind_text:
            from_column = parse_word(kind_text, KIND_WORDS)
            if from_column is None:
                self.add(
                    r,
                    "kind",
                    _("无法识别的整改类型“{text}”，应为 立行立改、限期整改 或 长期坚持。").format(text=kind_text),
                )
        from_due, due_on, due_ok = self._due(r, due_value)
        if from_column and from_due and MeasureKind.ONGOING in (from_column, from_due) and from_column != from_due:
            message = _("完成时限写作“{due}”，与整改类型“{kind}”矛盾。").format(
                due=cell_text(due_value), kind=kind_text
            )
            self.add(r, "due_on", message)
            return from_column, None
        kind = from_column or from_due or MeasureKind.TIME_BOUND
        if kind == MeasureKind.ONGOING:
            if due_on:
                message = _("长期坚持的措施不设完成时限，日期 {date} 未导入。").format(date=f"{due_on:%Y-%m-%d}")
                self.add(r, "due_on", message, True)
            return kind, None
        if due_on is None and kind == MeasureKind.IMMEDIATE and self.info and self.info.feedback_on:
            return kind, self.info.feedback_on  # 立行立改 without a date: due at once, on the feedback day
        if due_on is None and due_ok:
            self.add(r, "due_on", _("缺少完成时限（限期整改须写日期，长期坚持的措施请写“长期坚持”）。"))
        return kind, due_on

    def _due(self, r: int, value: object) -> tuple[str | None, dt.date | None, bool]:
        """(kind named in the cell, date in the cell, parsed fine) for the deadline column."""
        if _blank(value):
            return None, None, True
        if isinstance(value, str):
            norm = normalise_header(value)
            for word, kind in KIND_WORDS.items():
                if word in norm:
                    return kind, find_date_in(value), True
        try:
            return None, parse_date(value), True
        except ValueError as exc:
            self.add(r, "due_on", str(exc))
            return None, None, False
