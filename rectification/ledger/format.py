"""The ledger (整改台账) format: sheets, columns with their header synonyms, and the
Chinese words for kinds and statuses. Reader, writer, template and README follow this
one spec, so a header accepted on import is the header written on export.

Everything here is plain data and pure functions: no database, no openpyxl.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..dates import implausible_date_message
from ..models import MeasureKind, MeasureStatus

SHEET_INFO = "巡察信息"
SHEET_LEDGER = "整改台账"
SHEET_HELP = "填写说明"

# Where to look for the header row: real ledgers often put a title row (merged across) above it.
HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    width: int = 12
    wrap: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("number", "序号", ("编号", "序"), width=6, wrap=False),
    Column("category", "问题类别", ("问题类型", "问题方面", "方面", "类别"), required=True, width=20),
    Column("item", "整改事项", ("整改任务", "问题事项", "整改项目", "事项"), required=True, width=24),
    Column("problem", "问题描述", ("存在问题", "反馈问题", "问题表现", "具体问题", "问题清单"), width=30),
    Column("lead_in", "事项概述", ("概述", "事项说明"), width=24),
    Column("measure", "整改措施", ("具体措施", "整改举措", "措施"), required=True, width=30),
    Column("progress", "整改进展", ("完成情况", "进展情况", "整改情况", "整改落实情况"), width=44),
    Column("kind", "整改类型", ("整改方式", "类型"), width=10, wrap=False),
    Column("leader", "责任领导", ("牵头领导", "分管领导"), width=10),
    Column("owners", "责任人", ("具体责任人", "经办人"), width=12),
    Column("unit", "责任部门", ("责任单位", "牵头部门", "责任科室"), width=12),
    Column(
        "due_on",
        "完成时限",
        ("整改时限", "完成时间", "完成期限", "时限", "整改期限"),
        required=True,
        width=13,
        wrap=False,
    ),
    Column("status", "整改状态", ("完成状态", "状态", "进度状态"), width=10, wrap=False),
    Column("note", "备注", ("说明",), width=16),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


@dataclass(frozen=True)
class InfoField:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    is_date: bool = False


INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("organisation_name", "被巡察党组织", ("被巡察单位", "党组织全称", "被巡察党组织全称")),
    InfoField("short_name", "党组织简称", ("简称",)),
    InfoField("deployed_by", "巡察部署单位", ("部署单位",)),
    InfoField("team", "巡察组", ("巡察组别",)),
    InfoField("onsite_start", "巡察开始日期", ("进驻开始日期", "进驻日期", "巡察进驻日期"), is_date=True),
    InfoField("onsite_end", "巡察结束日期", ("进驻结束日期",), is_date=True),
    InfoField("feedback_on", "反馈日期", ("巡察反馈日期",), is_date=True),
    InfoField("deadline", "整改期限", ("整改完成期限",), is_date=True),
)
INFO_REQUIRED = ("team", "onsite_start", "onsite_end", "feedback_on")
INFO_BY_KEY = {f.key: f for f in INFO_FIELDS}

KIND_WORDS: dict[str, str] = {
    "立行立改": MeasureKind.IMMEDIATE,
    "立即整改": MeasureKind.IMMEDIATE,
    "立查立改": MeasureKind.IMMEDIATE,
    "限期整改": MeasureKind.TIME_BOUND,
    "限时整改": MeasureKind.TIME_BOUND,
    "长期坚持": MeasureKind.ONGOING,
    "长期整改": MeasureKind.ONGOING,
    "持续整改": MeasureKind.ONGOING,
}
KIND_LABELS = {MeasureKind.IMMEDIATE: "立行立改", MeasureKind.TIME_BOUND: "限期整改", MeasureKind.ONGOING: "长期坚持"}

STATUS_WORDS: dict[str, str] = {
    "未启动": MeasureStatus.NOT_STARTED,
    "未开始": MeasureStatus.NOT_STARTED,
    "推进中": MeasureStatus.IN_PROGRESS,
    "正在推进": MeasureStatus.IN_PROGRESS,
    "持续推进": MeasureStatus.IN_PROGRESS,
    "整改中": MeasureStatus.IN_PROGRESS,
    "进行中": MeasureStatus.IN_PROGRESS,
    "待销号": MeasureStatus.AWAITING_SIGN_OFF,
    "申请销号": MeasureStatus.AWAITING_SIGN_OFF,
    "已完成": MeasureStatus.DONE,
    "已销号": MeasureStatus.DONE,
    "已整改": MeasureStatus.DONE,
    "完成": MeasureStatus.DONE,
}
STATUS_LABELS = {
    MeasureStatus.NOT_STARTED: "未启动",
    MeasureStatus.IN_PROGRESS: "推进中",
    MeasureStatus.AWAITING_SIGN_OFF: "待销号",
    MeasureStatus.DONE: "已完成",
}

# Export colours (ARGB fill), chosen to stay readable when printed in grey.
STATUS_FILLS = {
    MeasureStatus.NOT_STARTED: "FFEEEEEE",
    MeasureStatus.IN_PROGRESS: "FFDDEBF7",
    MeasureStatus.AWAITING_SIGN_OFF: "FFFFF2CC",
    MeasureStatus.DONE: "FFE2EFDA",
}
OVERDUE_FILL = "FFFFD7D7"

# Separators between people in one cell: 、，, / ； and any whitespace.
_NAME_SPLIT = re.compile(r"[、，,/／;；\s\u3000]+")
_BRACKETED = re.compile(r"[（(【\[].*?[）)】\]]")
_HEADER_NOISE = re.compile(r"[\s\u3000*＊:：]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as the input allows."""

    sheet: str
    row: int | None
    column: str | None
    message: str
    warning: bool = False

    @property
    def place(self) -> str:
        parts = [f"工作表「{self.sheet}」"] if self.sheet else []
        if self.row:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"「{self.column}」列")
        return "".join(parts)

    def __str__(self) -> str:
        return f"{self.place}：{self.message}" if self.place else self.message


@dataclass
class InspectionInfo:
    organisation_name: str = ""
    short_name: str = ""
    deployed_by: str = ""
    team: str = ""
    onsite_start: dt.date | None = None
    onsite_end: dt.date | None = None
    feedback_on: dt.date | None = None
    deadline: dt.date | None = None
    rows: dict[str, int] = field(default_factory=dict)  # field key -> sheet row, for error places


@dataclass
class LedgerRow:
    """One measure as written in the ledger (names, words and dates already parsed)."""

    row: int
    category: str
    item: str
    measure: str
    problem: str = ""
    lead_in: str = ""
    progress: str = ""
    kind: str = MeasureKind.TIME_BOUND
    due_on: dt.date | None = None
    status: str = ""  # empty: not given in the sheet
    leader: str = ""
    owners: list[str] = field(default_factory=list)
    unit: str = ""
    note: str = ""


@dataclass
class Ledger:
    info: InspectionInfo | None
    rows: list[LedgerRow]
    problems: list[Problem]
    columns: frozenset[str] = frozenset()  # column keys present in the sheet

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


def normalise_header(text: object) -> str:
    """Header cell -> lookup key: no spaces, no bracketed hints like 「（必填）」, no colons."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    return _HEADER_NOISE.sub("", _BRACKETED.sub("", s))


def _lookup(entries) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, names in entries:
        for name in names:
            table[normalise_header(name)] = key
    return table


HEADER_LOOKUP = _lookup((c.key, (c.header, *c.synonyms)) for c in COLUMNS)
INFO_LOOKUP = _lookup((f.key, (f.label, *f.synonyms)) for f in INFO_FIELDS)


def split_names(text: str) -> list[str]:
    """「张三、李四，王五/赵六 钱七」 -> five names; a bracketed title 「李明华（书记）」 is dropped."""
    names: list[str] = []
    for part in _NAME_SPLIT.split(_BRACKETED.sub("", text or "")):
        if part and part not in names:
            names.append(part)
    return names


def parse_word(text: str, table: dict[str, str]) -> str | None:
    return table.get(normalise_header(text))


# Text date forms: 2025-03-31, 2025/3/31, 2025.3.31, 2025年3月31日 (optionally with a time),
# and a month alone (2025年3月, 2025年3月底, 2025-03) meaning its last day.
_DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\d{1,2}:\d{2}(?::\d{2})?)?$")
_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?(?:底|末)?$")
_DATE_SUFFIX = re.compile(r"(之前|以前|前)$")
# Excel serial numbers of 2000-01-01 and 2100-12-31: anything outside is surely not a date.
_SERIAL_RANGE = (36526, 73415)


def parse_date(value: object) -> dt.date:
    """A cell value -> a plausible date (``dates.py``). Raises ValueError with a Chinese
    message on anything else, an implausible date (1800-01-01, 9999-12-31, a negative Excel
    serial shown as 1899-12-25) included."""
    day = _parse_date(value)
    message = implausible_date_message(day)
    if message:
        raise ValueError(message)
    return day


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_RANGE[0] <= value <= _SERIAL_RANGE[1] and float(value).is_integer():
            return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
        raise ValueError(_("无法识别的日期“{value}”").format(value=value))
    text = unicodedata.normalize("NFKC", str(value)).replace(" ", "")
    text = _DATE_SUFFIX.sub("", text)
    try:
        if m := _DAY.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            return dt.date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        pass  # e.g. 2025-13-01: falls through to the same message
    raise ValueError(
        _("无法识别的日期“{value}”，请写成 2025-03-31、2025/3/31、2025.3.31 或 2025年3月31日。").format(value=value)
    )


def find_date_in(text: str) -> dt.date | None:
    """The first date written inside free text, e.g. 「立行立改（2025年2月28日前）」."""
    s = unicodedata.normalize("NFKC", text).replace(" ", "")
    for m in re.finditer(r"\d{4}[-/.年]\d{1,2}[-/.月](?:\d{1,2}日?)?(?:底|末)?", s):
        try:
            return parse_date(m[0])
        except ValueError:
            continue
    return None


def date_forms_help() -> str:
    return "Excel 日期，或文字 2025-03-31、2025/3/31、2025.3.31、2025年3月31日；只写到月（2025年3月、2025年3月底）表示该月最后一天"
