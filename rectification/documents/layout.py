"""Every number of the official-document layout (GB/T 9704-2012) in one place.

No official text of the standard was at hand; the figures below are the ones several
public copies agree on (see docs/DOMAIN.md). Correct them here: the HTML/PDF writer
(and the .docx writer) read nothing else. Derived values (the 28-character font size,
the 22-line pitch) are computed, so only the standard's own figures are stored.
"""

from __future__ import annotations

from typing import Any

MM_PER_INCH = 25.4
PT_PER_INCH = 72.0


def mm_to_pt(mm: float) -> float:
    return mm * PT_PER_INCH / MM_PER_INCH


LAYOUT: dict[str, Any] = {
    "page": {
        "size": "A4",
        "width_mm": 210,
        "height_mm": 297,
        "margin_top_mm": 37,  # 天头
        "margin_left_mm": 28,  # 订口 (binding side)
        "type_width_mm": 156,  # 版心
        "type_height_mm": 225,
        # Mirror the binding margin on even pages (for duplex binding). Word users rarely do.
        "mirror_margins": False,
    },
    "grid": {"lines": 22, "chars": 28},
    # Nominal sizes (号): 2号 = 22 pt, 3号 = 16 pt, 4号 = 14 pt. Body text is set at the
    # size that fits exactly `grid.chars` characters in the type width (15.79 pt, not 16):
    # Chinese is not justified by stretching, so the font size must divide the line.
    "sizes_pt": {"title": 22, "body_nominal": 16, "page_number": 14},
    "indent_chars": 2,  # first-line indent of every paragraph
    "title": {
        "blank_lines_after": 1,
        # Line pitch of the title in grid lines (the title's 22 pt fits one 28.99 pt line).
        "line_pitch_lines": 1.0,
    },
    "signature": {
        "blank_lines_before": 1,
        "right_chars": 2,  # 署名右空二字
        "date_shift_chars": 2,  # 成文日期首字比署名首字右移二字
    },
    "page_number": {
        "below_type_area_mm": 7,  # 一字线上距版心下边缘 7 mm
        "inset_chars": 1,  # 单页码居右空一字，双页码居左空一字
        "dash": "\u2014",  # 一字线; Fandol has no U+2015
    },
    # Font role -> typeface and bold flag. Heading bold is house style (sources disagree).
    "roles": {
        "title": {"typeface": "title", "bold": False},
        "heading1": {"typeface": "hei", "bold": False},
        "heading2": {"typeface": "kai", "bold": False},
        "heading3": {"typeface": "fang", "bold": False},
        "heading4": {"typeface": "fang", "bold": False},
        "body": {"typeface": "fang", "bold": False},
        "signature": {"typeface": "fang", "bold": False},
        "page_number": {"typeface": "song", "bold": False},
        # Roles of the blocks only some documents have (tables, annexes, attestation):
        # EXTRA_ROLES below; writers set them up only for a document that uses them.
        "table": {"typeface": "fang", "bold": False},
        "table_header": {"typeface": "hei", "bold": False},
        "annex_label": {"typeface": "hei", "bold": False},
    },
    # Tables (GB/T 9704 7.3.3 lets tables use a smaller size than the body): cell text in
    # the body typeface, the header row in 黑体, both at 小四 (12 pt); borders ½ pt;
    # cell padding in mm; the header row repeats on every page.
    "table": {"size_pt": 12, "line_pitch_pt": 18, "padding_mm": (1.2, 1.5), "border_pt": 0.5},
    # Annexes (附件, GB/T 9704 7.3.4 and 8.x): each on a new page, 「附件1」 in 黑体 at the
    # body size top left in the first line, the annex title centred on the third line in
    # the title's face and size.
    "annex": {"label_prefix": "附件", "title_line": 3, "blank_lines_after_title": 1},
    # 附件说明 under the body: one blank line, 「附件：」 two characters in, further names
    # aligned with the first name.
    "annex_note": {"blank_lines_before": 1, "left_chars": 2, "label": "附件："},
    # The attestation (签字背书) under the signature: one blank line, two characters in.
    "attestation": {"blank_lines_before": 1, "left_chars": 2},
    # The typeface drawn for bold text set in a typeface (WeasyPrint draws no fake bold,
    # and 仿宋/楷体 have no bold face, so bold runs switch typeface).
    "bold_typeface": {"fang": "fang_bold", "kai": "fang_bold", "song": "fang_bold", "hei": "hei_bold"},
    # Typefaces: the official family names (used when installed and the font setting
    # allows) and the free stand-in vendored under static/fonts/ (GB 2312 subsets).
    # ``weight`` is the CSS weight the face is declared and requested with, so that a
    # browser does not add a fake bold on top of a bold face.
    "typefaces": {
        "title": {
            "official": ["方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S"],
            "official_weight": 400,
            "free": "fonts/NotoSerifCJKsc-Bold-GB2312.otf",
            "free_weight": 700,
        },
        "hei": {
            "official": ["黑体", "SimHei"],
            "official_weight": 400,
            "free": "fonts/NotoSansCJKsc-Regular-GB2312.otf",
            "free_weight": 400,
        },
        "hei_bold": {
            "official": ["黑体", "SimHei"],
            "official_weight": 400,
            "free": "fonts/NotoSansCJKsc-Bold-GB2312.otf",
            "free_weight": 700,
        },
        "kai": {
            "official": ["楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi"],
            "official_weight": 400,
            "free": "fonts/FandolKai-Regular-GB2312.otf",
            "free_weight": 400,
        },
        "fang": {
            "official": ["仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong"],
            "official_weight": 400,
            "free": "fonts/FandolFang-Regular-GB2312.otf",
            "free_weight": 400,
        },
        "fang_bold": {
            # Emphasis inside 仿宋 text: 黑体 when the official fonts are installed.
            "official": ["黑体", "SimHei"],
            "official_weight": 400,
            "free": "fonts/FandolSong-Bold-GB2312.otf",
            "free_weight": 700,
        },
        "song": {
            # Page numbers (GB/T 9704: 4号半角宋体阿拉伯数字): a Song face, not the body's 仿宋.
            "official": ["宋体", "SimSun"],
            "official_weight": 400,
            "free": "fonts/NotoSerifCJKsc-Regular-GB2312.otf",
            "free_weight": 400,
        },
    },
    # System families tried last, so a character missing from the chosen face is still
    # drawn (and reported as a warning) rather than becoming an empty box.
    "fallback_families": ["Noto Serif CJK SC", "Noto Sans CJK SC"],
}

FONT_MODES = ("auto", "official", "free")
# Roles only documents with tables or annexes use; the bulletin's files stay as they were.
EXTRA_ROLES = ("table", "table_header", "annex_label")


def type_width_pt(layout: dict[str, Any] = LAYOUT) -> float:
    return mm_to_pt(layout["page"]["type_width_mm"])


def type_height_pt(layout: dict[str, Any] = LAYOUT) -> float:
    return mm_to_pt(layout["page"]["type_height_mm"])


def body_size_pt(layout: dict[str, Any] = LAYOUT) -> float:
    """The body font size that fits exactly ``grid.chars`` characters per line (15.79 pt)."""
    return round(type_width_pt(layout) / layout["grid"]["chars"], 2)


def line_pitch_pt(layout: dict[str, Any] = LAYOUT) -> float:
    """The line pitch that fits exactly ``grid.lines`` lines in the type area (28.99 pt)."""
    return round(type_height_pt(layout) / layout["grid"]["lines"], 2)


def margins_mm(layout: dict[str, Any] = LAYOUT) -> dict[str, float]:
    page = layout["page"]
    return {
        "top": page["margin_top_mm"],
        "left": page["margin_left_mm"],
        "right": page["width_mm"] - page["margin_left_mm"] - page["type_width_mm"],
        "bottom": page["height_mm"] - page["margin_top_mm"] - page["type_height_mm"],
    }


def landscape_margins_mm(layout: dict[str, Any] = LAYOUT) -> dict[str, float]:
    """A landscape page (a wide annex table) keeps the portrait type area turned a quarter
    clockwise: the binding margin becomes the top, so the table's head sits at the binding
    edge (GB/T 9704: 表头在订口一边) and the type area is 225 × 156 mm."""
    m = margins_mm(layout)
    return {"top": m["left"], "right": m["top"], "bottom": m["right"], "left": m["bottom"]}


def table_size_pt(layout: dict[str, Any] = LAYOUT) -> float:
    return layout["table"]["size_pt"]
