"""The onboarding workbook (上线名册): a district's organisation tree and its people.

Two sheets, found by name: 「组织架构」 (level, full name, short name, parent's full name) and
「人员名单」 (name, organisation, role, mobile, employee number, work-platform id, status).
Reading never raises on bad content: every problem is a ``Problem(sheet, row, column,
message)`` as in the ledger import, so the preview lists them all at once. The container
checks (size, zip bomb, encryption) are the ledger's own. The template is written here too,
from the same column list.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ..models import Organisation, Role
from . import format as ledger_format
from .format import Problem, normalise_header
from .reader import LedgerFileError, Limits, cell_text, check_container
from .safety import neutralise_formulas

SHEET_ORGS = "组织架构"
SHEET_PEOPLE = "人员名单"
SHEET_HELP = "填写说明"

LEVEL_WORDS = {"区": Organisation.Level.DISTRICT, "区委": Organisation.Level.DISTRICT}
LEVEL_WORDS |= {"街道": Organisation.Level.STREET, "街道党工委": Organisation.Level.STREET}
LEVEL_WORDS |= {"社区": Organisation.Level.COMMUNITY, "社区党委": Organisation.Level.COMMUNITY}
LEVEL_WORDS |= {"其他": Organisation.Level.OTHER}
LEVEL_LABELS = {
    Organisation.Level.DISTRICT: "区",
    Organisation.Level.STREET: "街道",
    Organisation.Level.COMMUNITY: "社区",
    Organisation.Level.OTHER: "其他",
}
ROLE_WORDS = {"书记": Role.SECRETARY, "委员": Role.MEMBER, "工作人员": Role.STAFF, "网格员": Role.GRID}
ROLE_WORDS |= {"督导": Role.SUPERVISOR, "督导员": Role.SUPERVISOR, "巡察办": Role.SUPERVISOR}
ROLE_LABELS = {Role.SECRETARY: "书记", Role.MEMBER: "委员", Role.STAFF: "工作人员", Role.GRID: "网格员"}
ROLE_LABELS[Role.SUPERVISOR] = "督导"
LEFT_WORDS = ("离职", "已离职", "调离", "停用")
ACTIVE_WORDS = ("", "在职", "在岗", "正常")
MOBILE = re.compile(r"^1\d{10}$")
IDENTIFIER = re.compile(r"^[A-Za-z0-9_.@\-]+$")
# Rows per sheet: a district of a thousand communities has some ten thousand people.
MAX_ROWS = 20000


@dataclass(frozen=True)
class Column(ledger_format.Column):
    """A ledger column with the length its model field allows."""

    max_length: int = 0


ORG_COLUMNS = (
    Column("level", "层级", ("级别", "类型"), required=True, width=8),
    Column("name", "党组织全称", ("全称", "党组织名称", "名称"), required=True, max_length=200, width=34),
    Column("short_name", "简称", ("党组织简称",), required=True, max_length=100, width=16),
    Column("parent", "上级党组织", ("上级党组织全称", "上级"), max_length=200, width=34),
)
PEOPLE_COLUMNS = (
    Column("name", "姓名", required=True, max_length=50, width=10),
    Column("organisation", "所属党组织", ("党组织", "单位", "所在党组织"), required=True, max_length=200, width=30),
    Column("role", "角色", ("职务角色", "岗位"), required=True, width=10),
    Column("mobile", "手机号码", ("手机", "手机号", "联系电话"), required=True, max_length=20, width=14),
    Column("employee_number", "工号", ("员工编号", "人员编号"), required=True, max_length=32, width=12),
    Column("work_platform_id", "政务平台账号", ("平台账号", "UserID", "企业微信账号"), max_length=64, width=18),
    Column("status", "状态", ("在职状态",), width=8),
)


@dataclass
class OrgRow:
    row: int
    level: str
    name: str
    short_name: str
    parent: str


@dataclass
class PersonRow:
    row: int
    name: str
    organisation: str
    role: str
    mobile: str
    employee_number: str
    work_platform_id: str
    left: bool


@dataclass
class Roster:
    organisations: list[OrgRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


def read_roster(data: bytes, limits: Limits | None = None) -> Roster:
    """Bytes of an .xlsx -> the roster's rows and every problem found."""
    roster = Roster()
    try:
        check_container(data, limits or Limits.from_settings())
        workbook = load_workbook(io.BytesIO(data), data_only=True, read_only=False)
    except LedgerFileError as exc:
        roster.problems.append(exc.problem)
        return roster
    except Exception:  # openpyxl raises many types on malformed input; all mean "unreadable"
        roster.problems.append(Problem("", None, None, _("文件已损坏或不是有效的 .xlsx 工作簿，无法读取。")))
        return roster
    sheets = {normalise_header(ws.title): ws for ws in workbook.worksheets}
    for title, columns, parse in ((SHEET_ORGS, ORG_COLUMNS, _org), (SHEET_PEOPLE, PEOPLE_COLUMNS, _person)):
        ws = sheets.get(title)
        if ws is None:
            roster.problems.append(Problem(title, None, None, _("缺少工作表「{sheet}」。").format(sheet=title)))
            continue
        for row, values in _rows(ws, title, columns, roster.problems):
            parsed = parse(
                row, values, lambda key, message, r=row, t=title, c=columns: _add(roster, t, r, c, key, message)
            )
            if parsed is not None:
                (roster.organisations if title == SHEET_ORGS else roster.people).append(parsed)
    return roster


def _add(roster: Roster, sheet: str, row: int, columns: tuple[Column, ...], key: str, message: str) -> None:
    header = next(c.header for c in columns if c.key == key)
    roster.problems.append(Problem(sheet, row, header, message))


def _rows(ws: Worksheet, title: str, columns: tuple[Column, ...], problems: list[Problem]):
    """(sheet row, {key: text}) for each filled row under the header (row 1)."""
    lookup = {normalise_header(name): c.key for c in columns for name in (c.header, *c.synonyms)}
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    index = {}
    for i, value in enumerate(header):
        key = lookup.get(normalise_header(value))
        if key and key not in index:
            index[key] = i
    if ws.max_row - 1 > MAX_ROWS:
        problems.append(Problem(title, None, None, _("超过 {n} 行，请分批导入。").format(n=MAX_ROWS)))
        return
    missing = [c.header for c in columns if c.required and c.key not in index]
    if missing:
        problems.append(Problem(title, 1, None, _("缺少必填列：{columns}。").format(columns="、".join(missing))))
        return
    for r, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        texts = {
            c.key: cell_text(values[index[c.key]]) if c.key in index and index[c.key] < len(values) else ""
            for c in columns
        }
        if not any(texts.values()):
            continue
        for c in columns:
            if c.required and not texts[c.key]:
                problems.append(Problem(title, r, c.header, _("必填，不能为空。")))
            elif c.max_length and len(texts[c.key]) > c.max_length:
                problems.append(Problem(title, r, c.header, _("超过 {n} 个字。").format(n=c.max_length)))
        yield r, texts


def _org(row: int, v: dict[str, str], add) -> OrgRow | None:
    level = LEVEL_WORDS.get(normalise_header(v["level"]))
    if v["level"] and level is None:
        add("level", _("「{word}」不是层级，应为 区、街道、社区 或 其他。").format(word=v["level"]))
    if v["parent"] and v["parent"] == v["name"]:
        add("parent", _("上级党组织不能是它自己。"))
    return OrgRow(row, level or "", v["name"], v["short_name"], v["parent"])


def _person(row: int, v: dict[str, str], add) -> PersonRow | None:
    role = ROLE_WORDS.get(normalise_header(v["role"]))
    if v["role"] and role is None:
        add("role", _("「{word}」不是角色，应为 书记、委员、工作人员、网格员 或 督导。").format(word=v["role"]))
    mobile = re.sub(r"[\s\-]", "", v["mobile"])
    if mobile and not MOBILE.match(mobile):
        add("mobile", _("「{value}」不是 11 位手机号码。").format(value=v["mobile"]))
    for key in ("employee_number", "work_platform_id"):
        if v[key] and not IDENTIFIER.match(v[key]):
            add(key, _("只能包含字母、数字和 _ . @ -。"))
    status = normalise_header(v["status"])
    if status not in ACTIVE_WORDS and status not in LEFT_WORDS:
        add("status", _("「{word}」不是状态，应为 在职 或 离职（空白为在职）。").format(word=v["status"]))
    return PersonRow(
        row,
        v["name"],
        v["organisation"],
        role or "",
        mobile,
        v["employee_number"],
        v["work_platform_id"],
        status in LEFT_WORDS,
    )


# ---------------------------------------------------------------------------- writing


HELP_LINES = (
    "上线名册：导入全区的党组织（区 → 街道 → 社区）和人员。",
    "「组织架构」：每行一个党组织。层级填 区、街道、社区 或 其他；上级党组织填其全称（最上级留空）。",
    "「人员名单」：每行一人在一个党组织中的角色；同一人在多个党组织任职时写多行，工号相同。",
    "角色：书记、委员、工作人员、网格员、督导（街道、区委巡察办的督导人员）。",
    "工号是识别人员的依据，必须唯一且不要更改；手机号码为 11 位；政务平台账号是粤政易、政务微信等平台的 UserID，工作消息发到此账号。",
    "再次导入同一名册不会重复创建：角色变化会更新；名册中不再出现或状态为「离职」的人员账号停用（不删除），其未完成的整改措施列出以便重新分配。",
    "导入前先预览，任何一处错误都不会导入任何内容。",
)


def write_roster(organisations: list[OrgRow], people: list[PersonRow]) -> bytes:
    """A roster workbook (the template when both lists are empty; tests generate districts)."""
    wb = Workbook()
    orgs_ws = wb.active
    orgs_ws.title = SHEET_ORGS
    _sheet(orgs_ws, ORG_COLUMNS)
    for o in organisations:
        _append(orgs_ws, [LEVEL_LABELS.get(o.level, o.level), o.name, o.short_name, o.parent])
    people_ws = wb.create_sheet(SHEET_PEOPLE)
    _sheet(people_ws, PEOPLE_COLUMNS)
    for p in people:
        _append(
            people_ws,
            [
                p.name,
                p.organisation,
                ROLE_LABELS.get(p.role, p.role),
                p.mobile,
                p.employee_number,
                p.work_platform_id,
                "离职" if p.left else "在职",
            ],
        )
    _choices(orgs_ws, "A", LEVEL_LABELS.values())
    _choices(people_ws, "C", ROLE_LABELS.values())
    _choices(people_ws, "G", ("在职", "离职"))
    help_ws = wb.create_sheet(SHEET_HELP)
    help_ws.column_dimensions["A"].width = 110
    for line in HELP_LINES:
        help_ws.append([line])
    buffer = io.BytesIO()
    neutralise_formulas(wb).save(buffer)
    return buffer.getvalue()


def _append(ws: Worksheet, values: list[str]) -> None:
    """Characters XML cannot hold are dropped (openpyxl would refuse the whole workbook)."""
    ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in values])


def _sheet(ws: Worksheet, columns: tuple[Column, ...]) -> None:
    ws.append([c.header + ("*" if c.required else "") for c in columns])
    for cell, column in zip(ws[1], columns, strict=True):
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[cell.column_letter].width = column.width
    ws.freeze_panes = "A2"


def _choices(ws: Worksheet, letter: str, words) -> None:
    validation = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
    ws.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}5000")
