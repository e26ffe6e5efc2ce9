"""The ledger export laid out for people, and the downloadable template."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from rectification.ledger.format import COLUMNS, OVERDUE_FILL, STATUS_FILLS
from rectification.ledger.reader import read_ledger
from rectification.ledger.writer import write_inspection_ledger, write_selection_ledger, write_template
from rectification.models import Inspection, Measure
from rectification.selectors.ledger import ledger_export_for_inspection, ledger_export_for_measures
from rectification.services.ledger import ledger_preview

from . import factories as f
from .ledger_books import ORG_NAME, save

TODAY = dt.date(2025, 7, 1)


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture
def exported(demo):
    return load(write_inspection_ledger(ledger_export_for_inspection(inspection=demo, today=TODAY)))


def test_export_query_count(demo, django_assert_num_queries):
    inspection = Inspection.objects.select_related("organisation").get(pk=demo.pk)  # as the view loads it
    # measures with category, inspection, organisation and leader (1) + owners prefetch (1),
    # however many measures.
    with django_assert_num_queries(2):
        write_inspection_ledger(ledger_export_for_inspection(inspection=inspection, today=TODAY))


def test_sheets_header_and_widths(exported):
    assert exported.sheetnames == ["整改台账", "巡察信息"]
    ws = exported["整改台账"]
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:N{ws.max_row}"
    widths = {c.header: ws.column_dimensions[ws.cell(1, i).column_letter].width for i, c in enumerate(COLUMNS, 1)}
    assert widths["整改进展"] == 44 and widths["序号"] == 6
    assert ws["G2"].alignment.wrap_text  # 整改进展 wraps
    assert ws.row_dimensions[2].height > ws.row_dimensions[5].height  # a long progress text gets a tall row


def test_print_setup_is_a4_landscape_with_repeated_header(exported):
    ws = exported["整改台账"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1"
    assert "福华社区党委巡察整改台账" in ws.oddHeader.center.text and "&P" in ws.oddFooter.center.text


def test_status_colours_and_overdue_rows(exported, demo):
    ws = exported["整改台账"]
    col = {c.header: i for i, c in enumerate(COLUMNS, 1)}
    measures = list(Measure.objects.filter(finding__category__inspection=demo).order_by(
        "finding__category__position", "finding__position", "position"
    ))  # fmt: skip
    overdue_seen = 0
    for r, m in enumerate(measures, start=2):
        status_cell = ws.cell(r, col["整改状态"])
        assert status_cell.fill.fgColor.rgb == STATUS_FILLS[m.status]
        measure_cell = ws.cell(r, col["整改措施"])
        assert measure_cell.value == m.title
        if m.is_overdue(TODAY):
            overdue_seen += 1
            assert measure_cell.fill.fgColor.rgb == OVERDUE_FILL
            assert ws.cell(r, col["完成时限"]).font.color.rgb == "FFC00000"
        else:
            assert measure_cell.fill.fgColor.rgb != OVERDUE_FILL
    assert overdue_seen >= 2  # the demo has measures past 2025-06-30 that are not done


def test_dates_kinds_and_merged_blocks(exported):
    ws = exported["整改台账"]
    assert ws["L2"].value == "长期坚持" and ws["H2"].value == "长期坚持"
    assert ws["L3"].value == dt.datetime(2025, 2, 28) and ws["L3"].number_format == "yyyy-mm-dd"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "C2:C3" in merged and "D2:D3" in merged  # item and its problem over the item's two measures
    assert any(r.startswith("B2:B") for r in merged)  # the category over all its rows


def test_info_sheet(exported):
    ws = exported["巡察信息"]
    values = {row[0]: row[1] for row in ws.iter_rows(values_only=True)}
    assert values["被巡察党组织"] == ORG_NAME and values["巡察组"] == "区委第四巡察组"
    assert values["反馈日期"] == dt.datetime(2025, 1, 21)
    assert values["导出日期"] == "2025-07-01" and values["整改措施"].startswith("29 条")


def test_the_export_reads_back_without_problems(demo):
    ledger = read_ledger(write_inspection_ledger(ledger_export_for_inspection(inspection=demo, today=TODAY)))
    assert ledger.problems == [] and len(ledger.rows) == 29


def test_selection_across_inspections_adds_a_source_column(personas):
    a = f.measure_in(personas.tree.a, title="A 的措施")
    b = f.measure_in(personas.tree.b, title="B 的措施", status=Measure.Status.NOT_STARTED)
    data = write_selection_ledger(
        ledger_export_for_measures(measures=Measure.objects.filter(pk__in=[a.pk, b.pk]), today=TODAY)
    )
    wb = load(data)
    ws = wb["整改台账"]
    assert ws["B1"].value == "所属巡察" and ws["B2"].value.startswith(personas.tree.a.short_name)
    info = wb["巡察信息"]
    names = [row[0] for row in info.iter_rows(values_only=True)]
    assert personas.tree.a.name in names and personas.tree.b.name in names
    # The extra column is ignored (with a warning) when such a file is read back.
    assert any("所属巡察" in p.message and p.warning for p in read_ledger(data).problems)


def test_template_has_drop_downs_and_help_and_imports_once_filled(personas):
    wb = load(write_template())
    assert wb.sheetnames == ["整改台账", "巡察信息", "填写说明"]
    ws = wb["整改台账"]
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS] and ws.max_row == 1
    lists = sorted(dv.formula1 for dv in ws.data_validations.dataValidation)
    assert lists == ['"未启动,推进中,待销号,已完成"', '"立行立改,限期整改,长期坚持"']
    help_text = " ".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "2025年3月31日" in help_text and "具体责任人" in help_text
    assert wb["巡察信息"]["B1"].comment.text.startswith("示例：")
    # Fill it in as a person would.
    info = wb["巡察信息"]
    for r, value in enumerate(
        [ORG_NAME, "福华社区党委", "区委", "区委第四巡察组", "2024-09-25", "2024/12/27", "2025年1月21日"], 1
    ):
        info.cell(r, 2).value = value
    ws.append(
        [
            1,
            "关于党的建设方面",
            "落实制度",
            "问题",
            "",
            "措施一",
            "",
            "限期整改",
            "王委员",
            "赵敏",
            "党建办",
            "2025-06-30",
            "推进中",
        ]
    )
    plan = ledger_preview(data=save(wb), user=personas.secretary_a)
    assert plan.errors == [] and [m.title for m in plan.new_measures] == ["措施一"]
