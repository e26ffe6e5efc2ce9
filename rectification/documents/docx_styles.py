"""The .docx writer's page and styles: the page geometry and Word's grid in twips, the
paragraph and character styles of each font role, the odd and even footers with the page
number field. Every figure comes from layout.py; see docx.py for why it is done this way.

The document grid. Body paragraphs snap to it (Normal's ``w:snapToGrid`` on, ECMA-376
17.3.1.32; Word's 「如果定义了文档网格，则对齐到网格」), and it is a line grid (``w:docGrid
w:type="lines"``, ST_DocGrid 17.18.14; Word's 「只指定行网格」): 22 lines at ``linePitch``.
The 28 characters a line come from the runs' character spacing (``w:spacing``, a fraction
of a point: 16 pt → 15.70 pt), not from a character grid. Why not Word's 「指定行和字符网格」
(``linesAndChars``) with a 15.79 pt pitch: Word adds the pitch minus the Normal size to
every character (17.6.5 ``charSpace``: −0.21 pt, so 28 of 16 pt fill a line), but the
LibreOffice the tests render with (7.4, Debian 12) gives every character a whole number
of cells (sw/source/core/text/justify.cxx, ``lcl_MinGridWidth``, before run kerning):
a 16 pt character takes two 15.79 pt cells. Measured on the Fuhua bulletin (8 pages)
with body paragraphs snapped: ``linesAndChars`` 14 characters a line, 12 pages with the
run spacing and 14 without; ``snapToChars`` (one character per cell in Word, MS-OI29500
2.1.534) 14 a line; ``linesAndChars`` with ``charSpace`` 0 (16 pt cells) 28 a line, but
Word's page setup would then say 27; glyphs narrowed to 98 % (``w:w``) 28 a line, but
no longer the 三号 face. LibreOffice ignores ``w:snapToGrid`` on runs (ECMA 17.3.2, "Use
Document Grid Settings For Inter-Character Spacing"), so runs cannot leave the character
grid while their paragraph keeps the line grid. Newer LibreOffice sources carry Word's
rule as a compatibility variant (``lcl_MsoCompatSnapToGridEdge``: a character takes its
width plus the pitch minus the base size); once the renderer has it, the character grid
is a matter of ``GRID_TYPE`` and dropping the run spacing. ``charSpace`` is written all
the same: it is the grid's character pitch (28 a line) should a user switch the grid to
lines and characters.

Not snapped: the title (LibreOffice's line grid ignores exact spacing and gives the 22 pt
line two pitches), the table text (Word keeps tables off the line grid unless the
``adjustLineHeightInTable`` compatibility option is set) and the page number."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt, Twips

from .docx_ooxml import AFTER_MIRROR_MARGINS, AFTER_RPR_SPACING, add_field, add_text, child, set_fonts, set_ind, toggle
from .layout import LAYOUT, landscape_margins_mm, margins_mm
from .model import ROLE_BODY

TWIPS_PER_PT = 20
TWIPS_PER_MM = 1440 / 25.4
# ECMA-376 17.6.5: w:charSpace is the difference between the grid's character pitch and
# the Normal font size, in 4096ths of a point.
CHAR_SPACE_UNIT = 4096
# The portrait pages' grid (see above); landscape annex pages have none.
GRID_TYPE = "lines"


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
# Styles of the blocks only some documents have (layout EXTRA_ROLES): added to a file
# only when its document has tables, annexes or an attestation.
EXTRA_PARAGRAPH_STYLES: dict[str, StyleName] = {
    "table": StyleName("GongwenTable", "表格文字"),
    "table_header": StyleName("GongwenTableHeader", "表格表头"),
    "annex_label": StyleName("GongwenAnnexLabel", "附件标识"),
}
OUTLINE_LEVELS = {"heading1": 0, "heading2": 1, "heading3": 2, "heading4": 3}
# Character styles for run-in headings (「1. 标题。」 opening a paragraph).
CHARACTER_STYLES: dict[str, StyleName] = {
    role: StyleName(f"{style.style_id}Char", f"{style.name}（行内）")
    for role, style in PARAGRAPH_STYLES.items()
    if role in OUTLINE_LEVELS
}
INDENTED_ROLES = ("body", "heading1", "heading2", "heading3", "heading4")
# Set at their natural width, not narrowed to 28 a line, and not snapped to the grid: the
# 22 pt title, the page number and the table text.
NATURAL_WIDTH_ROLES = ("title", "page_number", "table", "table_header")
TABLE_ROLES = ("table", "table_header")


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
        of ``size_pt`` fill a line on a grid of lines only, with one twentieth to spare for
        applications that round glyph advances up (LibreOffice does)."""
        return min(0, math.floor(self.char_pitch - size_pt * TWIPS_PER_PT) - 1)

    def chars_to_twips(self, chars: float) -> int:
        return round(chars * self.char_pitch)


def geometry(layout: dict[str, Any] = LAYOUT, *, landscape: bool = False) -> Geometry:
    """The portrait page, or the landscape page of wide annex tables (layout
    ``landscape_margins_mm``: the portrait type area turned)."""
    page = layout["page"]
    m = landscape_margins_mm(layout) if landscape else margins_mm(layout)
    width, height = (page["height_mm"], page["width_mm"]) if landscape else (page["width_mm"], page["height_mm"])
    return Geometry(
        width=_twips(width),
        height=_twips(height),
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
    if role in TABLE_ROLES:
        return LAYOUT["table"]["size_pt"]
    return {"title": sizes["title"], "page_number": sizes["page_number"]}.get(role, sizes["body_nominal"])


# ---------------------------------------------------------------------------- styles


def _style_fonts(style, role: str, geo: Geometry) -> None:
    """Face, size and bold of a role, narrowed to ``chars`` a line unless natural width."""
    style.font.size = Pt(role_size_pt(role))
    style.font.bold = LAYOUT["roles"][role]["bold"]
    rpr = style.element.get_or_add_rPr()
    set_fonts(rpr, role_family(role))
    spacing = geo.fit_spacing(role_size_pt(role)) if role not in NATURAL_WIDTH_ROLES else 0
    child(rpr, "w:spacing", AFTER_RPR_SPACING).set(qn("w:val"), str(spacing))


def _exact(paragraph_format, twips: int) -> None:
    paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph_format.line_spacing = Twips(twips)


def _doc_defaults(doc, geo: Geometry) -> None:
    """Body face and size, Chinese as the East Asian language, the grid's exact line."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = child(child(defaults, "w:rPrDefault"), "w:rPr")
    set_fonts(rpr, role_family(ROLE_BODY))
    for tag in ("w:sz", "w:szCs"):
        child(rpr, tag).set(qn("w:val"), str(round(role_size_pt(ROLE_BODY) * 2)))
    lang = child(rpr, "w:lang")
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = child(child(child(defaults, "w:pPrDefault"), "w:pPr"), "w:spacing")
    spacing.attrib.clear()
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(geo.line_pitch))
    spacing.set(qn("w:lineRule"), "exact")


def _normal(doc, geo: Geometry) -> None:
    """Normal is the body without indent (what a Word user types into): justified, no
    space between paragraphs, no extra space between Chinese and Latin (the PDF adds none,
    and it would cost characters per line), snapped to the document grid (see above)."""
    normal = doc.styles["Normal"]
    _style_fonts(normal, ROLE_BODY, geo)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.widow_control = Pt(0), Pt(0), True
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _exact(fmt, geo.line_pitch)
    ppr = normal.element.get_or_add_pPr()
    toggle(ppr, "w:autoSpaceDE", False)
    toggle(ppr, "w:autoSpaceDN", False)
    toggle(ppr, "w:snapToGrid", True)


def _paragraph_style(doc, role: str, geo: Geometry):
    spec = PARAGRAPH_STYLES.get(role) or EXTRA_PARAGRAPH_STYLES[role]
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
        set_ind(ppr, firstLineChars=round(chars * 100))
    if role in NATURAL_WIDTH_ROLES:
        toggle(ppr, "w:snapToGrid", False)
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


def apply_styles(doc, geo: Geometry) -> None:
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


def apply_extra_styles(doc, geo: Geometry) -> None:
    """The styles of tables (cell text, header) and of the annex label."""
    for role in EXTRA_PARAGRAPH_STYLES:
        style = _paragraph_style(doc, role, geo)
        if role in TABLE_ROLES:
            _exact(style.paragraph_format, round(LAYOUT["table"]["line_pitch_pt"] * TWIPS_PER_PT))
            style.paragraph_format.widow_control = False
            style.paragraph_format.alignment = (
                WD_ALIGN_PARAGRAPH.CENTER if role == "table_header" else WD_ALIGN_PARAGRAPH.LEFT
            )


# ---------------------------------------------------------------------------- page


def set_page(section, geo: Geometry, *, landscape: bool = False) -> None:
    """Size, orientation and margins of a section, and its grid: 22 lines on a portrait
    page; none on a landscape page (wide annex tables), whose paragraphs are set at exact
    line heights."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Twips(geo.width), Twips(geo.height)
    section.top_margin, section.bottom_margin = Twips(geo.top), Twips(geo.bottom)
    section.left_margin, section.right_margin = Twips(geo.left), Twips(geo.right)
    section.gutter = Twips(0)
    section.footer_distance = Twips(footer_distance(geo))
    grid = child(section._sectPr, "w:docGrid")
    grid.attrib.clear()
    if not landscape:
        grid.set(qn("w:type"), GRID_TYPE)
    grid.set(qn("w:linePitch"), str(geo.line_pitch))
    if not landscape:
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
    paragraph.style = style_name("page_number")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    inset = round(LAYOUT["page_number"]["inset_chars"] * role_size_pt("page_number") * TWIPS_PER_PT)
    set_ind(paragraph._p.get_or_add_pPr(), **{"right" if odd else "left": inset, "firstLine": 0})
    dash = LAYOUT["page_number"]["dash"]
    add_text(paragraph, f"{dash} ")
    add_field(paragraph, "PAGE", "1")
    add_text(paragraph, f" {dash}")


def _footers(doc) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    if LAYOUT["page"]["mirror_margins"]:
        child(doc.settings.element, "w:mirrorMargins", AFTER_MIRROR_MARGINS)
    section = doc.sections[0]
    _page_number(section.footer, odd=True)  # the first page is odd
    _page_number(section.even_page_footer, odd=False)


def _settings(doc) -> None:
    lang = doc.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def apply_page(doc, geo: Geometry) -> None:
    """Page size and margins with the grid, the footers, the settings."""
    set_page(doc.sections[0], geo)
    _footers(doc)
    _settings(doc)


def style_name(role: str) -> str:
    return (PARAGRAPH_STYLES.get(role) or EXTRA_PARAGRAPH_STYLES[role]).name
