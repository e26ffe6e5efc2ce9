"""The document as a Word file (.docx), laid out the way Word users set up GB/T 9704.

A second writer over the same ``Document`` as html.py/pdf.py: it decides typography
only, every word and number comes from the document's kind (kinds/) and every measure
from layout.py. This module writes the content; docx_styles.py sets up the page, the
styles and the footers, docx_ooxml.py holds the raw OOXML helpers.
What Word users expect, and python-docx has no API for, is written as OOXML directly:
the document grid (``w:docGrid``: 22 lines a page), East Asian fonts (``w:rFonts
w:eastAsia``), indents in characters (``w:ind w:firstLineChars``) and the page number
field (``PAGE``) in different odd and even footers.

The grid: body paragraphs snap to a grid of 22 lines (lines exact at its pitch), and the
16 pt text is narrowed (``w:spacing``, a fraction of a point) so that 28 characters fill
a line by themselves. Not a character grid: Word would fit 28 of 16 pt into its 15.79 pt
cells, but LibreOffice 7.4 gives every character wider than a cell two cells (14 a
line). docx_styles.py has the details, the sources and what else was measured.

Fonts are the official family names the recipient's Word knows (方正小标宋简体, 仿宋_GB2312,
黑体, 楷体_GB2312), whatever the PDF's font setting: the file is edited on machines that
have them. Unlike WeasyPrint, Word draws bold itself, so a bold run stays a bold run in
its paragraph's face (layout ``bold_typeface`` is a PDF-only stand-in).

User text is plain text: it becomes ``w:t`` content verbatim (XML-escaped by lxml), with
the characters XML cannot carry dropped; tabs and line breaks are never interpreted.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata

import docx
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Twips

from .docx_ooxml import TBLPR_ORDER, TRPR_ORDER, add_text, ordered_child, plain_text, set_attrs, set_ind
from .docx_package import finish
from .docx_styles import (
    CHARACTER_STYLES,
    TWIPS_PER_MM,
    Geometry,
    apply_extra_styles,
    apply_page,
    apply_styles,
    geometry,
    set_page,
    style_name,
)
from .layout import LAYOUT
from .model import ROLE_BODY, Annex, Attestation, Block, Document, Heading, Signature, Table, Title

# The longest last paragraph kept on the signature's page (moved whole by LibreOffice).
KEEP_WITH_SIGNATURE_LINES = 3
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# ---------------------------------------------------------------------------- content


def _write_title(doc, title: Title) -> None:
    paragraph = doc.add_paragraph(style=style_name("title"))
    for i, line in enumerate(title.lines):
        run = add_text(paragraph, line)
        if i < len(title.lines) - 1:
            run.add_break()


def _write_block(doc, block: Block, geo: Geometry):
    """The block's paragraph (None for a table)."""
    if isinstance(block, Table):
        _write_table(doc, block, geo)
        return None
    if isinstance(block, Heading):
        paragraph = doc.add_paragraph(style=style_name(block.role))
        add_text(paragraph, block.label)
        return paragraph
    paragraph = doc.add_paragraph(style=style_name(ROLE_BODY))
    if block.flush_left:  # 顶格: the body style's first-line indent taken off
        set_ind(paragraph._p.get_or_add_pPr(), firstLine=0, firstLineChars=0)
    for run in block.runs:
        style = CHARACTER_STYLES[run.role].name if run.role in CHARACTER_STYLES else None
        add_text(paragraph, run.text, bold=run.bold, style=style)
    return paragraph


# ---------------------------------------------------------------------------- tables


def _table_properties(table, geo: Geometry) -> None:
    """Full type width, fixed column widths, ½ pt borders, the cells' padding."""
    spec = LAYOUT["table"]
    tbl_pr = table._tbl.tblPr
    set_attrs(ordered_child(tbl_pr, "w:tblW", TBLPR_ORDER), w=geo.type_width, type="dxa")
    set_attrs(ordered_child(tbl_pr, "w:tblInd", TBLPR_ORDER), w=0, type="dxa")
    borders = ordered_child(tbl_pr, "w:tblBorders", TBLPR_ORDER)
    size = round(spec["border_pt"] * 8)  # eighths of a point
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = ordered_child(borders, f"w:{side}", ("w:top", "w:left", "w:bottom", "w:right", "w:insideH", "w:insideV"))
        set_attrs(edge, val="single", sz=size, space=0, color="000000")
    set_attrs(ordered_child(tbl_pr, "w:tblLayout", TBLPR_ORDER), type="fixed")
    margins = ordered_child(tbl_pr, "w:tblCellMar", TBLPR_ORDER)
    pad_v, pad_h = (round(mm * TWIPS_PER_MM) for mm in spec["padding_mm"])
    for side, value in (("top", pad_v), ("left", pad_h), ("bottom", pad_v), ("right", pad_h)):
        set_attrs(ordered_child(margins, f"w:{side}", ("w:top", "w:left", "w:bottom", "w:right")), w=value, type="dxa")


def _column_widths(table: Table, geo: Geometry) -> list[int]:
    total = sum(c.width for c in table.columns)
    widths = [int(geo.type_width * c.width / total) for c in table.columns]
    widths[-1] += geo.type_width - sum(widths)  # rounding goes to the last column
    return widths


def _cell_text(cell, lines: list[str], role: str, center: bool) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.style = style_name(role)
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_text(paragraph, line)


def _write_table(doc, table: Table, geo: Geometry) -> None:
    """The header row repeats on every page (w:tblHeader); no row splits across pages
    (w:cantSplit); a cell spanning rows is merged vertically (w:vMerge)."""
    grid = table.grid()
    out = doc.add_table(rows=1 + len(grid), cols=len(table.columns))
    _table_properties(out, geo)
    widths = _column_widths(table, geo)
    for gc, width in zip(out._tbl.tblGrid.gridCol_lst, widths, strict=True):
        gc.w = Twips(width)
    for row in out.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Twips(width)
        tr_pr = row._tr.get_or_add_trPr()
        ordered_child(tr_pr, "w:cantSplit", TRPR_ORDER)
    ordered_child(out.rows[0]._tr.get_or_add_trPr(), "w:tblHeader", TRPR_ORDER)
    for column, label in enumerate(table.columns):
        _cell_text(out.cell(0, column), [label.label], "table_header", True)
    for r, line in enumerate(grid, start=1):
        for column, cell in enumerate(line):
            if cell is None:
                continue
            target = out.cell(r, column)
            if cell.rowspan > 1:
                target = target.merge(out.cell(min(r + cell.rowspan - 1, len(grid)), column))
            _cell_text(target, cell.lines, "table", table.columns[column].align == "center")
    for group in table.groups():
        # Word keeps a row with the next through its paragraphs' keep-with-next: a
        # problem's rows stay on one page where they fit, as in the PDF.
        for r in list(group)[:-1]:
            for cell in out.rows[r + 1]._tr.tc_lst:
                for p in cell.p_lst:
                    p.get_or_add_pPr().keepNext_val = True


# ---------------------------------------------------------------------------- annex note, attestation, annexes


def _write_annex_note(doc, lines: list[str], geo: Geometry) -> None:
    """附件说明: a blank line, 「附件：」 two characters in, the names aligned."""
    note = LAYOUT["annex_note"]
    label_chars = len(note["label"])
    left = note["left_chars"] + label_chars
    for i, line in enumerate(lines):
        paragraph = doc.add_paragraph(style="Normal")
        attrs = {"left": geo.chars_to_twips(left), "leftChars": left * 100}
        if i == 0:
            paragraph.paragraph_format.space_before = Twips(geo.line_pitch * note["blank_lines_before"])
            attrs |= {"hanging": geo.chars_to_twips(label_chars), "hangingChars": label_chars * 100}
        set_ind(paragraph._p.get_or_add_pPr(), **attrs)
        paragraph.paragraph_format.keep_with_next = True
        add_text(paragraph, line)


def _write_attestation(doc, attestation: Attestation, geo: Geometry) -> None:
    spec = LAYOUT["attestation"]
    for i, line in enumerate(attestation.lines):
        paragraph = doc.add_paragraph(style=style_name("signature"))
        if i == 0:
            paragraph.paragraph_format.space_before = Twips(geo.line_pitch * spec["blank_lines_before"])
            paragraph.paragraph_format.keep_with_next = True
        chars = spec["left_chars"]
        set_ind(
            paragraph._p.get_or_add_pPr(),
            left=geo.chars_to_twips(chars),
            leftChars=chars * 100,
            firstLine=0,
            firstLineChars=0,
        )
        add_text(paragraph, line)


def _write_annex(doc, label: str, annex: Annex, portrait: Geometry, landscape: bool) -> None:
    """On a new page: a new section when the orientation changes, else a page break."""
    geo = geometry(landscape=annex.landscape)
    new_page = annex.landscape == landscape
    if not new_page:
        set_page(doc.add_section(WD_SECTION.NEW_PAGE), geo, landscape=annex.landscape)
    head = doc.add_paragraph(style=style_name("annex_label"))
    head.paragraph_format.page_break_before = new_page
    head.paragraph_format.keep_with_next = True
    add_text(head, label)
    title = doc.add_paragraph(style=style_name("title"))
    title.paragraph_format.space_before = Twips(portrait.line_pitch * (LAYOUT["annex"]["title_line"] - 2))
    add_text(title, annex.title)
    for block in annex.blocks:
        _write_block(doc, block, geo)


def _lines(text: str) -> int:
    """Lines a body paragraph takes (two characters of indent, then the grid's width)."""
    return math.ceil((LAYOUT["indent_chars"] + text_width_chars(text)) / LAYOUT["grid"]["chars"])


def text_width_chars(text: str) -> float:
    """Width in grid characters: full-width (and ambiguous, in Chinese text) 1, others ½."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "FWA" else 0.5 for ch in text)


def signature_indents(signature: Signature) -> tuple[float, float]:
    """Left indents (characters) of the name and the date, placed as the PDF places them:
    the block ends ``right_chars`` from the right edge, the date starts ``date_shift_chars``
    right of the name's first character."""
    sig = LAYOUT["signature"]
    block = max(text_width_chars(signature.name), sig["date_shift_chars"] + text_width_chars(signature.date))
    name = max(0.0, LAYOUT["grid"]["chars"] - sig["right_chars"] - block)
    return name, name + sig["date_shift_chars"]


def _write_signature(doc, signature: Signature, geo: Geometry) -> None:
    sig = LAYOUT["signature"]
    lines = zip((signature.name, signature.date), signature_indents(signature), strict=True)
    for i, (text, indent) in enumerate(lines):
        paragraph = doc.add_paragraph(style=style_name("signature"))
        if i == 0:
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.space_before = Twips(geo.line_pitch * sig["blank_lines_before"])
        set_ind(
            paragraph._p.get_or_add_pPr(),
            left=geo.chars_to_twips(indent),
            leftChars=round(indent * 100),
            firstLine=0,
            firstLineChars=0,
        )
        add_text(paragraph, text)


def _properties(doc, document: Document) -> None:
    props = doc.core_properties
    when = dt.datetime.combine(document.signature.issued_on, dt.time(), tzinfo=dt.UTC)
    props.title = plain_text(document.title.text)
    props.author = props.last_modified_by = plain_text(document.signature.name)
    props.comments = ""
    props.language = document.lang
    props.created = props.modified = when
    props.revision = 1


def render_docx(document: Document) -> bytes:
    """The document as .docx bytes (a pure function of the document)."""
    geo = geometry()
    doc = docx.Document()
    apply_styles(doc, geo)
    if document.has_extras:
        apply_extra_styles(doc, geo)
    apply_page(doc, geo)
    _write_title(doc, document.title)
    paragraphs = [p for p in (_write_block(doc, block, geo) for block in document.blocks) if p is not None]
    if paragraphs and _lines(paragraphs[-1].text) <= KEEP_WITH_SIGNATURE_LINES:
        # The signature never opens a page alone: a short last paragraph comes with it.
        # Not a long one: LibreOffice moves a paragraph kept with the next one whole
        # (Word moves its last lines), and left a page 9 lines short.
        paragraphs[-1].paragraph_format.keep_with_next = True
    if document.annexes:
        _write_annex_note(doc, document.annex_note(), geo)
    _write_signature(doc, document.signature, geo)
    if document.attestation:
        doc.paragraphs[-1].paragraph_format.keep_with_next = True
        _write_attestation(doc, document.attestation, geo)
    landscape = False
    for label, annex in zip(document.annex_labels(), document.annexes, strict=True):
        _write_annex(doc, label, annex, geo, landscape)
        landscape = annex.landscape
    _properties(doc, document)
    buffer = io.BytesIO()
    doc.save(buffer)
    return finish(buffer.getvalue())
