"""The document as a Word file (.docx), laid out the way Word users set up GB/T 9704.

A second writer over the same ``Document`` as html.py/pdf.py: it decides typography
only, every word and number comes from the document's kind (kinds/) and every measure
from layout.py. This module writes the content; docx_styles.py sets up the page, the
styles and the footers, docx_ooxml.py holds the raw OOXML helpers.
What Word users expect, and python-docx has no API for, is written as OOXML directly:
the document grid (``w:docGrid`` linesAndChars: 22 lines × 28 characters), East Asian
fonts (``w:rFonts w:eastAsia``), indents in characters (``w:ind w:firstLineChars``) and
the page number field (``PAGE``) in different odd and even footers.

The grid: the section carries Word's 22 × 28 grid (Word's page setup shows it, lines are
exact at its pitch), but paragraphs do not snap to its character cells; the 16 pt text is
narrowed instead (``w:spacing``, a fraction of a point) so that 28 characters fill a
line by themselves. Word and WPS lay out both forms alike, but LibreOffice gives every
character wider than a cell (16 pt on Word's 15.79 pt cells) two cells: a snapped file
came out at 14 characters a line there.

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
import unicodedata
import zipfile

import docx
from docx.shared import Twips

from .docx_ooxml import add_text, plain_text, set_ind
from .docx_styles import CHARACTER_STYLES, Geometry, apply_page, apply_styles, geometry, style_name
from .layout import LAYOUT
from .model import ROLE_BODY, Document, Heading, Paragraph, Signature, Title

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Every zip member gets this timestamp, so the same document gives the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


# ---------------------------------------------------------------------------- content


def _write_title(doc, title: Title) -> None:
    paragraph = doc.add_paragraph(style=style_name("title"))
    for i, line in enumerate(title.lines):
        run = add_text(paragraph, line)
        if i < len(title.lines) - 1:
            run.add_break()


def _write_block(doc, block: Heading | Paragraph):
    if isinstance(block, Heading):
        paragraph = doc.add_paragraph(style=style_name(block.role))
        add_text(paragraph, block.label)
        return paragraph
    paragraph = doc.add_paragraph(style=style_name(ROLE_BODY))
    for run in block.runs:
        style = CHARACTER_STYLES[run.role].name if run.role in CHARACTER_STYLES else None
        add_text(paragraph, run.text, bold=run.bold, style=style)
    return paragraph


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


def _stable_zip(data: bytes) -> bytes:
    """The same members with a fixed timestamp: the same document gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, ZIP_EPOCH), source.read(info), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def render_docx(document: Document) -> bytes:
    """The document as .docx bytes (a pure function of the document)."""
    geo = geometry()
    doc = docx.Document()
    apply_styles(doc, geo)
    apply_page(doc, geo)
    _write_title(doc, document.title)
    paragraphs = [_write_block(doc, block) for block in document.blocks]
    if paragraphs:
        # The signature never opens a page alone: the text's last lines come with it.
        paragraphs[-1].paragraph_format.keep_with_next = True
    _write_signature(doc, document.signature, geo)
    _properties(doc, document)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _stable_zip(buffer.getvalue())
