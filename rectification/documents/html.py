"""The document as HTML: the same page for the browser preview and for WeasyPrint.

Text goes through a Django template with autoescape; the stylesheet is generated from
layout.LAYOUT only (no user input reaches it).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .fitting import Fits, split_runs, spreads
from .fonts import Face, free_family, resolve_faces, role_typeface
from .layout import EXTRA_ROLES, LAYOUT, body_size_pt, landscape_margins_mm, line_pitch_pt, margins_mm
from .model import ROLE_BODY, Block, Document, Heading, Table

TEMPLATE = "documents/document.html"


def static_url(static_name: str) -> str:
    """Root-relative URL of a static file without the manifest hash, so a frozen
    published page keeps pointing at the same name."""
    return urljoin("/", settings.STATIC_URL) + static_name


def _stack(face: Face) -> str:
    """The CSS family list: the chosen face, then the free stand-in, then system CJK."""
    spec = LAYOUT["typefaces"][face.typeface]
    families = [face.family, *spec["official"]] if face.source == "official" else [face.family]
    families += [free_family(spec["free"]), *LAYOUT["fallback_families"]]
    return ", ".join(f'"{f}"' for f in dict.fromkeys(families))


def _font_faces() -> str:
    """@font-face rules for the vendored free faces (also the fallbacks of official ones)."""
    rules = {}
    for spec in LAYOUT["typefaces"].values():
        name = spec["free"]
        rules[name] = (
            f'@font-face {{ font-family: "{free_family(name)}"; '
            f'src: url("{static_url(name)}") format("opentype"); font-weight: {spec["free_weight"]}; }}'
        )
    return "\n".join(rules.values())


def role_class(role: str, bold: bool) -> str:
    return f"{role}-b" if bold else role


def _role_rules(faces: dict[str, Face], *, extras: bool = False) -> str:
    rules = []
    for role in LAYOUT["roles"]:
        if role in EXTRA_ROLES and not extras:
            continue
        for bold in (False, True):
            face = faces[role_typeface(role, bold)]
            rules.append(f".{role_class(role, bold)} {{ font-family: {_stack(face)}; font-weight: {face.weight}; }}")
    return "\n".join(rules)


def _extra_rules(pitch: float) -> str:
    """Tables, annexes (portrait and landscape pages), the 附件说明 and the attestation:
    only in the stylesheet of a document that has them."""
    lm = landscape_margins_mm()
    table, annex, note = LAYOUT["table"], LAYOUT["annex"], LAYOUT["annex_note"]
    pad_v, pad_h = table["padding_mm"]
    note_indent = note["left_chars"] + len(note["label"])
    att = LAYOUT["attestation"]
    return f"""@page landscape {{ size: {LAYOUT["page"]["size"]} landscape;
  margin: {lm["top"]}mm {lm["right"]}mm {lm["bottom"]}mm {lm["left"]}mm; }}
.annex {{ break-before: page; }}
.annex.landscape {{ page: landscape; }}
.annex-label {{ text-indent: 0; }}
.annex-title {{ font-size: {LAYOUT["sizes_pt"]["title"]}pt; line-height: {pitch:.2f}pt; text-align: center;
  margin-top: {pitch * (annex["title_line"] - 2):.2f}pt; margin-bottom: {pitch * annex["blank_lines_after_title"]:.2f}pt;
  break-after: avoid; }}
.doc-table {{ width: 100%; table-layout: fixed; border-collapse: collapse; font-size: {table["size_pt"]}pt;
  line-height: {table["line_pitch_pt"]}pt; }}
.doc-table thead {{ display: table-header-group; }}
.doc-table tr, .doc-table tbody {{ break-inside: avoid; }}
.doc-table th, .doc-table td {{ border: {table["border_pt"]}pt solid #000; padding: {pad_v}mm {pad_h}mm;
  vertical-align: middle; text-align: left; overflow-wrap: anywhere; }}
.doc-table th, .doc-table .c-center {{ text-align: center; }}
.doc-table .cl {{ display: block; }}
.annex-note {{ margin-top: {pitch * note["blank_lines_before"]:.2f}pt; break-before: avoid; break-inside: avoid; }}
.annex-note p {{ text-indent: 0; padding-left: {note_indent}em; }}
.annex-note p:first-child {{ text-indent: -{len(note["label"])}em; }}
.attest {{ margin-top: {pitch * att["blank_lines_before"]:.2f}pt; break-before: avoid; break-inside: avoid; }}
.attest p {{ text-indent: 0; padding-left: {att["left_chars"]}em; white-space: nowrap; }}
@media screen {{
  .table-wrap {{ overflow-x: auto; }}
  .sheet.landscape {{ width: {LAYOUT["page"]["type_height_mm"]}mm;
    padding: {lm["top"]}mm {lm["right"]}mm {lm["bottom"]}mm {lm["left"]}mm; }}
  @media (max-width: 1180px) {{ .sheet.landscape {{ width: auto; max-width: {LAYOUT["page"]["type_height_mm"]}mm; padding: 8mm 6mm; }} }}
  @media (max-width: 640px) {{ .sheet.landscape {{ padding: 1.25rem 1rem; }} .doc-table {{ min-width: 36rem; }} }}
}}
"""


# The pages of the PDF's measuring layout (``measuring`` below) are this many pages tall.
MEASURING_PAGES = 50


def _page_rules(faces: dict[str, Face], *, measuring: bool) -> str:
    """The @page rules: A4 with the page numbers; for the measuring layout, pages as wide
    and many times as tall, without page numbers."""
    m, page = margins_mm(), LAYOUT["page"]
    margins = f"margin: {m['top']}mm {m['right']}mm {m['bottom']}mm {m['left']}mm;"
    mirror = (
        f"@page :left {{ margin-left: {m['right']}mm; margin-right: {m['left']}mm; }}" if page["mirror_margins"] else ""
    )
    if measuring:
        return f"@page {{ size: {page['width_mm']}mm {page['height_mm'] * MEASURING_PAGES}mm; {margins} }}\n{mirror}"
    num = LAYOUT["page_number"]
    page_face = faces[role_typeface("page_number", False)]
    page_number = (
        f'content: "{num["dash"]} " counter(page) " {num["dash"]}"; font-family: {_stack(page_face)}; '
        f"font-weight: {page_face.weight}; font-size: {LAYOUT['sizes_pt']['page_number']}pt; line-height: 1; "
        f"vertical-align: top; padding-top: {num['below_type_area_mm']}mm;"
    )
    inset = f"{num['inset_chars']}em"
    return f"""@page {{ size: {page["size"]}; {margins} }}
@page :right {{ @bottom-right {{ {page_number} text-align: right; padding-right: {inset}; }} }}
@page :left {{ @bottom-left {{ {page_number} text-align: left; padding-left: {inset}; }} }}
{mirror}"""


def stylesheet(faces: dict[str, Face], *, extras: bool = False, measuring: bool = False) -> str:
    m = margins_mm()
    size, pitch = body_size_pt(), line_pitch_pt()
    sig = LAYOUT["signature"]
    title = LAYOUT["title"]
    return f"""{_font_faces()}
{_page_rules(faces, measuring=measuring)}
html {{ font-size: {size}pt; line-height: {pitch}pt; color: #000; background: #fff; }}
body {{ margin: 0; }}
h1, h2, h3, h4, h5, p {{ margin: 0; padding: 0; font-size: 1rem; line-height: {pitch}pt; font-style: normal; }}
.doc-title {{ font-size: {LAYOUT["sizes_pt"]["title"]}pt; line-height: {pitch * title["line_pitch_lines"]:.2f}pt;
  text-align: center; margin-bottom: {pitch * title["blank_lines_after"]:.2f}pt; }}
.doc-title span {{ display: block; }}
.block {{ text-indent: {LAYOUT["indent_chars"]}em; }}
.block.flush {{ text-indent: 0; }}
.heading {{ break-after: avoid; }}
.sig-block {{ display: table; margin: {pitch * sig["blank_lines_before"]:.2f}pt {sig["right_chars"]}em 0 auto;
  break-before: avoid; break-inside: avoid; }}
.sig-block p {{ text-indent: 0; white-space: nowrap; }}
.sig-block .sig-date {{ padding-left: {sig["date_shift_chars"]}em; }}
{_role_rules(faces, extras=extras)}
{_extra_rules(pitch) if extras else ""}/* Screens only (WeasyPrint skips the block). A narrow frame keeps the 28-character line and
   trims the margins; a phone reflows. */
@media screen {{
  html {{ background: #e9e9e6; }}
  .sheet {{ box-sizing: content-box; width: {LAYOUT["page"]["type_width_mm"]}mm; margin: 1rem auto; background: #fff;
    padding: {m["top"]}mm {m["right"]}mm {m["bottom"]}mm {m["left"]}mm; box-shadow: 0 1px 4px rgba(0, 0, 0, .25); }}
  @media (max-width: 880px) {{ .sheet {{ padding: 8mm 6mm; margin: 0 auto; }} }}
  @media (max-width: 640px) {{
    html {{ font-size: 17px; line-height: 1.8; }}
    h1, h2, h3, h4, h5, p {{ line-height: 1.8; }}
    .sheet {{ width: auto; padding: 1.25rem 1rem; box-shadow: none; }}
    .doc-title {{ font-size: 1.4rem; line-height: 1.5; margin-bottom: 1.25rem; }}
    .sig-block {{ margin-top: 1.8em; }}
  }}
}}
"""


@dataclass(frozen=True)
class _BlockView:
    tag: str
    cls: str
    content: str  # the inner HTML (safe): escaped text in its role's spans
    fit: int | None = None  # the data-fit mark of a PDF layout
    is_table: bool = False  # (the template asks every block)


@dataclass(frozen=True)
class _CellView:
    lines: tuple[str, ...]
    rowspan: int
    cls: str


@dataclass(frozen=True)
class _TableView:
    widths: tuple[str, ...]  # CSS percentages, computed from the columns' numbers
    header: tuple[str, ...]
    groups: tuple[tuple[tuple[_CellView, ...], ...], ...]  # rows in groups no spanning cell crosses
    is_table: bool = True


@dataclass(frozen=True)
class _AnnexView:
    label: str
    title: str
    landscape: bool
    blocks: tuple[_BlockView | _TableView, ...]


def _table_view(table: Table) -> _TableView:
    total = sum(c.width for c in table.columns)
    widths = tuple(f"{c.width * 100 / total:.3f}%" for c in table.columns)
    align = [c.align for c in table.columns]
    rows = []
    for line in table.grid():
        cells = []
        for column, cell in enumerate(line):
            if cell is not None:
                cls = "table c-center" if align[column] == "center" else "table"
                cells.append(_CellView(tuple(cell.lines), cell.rowspan, cls))
        rows.append(tuple(cells))
    groups = tuple(tuple(rows[i] for i in group) for group in table.groups())
    return _TableView(widths, tuple(c.label for c in table.columns), groups)


def _run_html(cls: str, pieces: tuple[tuple[str, str], ...], spacings: dict[str, str]) -> str:
    """A run's HTML: its pieces (each stretched one in the span of its letter-spacing's
    class), inside the span of the run's role when it has one."""
    inner = "".join(
        f'<span class="{spacings.setdefault(spacing, f"ls{len(spacings)}")}">{escape(text)}</span>'
        if spacing
        else escape(text)
        for text, spacing in pieces
    )
    return f'<span class="{escape(cls)}">{inner}</span>' if cls else inner


def _text_view(
    tag: str, cls: str, runs: list[tuple[str, str]], mark: int, fits: Fits | None, spacings: dict[str, str]
) -> _BlockView:
    """A paragraph or heading from its (role class, text) runs. A PDF layout's block is
    marked; its lines spread when they were measured (fitting.py). The letter-spacings
    are classes (``spacings``: spacing -> class, filled here, written in the stylesheet)
    rather than ``style`` attributes: WeasyPrint computes a style attribute's style once
    per element, a class's once per parent."""
    if fits is None:
        return _BlockView(tag, cls, mark_safe("".join(_run_html(c, ((t, ""),), spacings) for c, t in runs)))
    stretches = spreads("".join(t for _, t in runs), fits.get(mark, ()), body_size_pt() / 0.75)
    pieces = split_runs([t for _, t in runs], stretches)
    content = "".join(_run_html(c, p, spacings) for (c, _), p in zip(runs, pieces, strict=True))
    return _BlockView(tag, cls, mark_safe(content), mark)


def _block_view(block: Block, mark: int, fits: Fits | None, spacings: dict[str, str]) -> _BlockView | _TableView:
    if isinstance(block, Table):
        return _table_view(block)
    if isinstance(block, Heading):
        cls = f"block heading {role_class(block.role, False)}"
        return _text_view(f"h{block.level + 1}", cls, [("", block.label)], mark, fits, spacings)
    runs = [
        (role_class(run.role or ROLE_BODY, run.bold) if (run.role or run.bold) else "", run.text) for run in block.runs
    ]
    flush = " flush" if block.flush_left else ""
    return _text_view("p", f"block p-{block.kind}{flush} {ROLE_BODY}", runs, mark, fits, spacings)


def _spacing_rules(spacings: dict[str, str]) -> str:
    return "".join(f".{cls} {{ letter-spacing: {spacing}; }}\n" for spacing, cls in spacings.items())


def render_html(
    document: Document, *, faces: dict[str, Face] | None = None, fits: Fits | None = None, measuring: bool = False
) -> str:
    """The complete HTML page of the document. ``fits`` is for the PDF only: an empty
    dict marks the blocks whose lines the first layout measures, the measured lines
    spread them to the margin (fitting.py). ``measuring``: the HTML of that first layout,
    its blocks marked, its pages as wide as the PDF's and many times as tall, without
    page numbers: a block's lines break where they break on A4 (only the width decides),
    and WeasyPrint spends nothing on page breaks and page numbers that layout would
    throw away."""
    if measuring:
        fits = {}
    faces = faces or resolve_faces()
    extras = document.has_extras
    marks = itertools.count()
    spacings: dict[str, str] = {}
    blocks = [_block_view(b, next(marks), fits, spacings) for b in document.blocks]
    annexes = [
        _AnnexView(
            label,
            annex.title,
            annex.landscape,
            tuple(_block_view(b, next(marks), fits, spacings) for b in annex.blocks),
        )
        for label, annex in zip(document.annex_labels(), document.annexes, strict=True)
    ]
    context = {
        "document": document,
        "page_title": document.title.text,
        # Built from LAYOUT and the measured letter-spacings only, no user input.
        "css": mark_safe(stylesheet(faces, extras=extras, measuring=measuring) + _spacing_rules(spacings)),
        "blocks": blocks,
        "annex_note": document.annex_note(),
        "attestation": document.attestation,
        "annexes": annexes,
    }
    return render_to_string(TEMPLATE, context)
