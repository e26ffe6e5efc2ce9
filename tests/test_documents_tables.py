"""The engine's tables, annexes and attestation, on a small document: the model's rules,
the HTML (header row in <thead>, row spans, groups, the landscape page), the .docx
(w:tblHeader, w:vMerge, sections), and documents without them written as before."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from rectification.documents.model import (
    Annex,
    Attestation,
    Cell,
    Column,
    Document,
    Heading,
    Paragraph,
    Run,
    Signature,
    Table,
    Title,
)
from rectification.documents.numbering import annex_label, annex_note
from rectification.documents.writers import render

COLUMNS = (Column("序号", 1, "center"), Column("问题", 4), Column("措施", 6))


def _table() -> Table:
    return Table(
        COLUMNS,
        (
            (Cell("1", rowspan=2), Cell("问题一", rowspan=2), Cell("措施一\n第二行")),
            (Cell("措施二"),),
            (Cell("2"), Cell("问题二"), Cell("措施三")),
        ),
    )


def _document(**extra) -> Document:
    fields = {
        "title": Title(("某某党委", "关于某事的方案")),
        "blocks": (Heading(1, "一、", "总体情况"), Paragraph((Run("正文。"),))),
        "signature": Signature(name="某某党委", date="2025年12月31日", issued_on=dt.date(2025, 12, 31)),
    }
    return Document(**{**fields, **extra})


def test_table_grid_groups_and_text():
    table = _table()
    assert [[c.text if c else None for c in row] for row in table.grid()] == [
        ["1", "问题一", "措施一\n第二行"],
        [None, None, "措施二"],
        ["2", "问题二", "措施三"],
    ]
    assert table.groups() == [range(0, 2), range(2, 3)]
    assert table.text.splitlines()[:2] == ["序号\t问题\t措施", "1\t问题一\t措施一"]
    with pytest.raises(ValueError, match="too few"):
        Table(COLUMNS, ((Cell("1"), Cell("2")),))
    with pytest.raises(ValueError, match="too many"):
        Table(COLUMNS, ((Cell("1"), Cell("2"), Cell("3"), Cell("4")),))
    with pytest.raises(ValueError):
        Column("x", 0)
    assert Cell("a\x07b").text == "ab"  # control characters dropped, as everywhere


def test_annex_labels_and_note():
    assert [annex_label(n, 3) for n in (1, 2, 3)] == ["附件1", "附件2", "附件3"]
    assert annex_label(1, 1) == "附件"
    assert annex_note(["问题清单", "任务清单"]) == ["附件：1.问题清单", "2.任务清单"]
    assert annex_note(["整改台账"]) == ["附件：整改台账"]
    assert annex_note([]) == []


def test_plain_text_in_reading_order():
    document = _document(
        attestation=Attestation("党组织书记（签字）：", "李明华", "2025年12月31日"),
        annexes=(Annex("问题清单", (_table(),)),),
    )
    lines = document.plain_text().splitlines()
    assert lines[4:10] == [
        "附件：问题清单",
        "某某党委",
        "2025年12月31日",
        "党组织书记（签字）：李明华",
        "2025年12月31日",
        "附件",
    ]
    assert lines[10] == "问题清单" and lines[11] == "序号\t问题\t措施"
    roles = document.text_by_role()
    assert "序号" in roles["table_header", False] and "措施二" in roles["table", False]
    assert roles["annex_label", False] == "附件" and "问题清单" in roles["title", False]


def test_html_table_annexes_and_landscape_page():
    document = _document(
        blocks=(Paragraph((Run("正文。"),)), _table()),
        attestation=Attestation("党组织书记（签字）："),
        annexes=(Annex("问题清单", (_table(),)), Annex("任务清单", (_table(),), landscape=True)),
    )
    html = render(document, ["html"]).html
    assert html.count("<thead>") == 3 and html.count('rowspan="2"') == 6  # two spanning cells a table
    assert html.count("<tbody>") == 6  # a group per problem: kept on one page where it fits
    assert "@page landscape { size: A4 landscape;" in html and ".annex.landscape { page: landscape; }" in html
    assert '<section class="sheet annex landscape">' in html and '<p class="annex-label annex_label">附件2</p>' in html
    assert '<p class="body">附件：1.问题清单</p><p class="body">2.任务清单</p>' in html
    assert '<div class="attest"><p class="signature">党组织书记（签字）：</p></div>' in html


def test_a_document_without_extras_has_none_of_their_styles():
    plain = _document()
    html = render(plain, ["html"]).html
    for marker in ("doc-table", "@page landscape", ".annex", ".attest", ".table_header"):
        assert marker not in html
    word = docx.Document(io.BytesIO(render(plain, ["docx"]).docx))
    assert "表格文字" not in [s.name for s in word.styles] and len(word.sections) == 1


def test_docx_table_header_spans_sections_and_attestation():
    document = _document(
        attestation=Attestation("党组织书记（签字）：", "", "年　月　日"),
        annexes=(
            Annex("问题清单", (_table(),)),
            Annex("任务清单", (_table(),), landscape=True),
            Annex("责任清单", (_table(),), landscape=True),
        ),
    )
    word = docx.Document(io.BytesIO(render(document, ["docx"]).docx))
    assert [s.orientation for s in word.sections] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]
    assert len(word.tables) == 3
    for table in word.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert [c.text for c in table.rows[0].cells] == ["序号", "问题", "措施"]
        assert [c.text for c in table.rows[2].cells] == ["1", "问题一", "措施二"]  # the merged cells read through
        assert table.rows[1].cells[2].text == "措施一\n第二行"
        assert len(table._tbl.xpath(".//w:vMerge")) == 4
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        # The first row of a problem keeps with the next (Word keeps the group on one page).
        first = table.rows[1].cells[2].paragraphs[0]
        assert first.paragraph_format.keep_with_next
    texts = [p.text for p in word.paragraphs]
    assert texts[texts.index("党组织书记（签字）：") + 1] == "年　月　日"
    assert [p.text for p in word.paragraphs if p.style.name == "附件标识"] == ["附件1", "附件2", "附件3"]
    note = [p for p in word.paragraphs if p.text.startswith("附件：")][0]
    ind = note._p.pPr.find(qn("w:ind"))
    assert (ind.get(qn("w:leftChars")), ind.get(qn("w:hangingChars"))) == ("500", "300")
