"""The bulletin as PDF: the Fuhua text, GB/T 9704 page geometry, fonts and glyphs, the
restricted URL fetcher, the cache."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings
from fontTools.ttLib import TTFont

from rectification.documents import fonts
from rectification.documents import pdf as bulletin_pdf
from rectification.documents.fitting import measure
from rectification.documents.fonts import missing_glyphs, resolve_faces
from rectification.documents.html import render_html, stylesheet
from rectification.documents.kinds.bulletin import bulletin_document
from rectification.documents.layout import mm_to_pt
from rectification.models import Bulletin, Measure

from .helpers.bulletin_text import normalise, pdftotext, seed_similarity

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "bulletin"
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdftoppm) not installed")

# The type area (版心) in PDF points, measured from the top-left corner of the page.
LEFT, TOP = mm_to_pt(28), mm_to_pt(37)
RIGHT, BOTTOM = mm_to_pt(28 + 156), mm_to_pt(37 + 225)
HOSTILE = (
    '<script>alert("x")</script>\n'
    '<img src="file:///etc/passwd">\n'
    "详见 http://example.com/evil.png 与 <link rel=stylesheet href=http://example.com/a.css>\n"
    "<style>@import url(http://example.com/b.css);</style>**<b>粗</b>**"
)


@pytest.fixture(autouse=True)
def free_fonts(settings):
    """The vendored fonts, whatever is installed on the machine, so results are stable."""
    settings.BULLETIN_FONTS = "free"


def _draft(inspection) -> Bulletin:
    return Bulletin.objects.select_related("inspection__organisation").get(inspection=inspection)


@pytest.fixture
def fuhua(demo):
    return bulletin_pdf.render_pdf(bulletin_document(_draft(demo)))


@needs_poppler
def test_fuhua_text_matches_the_seed(fuhua):
    ratio = seed_similarity(pdftotext(fuhua.pdf))
    print(f"similarity to the seed: {ratio:.4f}")
    assert ratio >= 0.999


def _page_number_chars(page) -> list[dict]:
    return [c for c in page.chars if c["top"] > BOTTOM]


def test_page_size_type_area_and_page_numbers(fuhua):
    with pdfplumber.open(io.BytesIO(fuhua.pdf)) as doc:
        assert len(doc.pages) == 8
        for page in doc.pages:
            assert (round(page.width, 1), round(page.height, 1)) == (595.3, 841.9)  # A4
            body = [c for c in page.chars if c["top"] <= BOTTOM]
            assert body, f"page {page.page_number} is empty"
            assert min(c["x0"] for c in body) >= LEFT - 0.5
            assert max(c["x1"] for c in body) <= RIGHT + 0.5
            assert min(c["top"] for c in body) >= TOP - 0.5
            assert max(c["bottom"] for c in body) <= BOTTOM + 0.5
            number = _page_number_chars(page)
            assert "".join(c["text"] for c in number).replace(" ", "") == f"—{page.page_number}—"
            # 7 mm below the type area, 4号 (14 pt); odd pages right, even pages left, one character in.
            # The em box's top (baseline less the ideographic ascent, 0.88 em: the glyph
            # box pdfplumber reports depends on each font's declared ascent).
            em_top = min(page.height - c["matrix"][5] - 0.88 * c["size"] for c in number)
            assert em_top == pytest.approx(BOTTOM + mm_to_pt(7), abs=2.5)
            assert {round(c["size"]) for c in number} == {14}
            assert {c["fontname"].split("+")[1] for c in number} == {"GB-NotoSerifCJKsc-Regular-GB2312"}  # 宋体
            if page.page_number % 2:
                assert max(c["x1"] for c in number) == pytest.approx(RIGHT - 14, abs=2)
            else:
                assert min(c["x0"] for c in number) == pytest.approx(LEFT + 14, abs=2)


def test_title_and_body_sizes_fill_the_grid(fuhua):
    with pdfplumber.open(io.BytesIO(fuhua.pdf)) as doc:
        first = doc.pages[0]
        title = [c for c in first.chars if c["top"] < TOP + 60]
        assert {round(c["size"]) for c in title} == {22}
        body = [c for c in first.chars if TOP + 60 < c["top"] < BOTTOM]
        assert {round(c["size"], 2) for c in body} == {15.79}  # 28 characters per 156 mm line
        # Baselines of the body face (other faces have other ascents): 22 lines per 225 mm.
        lines = sorted({round(c["bottom"], 2) for c in body if "FandolFang" in c["fontname"]})
        pitches = [b - a for a, b in zip(lines, lines[1:], strict=False)]
        assert len(lines) > 10 and min(pitches) == pytest.approx(28.99, abs=0.02)
        assert all(p / 28.99 == pytest.approx(round(p / 28.99), abs=0.01) for p in pitches)


@needs_poppler
def test_fonts_embedded_subset_and_ours(fuhua):
    out = subprocess.run(["pdffonts", "-"], input=fuhua.pdf, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    # title, 仿宋, 黑体, 楷体 (section 三's bold leads are 楷体 run-in headings), 宋体 page numbers
    assert len(rows) == 5
    for row in rows:
        name, emb, sub = row[0], row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row
        # The vendored faces only: no character fell back to a system font.
        assert re.fullmatch(r"[A-Z]{6}\+GB-.*", name), row
    assert fuhua.missing == []
    assert fuhua.warnings == []


def test_fonts_inside_the_pdf_are_compact(fuhua):
    """Issue 23: the Fuhua bulletin's PDF is under 300 KB with every font embedded (above).
    The vendored fonts are built for it (scripts/build_fonts.py compact_for_pdf): outlines
    on a 256-unit em, glyphs in text order, CID == glyph id; WeasyPrint's subsets keep every
    glyph id up to the last one used, so the page numbers' subset, digits and a dash, stays
    near the start of the font."""
    assert len(fuhua.pdf) < 300 * 1000, len(fuhua.pdf)
    with pdfplumber.open(io.BytesIO(fuhua.pdf)) as pdf:
        fonts_in_pdf = {}
        for obj in pdf.doc.xrefs[0].get_objids():
            try:
                stream = pdf.doc.getobj(obj)
            except Exception:  # free objects of the xref table
                continue
            if (
                getattr(stream, "attrs", {}).get("Subtype") is not None
                and str(stream.attrs["Subtype"]) == "/'OpenType'"
            ):
                font = TTFont(io.BytesIO(stream.get_data()))
                fonts_in_pdf[font["name"].getDebugName(4)] = (font["head"].unitsPerEm, len(font.getGlyphOrder()))
    assert len(fonts_in_pdf) == 5, fonts_in_pdf
    assert {upem for upem, _ in fonts_in_pdf.values()} == {256}
    # Digits (ASCII, first) and the em dash (GB 2312 row 1): the page numbers' font ends early.
    assert fonts_in_pdf["Noto Serif CJK SC"][1] < 200, fonts_in_pdf


def test_one_typeface_per_heading_level(fuhua):
    """The run-in 「（一）强化理论武装…」 of section 三 is set in 楷体 like the 「（一）」
    headings of section 二, not in the bold stand-in."""
    with pdfplumber.open(io.BytesIO(fuhua.pdf)) as doc:
        chars = [c for page in doc.pages for c in page.chars]
    text = "".join(c["text"] for c in chars)
    for lead in ("（一）强化理论武装", "（一）关于党中央和上级各项决策部署落实情况方面"):
        at = text.index(lead)
        assert {c["fontname"].split("+")[1] for c in chars[at : at + len(lead)]} == {"GB-FandolKai-Regular-GB2312"}


def test_a_character_without_glyph_is_reported(demo):
    bulletin = _draft(demo)
    bulletin.section1_text = "䶮𠀀正常文字"  # CJK Extension A/B: not in the GB 2312 subsets
    missing = missing_glyphs(bulletin_document(bulletin).text_by_role(), resolve_faces("free"))
    assert {(m.char, m.family) for m in missing} == {
        ("䶮", "GB-FandolFang-Regular-GB2312"),
        ("𠀀", "GB-FandolFang-Regular-GB2312"),
    }
    assert "U+4DAE" in str(missing[0]) or "U+4DAE" in str(missing[1])


@needs_poppler
def test_screenshots_of_the_first_two_and_the_last_page(fuhua, tmp_path):
    """For a person to look at: test-artifacts/bulletin/fuhua-<page>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "fuhua.pdf"
    source.write_bytes(fuhua.pdf)
    for page in (1, 2, 8):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                source,
                ARTIFACTS / f"fuhua-{page}",
            ],
            check=True,
        )
        assert (ARTIFACTS / f"fuhua-{page}.png").stat().st_size > 10_000


def test_font_setting_official_when_installed_free_otherwise(monkeypatch):
    installed = {"仿宋_GB2312": (Path("/usr/share/fonts/official/fangsong.ttf"), 0)}
    monkeypatch.setattr(fonts, "installed_font", installed.get)
    auto = resolve_faces("auto")
    assert (auto["fang"].source, auto["fang"].family) == ("official", "仿宋_GB2312")
    assert (auto["hei"].source, auto["hei"].family) == ("free", "GB-NotoSansCJKsc-Regular-GB2312")
    # An official family is never named alone: the free face and system CJK fonts follow it.
    assert (
        '.body { font-family: "仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", '
        '"GB-FandolFang-Regular-GB2312", "Noto Serif CJK SC", "Noto Sans CJK SC"; font-weight: 400; }'
    ) in stylesheet(auto)
    assert {face.source for face in resolve_faces("free").values()} == {"free"}
    forced = resolve_faces("official")
    assert {face.source for face in forced.values()} == {"official"}
    # Fonts that are not there cannot be checked: every character is reported.
    assert missing_glyphs({("heading1", False): "一、"}, forced)


# ------------------------------------------------------------------ hostile text, fetcher


@pytest.fixture
def fetchers(monkeypatch) -> list:
    made: list = []
    original = bulletin_pdf.make_fetcher

    def recording():
        fetcher = original()
        made.append(fetcher)
        return fetcher

    monkeypatch.setattr(bulletin_pdf, "make_fetcher", recording)
    return made


@needs_poppler
def test_hostile_narrative_text_is_shown_as_text_and_fetches_nothing(demo, fetchers, monkeypatch):
    monkeypatch.setattr(
        bulletin_pdf._local, "font_config", None, raising=False
    )  # fonts fetched afresh, through the fetcher
    bulletin = _draft(demo)
    bulletin.section1_text = HOSTILE
    result = bulletin_pdf.render_pdf(bulletin_document(bulletin), use_cache=False)
    assert "<script" not in result.html and "<img" not in result.html and "<link" not in result.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in result.html
    text = normalise(pdftotext(result.pdf))
    for literal in ('<script>alert("x")</script>', '<imgsrc="file:///etc/passwd">', "http://example.com/evil.png"):
        assert literal in text
    (fetcher,) = fetchers
    static_fonts = bulletin_pdf.BASE_URL + "static/fonts/"
    assert fetcher.requested and all(url.startswith(static_fonts) for url in fetcher.requested)
    assert fetcher.refused == []


def test_fetcher_refuses_everything_but_our_static_files():
    fetcher = bulletin_pdf.make_fetcher()
    for url in (
        "file:///etc/passwd",
        "http://example.com/a.png",
        "https://example.com/static/fonts/x.otf",
        "https://bulletin.invalid/etc/passwd",
        "https://bulletin.invalid/static/../../../etc/passwd",
        "https://bulletin.invalid/static/fonts/%2e%2e/%2e%2e/settings.py",
        "https://bulletin.invalid/static/css/../../fuhua/settings.py",
        "https://bulletin.invalid/static/fonts/LICENSE-OFL.txt",
        "data:text/html,<script>alert(1)</script>",
        "data:image/svg+xml;base64,PHN2Zy8+",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    font = fetcher.fetch(bulletin_pdf.BASE_URL + "static/fonts/FandolKai-Regular-GB2312.otf")
    assert font.read(4) == b"OTTO"
    assert fetcher.fetch("data:font/otf;base64,T1RUTw==").read() == b"OTTO"


def test_weasyprint_asks_the_fetcher_and_gets_refused(demo):
    """Markup that would load files, were it ever in the HTML, reaches only our fetcher."""
    html = render_html(bulletin_document(_draft(demo))).replace(
        "</main>",
        '<img src="file:///etc/passwd"><img src="http://example.com/x.png">'
        '<link rel="stylesheet" href="https://example.com/a.css"></main>',
    )
    fetcher = bulletin_pdf.make_fetcher()
    bulletin_pdf.write_pdf(html, fetcher=fetcher)
    assert set(fetcher.refused) == {"file:///etc/passwd", "http://example.com/x.png", "https://example.com/a.css"}


# ------------------------------------------------------------------ cache


def test_same_content_is_served_from_the_cache(demo, settings, tmp_path):
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path
    first = bulletin_pdf.render_pdf(bulletin_document(_draft(demo)))
    again = bulletin_pdf.render_pdf(bulletin_document(_draft(demo)))
    assert (first.cached, again.cached) == (False, True)
    assert again.pdf == first.pdf and again.html_sha256 == first.html_sha256
    Measure.objects.filter(finding__category__inspection=demo).update(progress="新的进展。")
    changed = bulletin_pdf.render_pdf(bulletin_document(_draft(demo)))
    assert not changed.cached and changed.pdf_sha256 != first.pdf_sha256
    assert len(list(tmp_path.glob("*.pdf"))) == 2


def test_warm_up_loads_the_fonts_into_this_threads_configuration(caplog):
    """What the WSGI application runs when it loads (fuhua/wsgi.py): afterwards the
    thread has its font configuration and every face's character map is read."""
    from rectification.documents import pdf

    pdf._local.font_config = None
    fonts._cmap.cache_clear()
    assert pdf.warm_up() > 0
    assert pdf._local.font_config is not None
    assert fonts._cmap.cache_info().currsize >= 1
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_a_failed_warm_up_is_logged_not_raised(monkeypatch, caplog):
    from rectification.documents import pdf

    def broken(html, *, fetcher=None):
        raise OSError("no fonts here")

    monkeypatch.setattr(pdf, "write_pdf", broken)
    pdf.warm_up()
    assert "warming up the PDF renderer failed" in caplog.text


def _short_lines(pdf: bytes) -> list[str]:
    """Body lines that stop short of the right margin (by more than 0.5 mm) although
    their paragraph goes on: the next line starts at the left margin, not indented."""
    short = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[int, list[dict]] = {}
            for c in page.chars:
                if 15 <= c["size"] <= 16.5 and c["top"] < BOTTOM:
                    rows.setdefault(round(c["bottom"]), []).append(c)
            lines = [sorted(r, key=lambda c: c["x0"]) for _, r in sorted(rows.items())]
            for line, following in zip(lines, lines[1:], strict=False):
                assert line[-1]["x1"] <= RIGHT + 0.5, "".join(c["text"] for c in line)
                in_body = abs(line[0]["x0"] - LEFT) < mm_to_pt(2) or abs(line[0]["x0"] - LEFT - 2 * 15.79) < mm_to_pt(2)
                goes_on = abs(following[0]["x0"] - LEFT) < mm_to_pt(1.5)
                if in_body and goes_on and RIGHT - line[-1]["x1"] > mm_to_pt(0.5):
                    short.append(f"p{page.page_number}: {''.join(c['text'] for c in line)}")
    return short


def test_every_line_but_a_paragraphs_last_ends_at_the_right_margin(fuhua):
    assert _short_lines(fuhua.pdf) == []
    # The HTML preview is not fitted (it reflows on a screen).
    assert "letter-spacing: " not in fuhua.html and "data-fit" not in fuhua.html


def test_lines_broken_by_the_line_breaking_rules_are_justified_too():
    """Quotes and commas that may not end or start a line, half-width digits: the lines
    they leave short are spread to the margin, the break stays where it was."""
    import datetime as dt

    from rectification.documents.model import Document, Heading, Paragraph, Run, Signature, Title

    text = "社区针对“房中房”动态隐患问题，采取安全检查“回头看”与隐患整改“全闭环”的管理策略，" * 4
    document = Document(
        title=Title(("某某党委", "关于某事的通知")),
        blocks=(
            Heading(1, "一、", "总体情况"),
            Paragraph((Run("2024年9月25日至12月27日，"), Run("区委第四巡察组", bold=True), Run(text))),
            Paragraph((Run(text[::-1]),)),
        ),
        signature=Signature(name="某某党委", date="2025年12月31日", issued_on=dt.date(2025, 12, 31)),
    )
    ragged = bulletin_pdf.write_pdf(render_html(document))  # one layout, as WeasyPrint sets it
    assert len(_short_lines(ragged)) >= 3
    result = bulletin_pdf.render_pdf(document, use_cache=False)
    assert _short_lines(result.pdf) == []
    extracted = normalise(pdftotext(result.pdf))
    assert text in extracted and text[::-1] in extracted


def _measured(html: str):
    rendered = bulletin_pdf._layout(html, bulletin_pdf.make_fetcher())
    return len(rendered.pages), measure(rendered)


def test_the_measuring_layout_breaks_every_line_where_the_printed_pages_do(demo):
    """The first layout measures on pages as wide as A4 and many times as tall, without page
    numbers (it only reads where lines break): its lines are those of the A4 pages, also
    of a paragraph split over two pages and of paragraphs on a landscape annex page."""
    from rectification.documents.model import Annex, Cell, Column, Paragraph, Run, Table

    fuhua = bulletin_document(_draft(demo))
    text = "社区针对“房中房”动态隐患问题，采取安全检查“回头看”与隐患整改“全闭环”的管理策略，" * 12
    table = Table((Column("序号", 1), Column("问题", 6)), ((Cell("1"), Cell(text[:80])),))
    annexes = (
        Annex("问题清单", (Paragraph((Run(text),)), table)),
        Annex("任务清单", (table, Paragraph((Run("2024年9月25日，"), Run(text, bold=True)))), landscape=True),
    )
    blocks = fuhua.blocks + tuple(Paragraph((Run(text),)) for _ in range(4))
    for document in (fuhua, dataclasses.replace(fuhua, blocks=blocks, annexes=annexes)):
        printed_pages, printed = _measured(render_html(document, fits={}))
        measuring_pages, measured = _measured(render_html(document, measuring=True))
        assert measured == printed and len(measured) == len(document.blocks) + sum(
            1 for a in document.annexes for b in a.blocks if not isinstance(b, Table)
        )
        assert measuring_pages < printed_pages
    assert "counter(page)" not in render_html(fuhua, measuring=True)
