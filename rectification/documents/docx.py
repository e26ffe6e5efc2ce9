"""The document as a Word file (.docx), laid out the way Word users set up GB/T 9704.

A second writer over the same ``Document`` as html.py/pdf.py: it decides typography
only, every word and number comes from document.py and every measure from layout.py.
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
import math
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from .document import ROLE_BODY, Document, Heading, Paragraph, Signature, Title
from .layout import LAYOUT, margins_mm

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TWIPS_PER_PT = 20
TWIPS_PER_MM = 1440 / 25.4
# ECMA-376 17.6.5: w:charSpace is the difference between the grid's character pitch and
# the Normal font size, in 4096ths of a point.
CHAR_SPACE_UNIT = 4096
# Every zip member gets this timestamp, so the same document gives the same bytes.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class StyleName:
    style_id: str  # ASCII, what the XML refers to
    name: str  # what the Word user sees in the style gallery


# Paragraph style of each font role (layout ``roles``); heading levels get outline levels
# so Word's navigation pane lists them.
PARAGRAPH_STYLES: dict[str, StyleName] = {
    "title": StyleName("GongwenTitle", "公文标题"),
    "heading1": StyleName("GongwenHeading1", "一级标题"),
    "heading2": StyleName("GongwenHeading2", "二级标题"),
    "heading3": StyleName("GongwenHeading3", "三级标题"),
    "heading4": StyleName("GongwenHeading4", "四级标题"),
    "body": StyleName("GongwenBody", "公文正文"),
    "signature": StyleName("GongwenSignature", "落款"),
    "page_number": StyleName("GongwenPageNumber", "页码"),
}
OUTLINE_LEVELS = {"heading1": 0, "heading2": 1, "heading3": 2, "heading4": 3}
# Character styles for run-in headings (「1. 标题。」 opening a paragraph).
CHARACTER_STYLES: dict[str, StyleName] = {
    role: StyleName(f"{style.style_id}Char", f"{style.name}（行内）")
    for role, style in PARAGRAPH_STYLES.items()
    if role in OUTLINE_LEVELS
}
INDENTED_ROLES = ("body", "heading1", "heading2", "heading3", "heading4")
# Set at their natural width, not narrowed to 28 a line: the 22 pt title and the page number.
NATURAL_WIDTH_ROLES = ("title", "page_number")


# ---------------------------------------------------------------------------- geometry


def _twips(mm: float) -> int:
    return round(mm * TWIPS_PER_MM)


@dataclass(frozen=True)
class Geometry:
    """The page in twips, and the grid Word derives from it."""

    width: int
    height: int
    top: int
    right: int
    bottom: int
    left: int
    lines: int
    chars: int

    @property
    def type_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def type_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def line_pitch(self) -> int:
        """Rounded down: 580 twips would leave room for 21 lines only (22 × 580 > 12756)."""
        return self.type_height // self.lines

    @property
    def char_pitch(self) -> float:
        return self.type_width / self.chars

    def char_space(self, normal_size_pt: float) -> int:
        """Rounded down, so that ``chars`` characters still fit the line."""
        return math.floor((self.char_pitch / TWIPS_PER_PT - normal_size_pt) * CHAR_SPACE_UNIT)

    def fit_spacing(self, size_pt: float) -> int:
        """Character spacing (twentieths of a point, ≤ 0) that makes ``chars`` characters
        of ``size_pt`` fill a line without snapping to the grid, with one twentieth to
        spare for applications that round glyph advances up (LibreOffice does)."""
        return min(0, math.floor(self.char_pitch - size_pt * TWIPS_PER_PT) - 1)

    def chars_to_twips(self, chars: float) -> int:
        return round(chars * self.char_pitch)


def geometry(layout: dict[str, Any] = LAYOUT) -> Geometry:
    page, m = layout["page"], margins_mm(layout)
    return Geometry(
        width=_twips(page["width_mm"]),
        height=_twips(page["height_mm"]),
        top=_twips(m["top"]),
        right=_twips(m["right"]),
        bottom=_twips(m["bottom"]),
        left=_twips(m["left"]),
        lines=layout["grid"]["lines"],
        chars=layout["grid"]["chars"],
    )


def role_family(role: str) -> str:
    """The official family a role is set in (the first name of its typeface)."""
    return LAYOUT["typefaces"][LAYOUT["roles"][role]["typeface"]]["official"][0]


def role_size_pt(role: str) -> float:
    sizes = LAYOUT["sizes_pt"]
    return {"title": sizes["title"], "page_number": sizes["page_number"]}.get(role, sizes["body_nominal"])


# ---------------------------------------------------------------------------- OOXML helpers


# Word refuses files whose elements are out of the schema's order; these are the pPr
# children (ECMA-376 17.3.1.26) this writer adds that python-docx has no method for.
_PPR_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr",
    "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip
# rPr children (17.3.2.28) that follow w:spacing.
_AFTER_RPR_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
# Settings (17.15.1.78) that may follow w:mirrorMargins in python-docx's template.
_AFTER_MIRROR_MARGINS = ("w:proofState", "w:defaultTabStop", "w:characterSpacingControl", "w:compat", "w:rsids")


def _child(parent, tag: str, successors: tuple[str, ...] = ()):
    """The child ``tag`` of ``parent``, created before the first of ``successors`` (or
    last) when missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        parent.insert_element_before(found, *successors)
    return found


def _ppr_child(ppr, tag: str):
    return _child(ppr, tag, _PPR_ORDER[_PPR_ORDER.index(tag) + 1 :])


def _set_fonts(rpr, family: str) -> None:
    """All four scripts in one family, and no theme font (a theme attribute would win)."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for name in list(fonts.attrib):
        del fonts.attrib[name]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), family)
    fonts.set(qn("w:hint"), "eastAsia")


def _set_ind(ppr, **attrs: int) -> None:
    ind = ppr.get_or_add_ind()
    for name, value in attrs.items():
        ind.set(qn(f"w:{name}"), str(value))


def _toggle(ppr, tag: str, on: bool) -> None:
    _ppr_child(ppr, tag).set(qn("w:val"), "1" if on else "0")


def plain_text(text: str) -> str:
    return _XML_INVALID.sub("", text)


def _add_text(paragraph, text: str, *, bold: bool = False, style: str | None = None):
    """A run holding ``text`` as is (python-docx's ``run.text`` would turn tabs and line
    breaks into elements)."""
    run = paragraph.add_run(style=style)
    if bold:
        run.bold = True
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = plain_text(text)
    run._r.append(t)
    return run


def _add_field(paragraph, instruction: str, placeholder: str) -> None:
    """A complex field (begin, instruction, separate, cached result, end)."""

    def run_with(tag: str, **attrs: str):
        element = OxmlElement(tag)
        for name, value in attrs.items():
            element.set(qn(name), value)
        paragraph.add_run()._r.append(element)
        return element

    run_with("w:fldChar", **{"w:fldCharType": "begin"})
    run_with("w:instrText", **{"xml:space": "preserve"}).text = f" {instruction} "
    run_with("w:fldChar", **{"w:fldCharType": "separate"})
    _add_text(paragraph, placeholder)
    run_with("w:fldChar", **{"w:fldCharType": "end"})


# ---------------------------------------------------------------------------- styles


def _style_fonts(style, role: str, geo: Geometry) -> None:
    """Face, size and bold of a role, narrowed to ``chars`` a line unless natural width."""
    style.font.size = Pt(role_size_pt(role))
    style.font.bold = LAYOUT["roles"][role]["bold"]
    rpr = style.element.get_or_add_rPr()
    _set_fonts(rpr, role_family(role))
    spacing = geo.fit_spacing(role_size_pt(role)) if role not in NATURAL_WIDTH_ROLES else 0
    _child(rpr, "w:spacing", _AFTER_RPR_SPACING).set(qn("w:val"), str(spacing))


def _exact(paragraph_format, twips: int) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Twips(twips)


def _doc_defaults(doc, geo: Geometry) -> None:
    """Body face and size, Chinese as the East Asian language, the grid's exact line."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = _child(_child(defaults, "w:rPrDefault"), "w:rPr")
    _set_fonts(rpr, role_family(ROLE_BODY))
    for tag in ("w:sz", "w:szCs"):
        _child(rpr, tag).set(qn("w:val"), str(round(role_size_pt(ROLE_BODY) * 2)))
    lang = _child(rpr, "w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = _child(_child(_child(defaults, "w:pPrDefault"), "w:pPr"), "w:spacing")
    spacing.attrib.clear()
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(geo.line_pitch))
    spacing.set(qn("w:lineRule"), "exact")


def _normal(doc, geo: Geometry) -> None:
    """Normal is the body without indent (what a Word user types into): justified, no
    space between paragraphs, no extra space between Chinese and Latin (the PDF adds none,
    and it would cost characters per line), not snapped to character cells (see above)."""
    normal = doc.styles["Normal"]
    _style_fonts(normal, ROLE_BODY, geo)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.widow_control = Pt(0), Pt(0), True
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _exact(fmt, geo.line_pitch)
    ppr = normal.element.get_or_add_pPr()
    _toggle(ppr, "w:autoSpaceDE", False)
    _toggle(ppr, "w:autoSpaceDN", False)
    _toggle(ppr, "w:snapToGrid", False)


def _paragraph_style(doc, role: str, geo: Geometry):
    spec = PARAGRAPH_STYLES[role]
    style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = spec.style_id
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _style_fonts(style, role, geo)
    fmt = style.paragraph_format
    ppr = style.element.get_or_add_pPr()
    if role in INDENTED_ROLES:
        chars = LAYOUT["indent_chars"]
        fmt.first_line_indent = Twips(geo.chars_to_twips(chars))
        _set_ind(ppr, firstLineChars=round(chars * 100))
    if role in OUTLINE_LEVELS:
        fmt.keep_with_next = True
        ppr.get_or_add_outlineLvl().set(qn("w:val"), str(OUTLINE_LEVELS[role]))
    style.next_paragraph_style = doc.styles[PARAGRAPH_STYLES["body"].name] if role != "body" else style
    return style


def _character_style(doc, role: str, geo: Geometry) -> None:
    spec = CHARACTER_STYLES[role]
    style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.CHARACTER)
    style.style_id = spec.style_id
    _style_fonts(style, role, geo)


def _title_style(doc, geo: Geometry) -> None:
    fmt = doc.styles[PARAGRAPH_STYLES["title"].name].paragraph_format
    title = LAYOUT["title"]
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.keep_with_next = True
    _exact(fmt, round(geo.line_pitch * title["line_pitch_lines"]))
    fmt.space_after = Twips(round(geo.line_pitch * title["blank_lines_after"]))


def _page_number_style(doc) -> None:
    fmt = doc.styles[PARAGRAPH_STYLES["page_number"].name].paragraph_format
    _exact(fmt, round(role_size_pt("page_number") * TWIPS_PER_PT))


def _styles(doc, geo: Geometry) -> None:
    _doc_defaults(doc, geo)
    _normal(doc, geo)
    _paragraph_style(doc, "body", geo)  # first: the others name it as their next style
    for role in PARAGRAPH_STYLES:
        if role != "body":
            _paragraph_style(doc, role, geo)
    for role in CHARACTER_STYLES:
        _character_style(doc, role, geo)
    _title_style(doc, geo)
    _page_number_style(doc)


# ---------------------------------------------------------------------------- page


def _section(doc, geo: Geometry) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Twips(geo.width), Twips(geo.height)
    section.top_margin, section.bottom_margin = Twips(geo.top), Twips(geo.bottom)
    section.left_margin, section.right_margin = Twips(geo.left), Twips(geo.right)
    section.gutter = Twips(0)
    grid = _child(section._sectPr, "w:docGrid")
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(geo.line_pitch))
    grid.set(qn("w:charSpace"), str(geo.char_space(role_size_pt(ROLE_BODY))))


def footer_distance(geo: Geometry) -> int:
    """Word measures the footer from the page's bottom edge to the footer's bottom; the
    number's top sits ``below_type_area_mm`` under the type area, one line of its size."""
    below = round(LAYOUT["page_number"]["below_type_area_mm"] * TWIPS_PER_MM)
    return geo.bottom - below - round(role_size_pt("page_number") * TWIPS_PER_PT)


def _page_number(footer, *, odd: bool) -> None:
    """「— N —」 one character (of its own size) in from the outer edge."""
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = _style_name("page_number")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    inset = round(LAYOUT["page_number"]["inset_chars"] * role_size_pt("page_number") * TWIPS_PER_PT)
    _set_ind(paragraph._p.get_or_add_pPr(), **{"right" if odd else "left": inset, "firstLine": 0})
    dash = LAYOUT["page_number"]["dash"]
    _add_text(paragraph, f"{dash} ")
    _add_field(paragraph, "PAGE", "1")
    _add_text(paragraph, f" {dash}")


def _footers(doc, geo: Geometry) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    if LAYOUT["page"]["mirror_margins"]:
        _child(doc.settings.element, "w:mirrorMargins", _AFTER_MIRROR_MARGINS)
    section = doc.sections[0]
    section.footer_distance = Twips(footer_distance(geo))
    _page_number(section.footer, odd=True)  # the first page is odd
    _page_number(section.even_page_footer, odd=False)


def _settings(doc) -> None:
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


# ---------------------------------------------------------------------------- content


def _style_name(role: str) -> str:
    return PARAGRAPH_STYLES[role].name


def _write_title(doc, title: Title) -> None:
    paragraph = doc.add_paragraph(style=_style_name("title"))
    for i, line in enumerate(title.lines):
        run = _add_text(paragraph, line)
        if i < len(title.lines) - 1:
            run.add_break()


def _write_block(doc, block: Heading | Paragraph):
    if isinstance(block, Heading):
        paragraph = doc.add_paragraph(style=_style_name(block.role))
        _add_text(paragraph, block.label)
        return paragraph
    paragraph = doc.add_paragraph(style=_style_name(ROLE_BODY))
    for run in block.runs:
        style = CHARACTER_STYLES[run.role].name if run.role in CHARACTER_STYLES else None
        _add_text(paragraph, run.text, bold=run.bold, style=style)
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
        paragraph = doc.add_paragraph(style=_style_name("signature"))
        if i == 0:
            paragraph.paragraph_format.keep_with_next = True
            paragraph.paragraph_format.space_before = Twips(geo.line_pitch * sig["blank_lines_before"])
        _set_ind(
            paragraph._p.get_or_add_pPr(),
            left=geo.chars_to_twips(indent),
            leftChars=round(indent * 100),
            firstLine=0,
            firstLineChars=0,
        )
        _add_text(paragraph, text)


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
    _styles(doc, geo)
    _section(doc, geo)
    _footers(doc, geo)
    _settings(doc)
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
