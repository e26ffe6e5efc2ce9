"""The ledger reader on workbooks built here: the variants real ledgers use, and every kind
of bad input, each reported with its place (sheet, row, column) rather than raised."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import msoffcrypto.format.ooxml
import pytest
from django.test import override_settings

from rectification.ledger.format import Problem, parse_date, split_names
from rectification.ledger.reader import read_ledger
from rectification.models import MeasureKind, MeasureStatus

from .ledger_books import HEADER, INFO, book, row, rows3


def only_errors(ledger) -> list[str]:
    return [str(p) for p in ledger.errors]


def test_canonical_ledger_reads_into_rows():
    ledger = read_ledger(book(rows3()))
    assert ledger.errors == []
    assert ledger.info.organisation_name == INFO[0][1]
    assert ledger.info.feedback_on == dt.date(2025, 1, 21)
    assert [(r.row, r.category, r.item, r.measure) for r in ledger.rows] == [
        (2, "关于党的建设方面", "落实第一议题制度", "严格落实学习制度"),
        (3, "关于党的建设方面", "落实第一议题制度", "推动学用结合"),
        (4, "关于民生服务方面", "提升小区环境", "开展环境整治"),
    ]
    first, ongoing, done = ledger.rows
    assert (first.kind, first.due_on, first.status) == (MeasureKind.TIME_BOUND, dt.date(2025, 6, 30), "in_progress")
    assert (ongoing.kind, ongoing.due_on) == (MeasureKind.ONGOING, None)
    assert (done.due_on, done.status) == (dt.date(2025, 4, 30), MeasureStatus.DONE)
    assert first.leader == "王委员" and first.owners == ["赵敏"] and first.problem == "学习不够深入。"


def test_header_synonyms_are_accepted():
    names = {
        "问题描述": "存在问题",
        "整改进展": "完成情况",
        "责任人": "具体责任人",
        "完成时限": "整改时限",
        "整改状态": "完成状态",
        "责任部门": "责任单位",
    }
    ledger = read_ledger(book(rows3(), names=names))
    assert ledger.errors == []
    assert ledger.rows[0].problem == "学习不够深入。"
    assert ledger.rows[0].progress == "已建立学习台账。"
    assert ledger.rows[0].owners == ["赵敏"] and ledger.rows[0].unit == "党建办"
    assert ledger.rows[0].due_on == dt.date(2025, 6, 30)


@pytest.mark.parametrize("header_text", ["完成时间", "完成时限（长期坚持的写“长期坚持”）", " 完成\n时限 ", "*完成时限"])
def test_header_spelling_variants(header_text):
    ledger = read_ledger(book([row()], names={"完成时限": header_text}))
    assert ledger.errors == []
    assert ledger.rows[0].due_on == dt.date(2025, 6, 30)


def test_columns_in_any_order_and_optional_columns_left_out():
    header = ["整改状态", "完成时限", "整改措施", "责任人", "整改事项", "问题类别"]
    ledger = read_ledger(book(rows3(), header=header))
    assert ledger.errors == []
    assert [r.measure for r in ledger.rows] == ["严格落实学习制度", "推动学用结合", "开展环境整治"]
    assert ledger.rows[2].status == MeasureStatus.DONE
    assert ledger.rows[0].problem == "" and ledger.rows[0].leader == ""
    assert "problem" not in ledger.columns and "due_on" in ledger.columns


def test_header_below_a_title_row_and_unknown_columns_are_a_warning():
    header = [*HEADER, "牵头科室意见"]
    ledger = read_ledger(book(rows3(), header=header, before_header=[["福华社区巡察整改台账"], []]))
    assert ledger.errors == []
    assert [r.row for r in ledger.rows] == [4, 5, 6]
    (warning,) = ledger.problems
    assert warning.warning and warning.row == 3 and "牵头科室意见" in warning.message


def _merge_category_and_item(ws):
    # Rows 2-3 share category, item, problem and leader written once in merged blocks.
    for col in ("B", "C", "D", "I"):
        ws[f"{col}3"] = None
        ws.merge_cells(f"{col}2:{col}3")


def test_merged_cells_apply_to_every_row_of_the_block():
    ledger = read_ledger(book(rows3(), edit=_merge_category_and_item))
    assert ledger.errors == []
    second = ledger.rows[1]
    assert (second.category, second.item, second.problem, second.leader) == (
        "关于党的建设方面",
        "落实第一议题制度",
        "学习不够深入。",
        "王委员",
    )


def test_blank_category_and_item_mean_same_as_above():
    rows = rows3()
    rows[1]["问题类别"] = rows[1]["整改事项"] = ""
    ledger = read_ledger(book(rows))
    assert ledger.errors == []
    assert (ledger.rows[1].category, ledger.rows[1].item) == ("关于党的建设方面", "落实第一议题制度")


@pytest.mark.parametrize(
    "value, expected",
    [
        (dt.date(2025, 3, 31), dt.date(2025, 3, 31)),
        (dt.datetime(2025, 3, 31, 0, 0), dt.date(2025, 3, 31)),
        (45747, dt.date(2025, 3, 31)),  # an Excel serial in a cell without date format
        ("2025-03-31", dt.date(2025, 3, 31)),
        ("2025/3/31", dt.date(2025, 3, 31)),
        ("2025.3.31", dt.date(2025, 3, 31)),
        ("2025年3月31日", dt.date(2025, 3, 31)),
        ("2025 年 3 月 31 日前", dt.date(2025, 3, 31)),
        ("２０２５年３月３１日", dt.date(2025, 3, 31)),
        ("2025年3月底", dt.date(2025, 3, 31)),
        ("2025年2月", dt.date(2025, 2, 28)),
    ],
)
def test_date_forms(value, expected):
    assert parse_date(value) == expected
    ledger = read_ledger(book([row(due=value)]))
    assert ledger.errors == []
    assert ledger.rows[0].due_on == expected


@pytest.mark.parametrize("value", ["2025-13-01", "2025-02-30", "下月底", "31/3/2025", 2025.3, 12])
def test_unparseable_dates_name_the_cell(value):
    ledger = read_ledger(book([row(), row(measure="第二条", due=value)]))
    (problem,) = ledger.errors
    assert (problem.sheet, problem.row, problem.column) == ("整改台账", 3, "完成时限")
    assert "无法识别的日期" in problem.message


def test_info_sheet_dates_in_text_and_bad_ones():
    info = [*INFO[:4], ("巡察开始日期", "2024年9月25日"), ("巡察结束日期", "2024/12/27"), ("反馈日期", "一月")]
    ledger = read_ledger(book([row()], info=info))
    assert ledger.info.onsite_start == dt.date(2024, 9, 25) and ledger.info.onsite_end == dt.date(2024, 12, 27)
    (problem,) = ledger.errors
    assert (problem.sheet, problem.row, problem.column) == ("巡察信息", 7, "反馈日期")


def test_info_sheet_missing_fields_and_dates_out_of_order():
    info = [("被巡察党组织", "某党委"), ("巡察开始日期", "2025-01-10"), ("巡察结束日期", "2025-01-01")]
    ledger = read_ledger(book([row()], info=info))
    messages = only_errors(ledger)
    assert any("缺少“巡察组”" in m for m in messages)
    assert any("缺少“反馈日期”" in m for m in messages)
    assert any("第 3 行「巡察结束日期」列：巡察结束日期早于开始日期" in m for m in messages)


def test_kinds_written_in_the_deadline_column():
    rows = [
        row(measure="长期", kind="", due="长期坚持"),
        row(measure="立即", kind="", due="立行立改"),
        row(measure="立即有日期", kind="", due="立行立改（2025年2月28日前）"),
        row(measure="类型列", kind="立行立改", due=dt.date(2025, 3, 1)),
        row(measure="留空类型", kind="", due="2025-05-31"),
    ]
    ledger = read_ledger(book(rows))
    assert ledger.errors == []
    got = [(r.kind, r.due_on) for r in ledger.rows]
    assert got == [
        (MeasureKind.ONGOING, None),
        (MeasureKind.IMMEDIATE, dt.date(2025, 1, 21)),  # no date: due on the feedback day
        (MeasureKind.IMMEDIATE, dt.date(2025, 2, 28)),
        (MeasureKind.IMMEDIATE, dt.date(2025, 3, 1)),
        (MeasureKind.TIME_BOUND, dt.date(2025, 5, 31)),
    ]


def test_ongoing_with_a_date_drops_it_with_a_warning_and_contradictions_are_errors():
    rows = [row(measure="长期带日期", kind="长期坚持"), row(measure="矛盾", kind="限期整改", due="长期坚持")]
    ledger = read_ledger(book(rows))
    assert ledger.rows[0].due_on is None
    assert [p.warning for p in ledger.problems if p.row == 2] == [True]
    (error,) = ledger.errors
    assert (error.row, error.column) == (3, "完成时限") and "矛盾" in error.message


def test_time_bound_without_deadline_is_an_error():
    ledger = read_ledger(book([row(due="")]))
    (error,) = ledger.errors
    assert (error.row, error.column) == (2, "完成时限") and "缺少完成时限" in error.message


def test_unknown_status_and_kind():
    ledger = read_ledger(book([row(status="基本完成"), row(measure="二", kind="马上办")]))
    places = {(p.row, p.column) for p in ledger.errors}
    assert places == {(2, "整改状态"), (3, "整改类型")}
    assert "未启动、推进中、待销号 或 已完成" in ledger.errors[0].message


def test_status_synonyms():
    statuses = ["未开始", "正在推进", "申请销号", "已销号", ""]
    ledger = read_ledger(book([row(measure=str(i), status=s) for i, s in enumerate(statuses)]))
    assert [r.status for r in ledger.rows] == ["not_started", "in_progress", "awaiting_sign_off", "done", ""]


@pytest.mark.parametrize(
    "text, names",
    [
        ("张三、李四", ["张三", "李四"]),
        ("张三，李四,王五", ["张三", "李四", "王五"]),
        ("张三/李四／王五", ["张三", "李四", "王五"]),
        ("张三 李四\u3000王五\n赵六", ["张三", "李四", "王五", "赵六"]),
        ("李明华（书记）、张三、张三", ["李明华", "张三"]),
        ("", []),
    ],
)
def test_people_names_split(text, names):
    assert split_names(text) == names


def test_several_leaders_keep_the_first_with_a_warning():
    ledger = read_ledger(book([row(leader="王委员、李书记", owners="赵敏/钱工")]))
    assert ledger.errors == []
    assert ledger.rows[0].leader == "王委员" and ledger.rows[0].owners == ["赵敏", "钱工"]
    assert ledger.problems[0].warning and "李书记" in ledger.problems[0].message


def test_empty_rows_are_skipped_silently():
    rows = [row(), {}, {"问题类别": "  "}, row(measure="第二条")]
    ledger = read_ledger(book(rows))  # the empty rows still get a 序号 from the builder
    assert ledger.problems == []
    assert [r.row for r in ledger.rows] == [2, 5]


def test_a_stray_far_cell_does_not_walk_a_million_rows():
    def far(ws):
        ws.cell(1_048_576, 1).value = 999  # only a 序号: still an empty row

    ledger = read_ledger(book(rows3(), edit=far))
    assert ledger.problems == [] and len(ledger.rows) == 3


def test_duplicate_rows_are_errors_naming_the_first():
    ledger = read_ledger(book([row(), row(progress="另一种写法"), row(measure="不同")]))
    (error,) = ledger.errors
    assert (error.row, error.column) == (3, "整改措施") and "与第 2 行重复" in error.message
    assert len(ledger.rows) == 2


def test_missing_measure_and_category():
    ledger = read_ledger(book([row(category="", measure="无类别"), row(measure="")]))
    places = {(p.row, p.column) for p in ledger.errors}
    assert places == {(2, "问题类别"), (3, "整改措施")}


def test_missing_required_columns():
    header = [h for h in HEADER if h not in ("整改措施", "完成时限")]
    ledger = read_ledger(book(rows3(), header=header))
    assert ledger.rows == []
    assert {(p.row, p.column) for p in ledger.errors} == {(1, "整改措施"), (1, "完成时限")}
    assert "也可写作" in ledger.errors[0].message


def test_no_header_row_at_all():
    ledger = read_ledger(book([], header=["甲", "乙", "丙"]))
    (error,) = ledger.errors
    assert error.sheet == "整改台账" and "未找到表头行" in error.message


def test_missing_sheets_are_named():
    ledger = read_ledger(book(rows3(), info=None, ledger_sheet="Sheet1"))
    assert {p.sheet for p in ledger.errors} == {"巡察信息", "整改台账"}
    assert all("Sheet1" in p.message for p in ledger.errors)


def test_sheet_names_with_extra_words_are_found():
    ledger = read_ledger(book(rows3(), ledger_sheet="福华社区整改台账（2025）"))
    assert ledger.errors == [] and len(ledger.rows) == 3


def test_overlong_texts_are_errors():
    ledger = read_ledger(book([row(item="项" * 301, unit="办" * 101, owners="人" * 51)]))
    assert {(p.row, p.column) for p in ledger.errors} == {(2, "整改事项"), (2, "责任部门"), (2, "责任人")}


# ---------------------------------------------------------------- the file itself


def single_problem(data: bytes) -> Problem:
    ledger = read_ledger(data)
    assert ledger.rows == [] and ledger.info is None
    (problem,) = ledger.problems
    return problem


def test_not_an_xlsx():
    assert "不是 Excel 工作簿" in single_problem("序号,问题类别\n1,甲\n".encode()).message
    assert "不是 Excel 工作簿" in single_problem(b"%PDF-1.7\n...").message
    assert "文件为空" in single_problem(b"").message


def test_a_renamed_word_document():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert "改了扩展名" in single_problem(buffer.getvalue()).message


def test_a_truncated_xlsx():
    data = book(rows3())
    assert "损坏" in single_problem(data[: len(data) // 2]).message


def test_a_zip_with_a_broken_workbook_part():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<not-closed")
    assert "无法读取" in single_problem(buffer.getvalue()).message


def test_a_password_protected_workbook():
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(book(rows3()))).encrypt("Fuhua123", encrypted)
    assert "设置了打开密码" in single_problem(encrypted.getvalue()).message


def test_an_old_xls_file():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le")
    assert ".xls" in single_problem(ole).message


@override_settings(LEDGER_MAX_BYTES=4096)
def test_a_file_over_the_size_limit():
    problem = single_problem(book(rows3() + [row(measure=f"措施{i}") for i in range(60)]))
    assert "超过上限" in problem.message


def _bomb(size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * size)
    return buffer.getvalue()


@override_settings(LEDGER_MAX_UNCOMPRESSED_BYTES=2 * 1024 * 1024)
def test_a_decompression_bomb_over_the_inflated_size_limit():
    data = _bomb(3 * 1024 * 1024)
    assert len(data) < 10_000
    assert "压缩炸弹" in single_problem(data).message and "解压后" in single_problem(data).message


def test_a_decompression_bomb_by_ratio():
    problem = single_problem(_bomb(2 * 1024 * 1024))
    assert "压缩比异常" in problem.message


@override_settings(LEDGER_MAX_ROWS=5)
def test_too_many_rows():
    ledger = read_ledger(book([row(measure=f"措施{i}") for i in range(6)]))
    (error,) = ledger.errors
    assert "超过单次导入上限 5 行" in error.message and ledger.rows == []


def test_problem_text_names_the_place():
    p = Problem("整改台账", 7, "完成时限", "无法识别的日期“下月”。")
    assert str(p) == "工作表「整改台账」第 7 行「完成时限」列：无法识别的日期“下月”。"
