"""The bulletin as a Word document: the file read back with python-docx (page, grid,
fonts by style, indents, odd/even footers with the PAGE field, signature, plain text),
the Fuhua .docx converted by LibreOffice (text against the seed, layout, screenshots),
and publishing, downloads and the command."""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pdfplumber
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from fontTools.ttLib import TTFont

from rectification import services
from rectification.documents import writers as documents_writers
from rectification.documents.docx import CONTENT_TYPE, render_docx
from rectification.documents.fonts import static_path
from rectification.documents.kinds.bulletin import bulletin_document
from rectification.documents.layout import LAYOUT, mm_to_pt
from rectification.models import Bulletin, BulletinVersion, Measure

from . import factories as f
from .helpers.bulletin_text import pdftotext, seed_similarity

# Every test asks for the database, so that pytest-django sets up the test database even
# when only tests of the module-scoped Fuhua file are selected (otherwise the module
# fixture would reach the development database).
pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "bulletin-docx"
SOFFICE = shutil.which("soffice")
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_libreoffice = pytest.mark.skipif(
    not SOFFICE,
    reason="LibreOffice (soffice) is not installed: `make test` installs it (scripts/setup.sh dev, "
    "Debian package libreoffice-writer-nogui)",
)
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) not installed")

# The type area (版心) in PDF points from the page's top-left corner, as in the PDF test.
LEFT, TOP = mm_to_pt(28), mm_to_pt(37)
RIGHT, BOTTOM = mm_to_pt(28 + 156), mm_to_pt(37 + 225)
# What the recipient's Word must find: the faces, East Asian and Latin alike.
EXPECTED_FONTS = {
    "公文标题": ("方正小标宋简体", 22),
    "一级标题": ("黑体", 16),
    "二级标题": ("楷体_GB2312", 16),
    "三级标题": ("仿宋_GB2312", 16),
    "四级标题": ("仿宋_GB2312", 16),
    "公文正文": ("仿宋_GB2312", 16),
    "落款": ("仿宋_GB2312", 16),
    "页码": ("宋体", 14),
}
HOSTILE = (
    '<script>alert("x")</script>\tand a tab\n'
    '<w:br/><w:fldSimple w:instr="HYPERLINK http://example.com"/> ]]> &amp; \x01\x08控制符\n'
    "**<b>粗</b>** 与 http://example.com/evil.png"
)


def _draft(inspection) -> Bulletin:
    return Bulletin.objects.select_related("inspection__organisation").get(inspection=inspection)


@pytest.fixture(scope="module")
def fuhua_docx(django_db_setup, django_db_blocker) -> bytes:
    """The Fuhua demo's .docx, rendered once for the module; the demo data is rolled back."""
    from rectification.devdata.demo import demo_load
    from rectification.models import Inspection

    with django_db_blocker.unblock(), transaction.atomic():
        demo_load()
        data = render_docx(bulletin_document(_draft(Inspection.objects.get(organisation__slug="fuhua"))))
        transaction.set_rollback(True)
    return data


@pytest.fixture(scope="module")
def word(fuhua_docx):
    return docx.Document(io.BytesIO(fuhua_docx))


def _rfonts(style) -> dict[str, str]:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return {name.split("}")[1]: value for name, value in fonts.attrib.items()}


def _inherited(style, attribute: str):
    """A paragraph format value as Word resolves it: from the style or the styles it is based on."""
    while style is not None:
        value = getattr(style.paragraph_format, attribute)
        if value is not None:
            return value
        style = style.base_style
    return None


def _ind(element) -> dict[str, str]:
    ind = element.pPr.find(qn("w:ind")) if element.pPr is not None else None
    return {} if ind is None else {name.split("}")[1]: value for name, value in ind.attrib.items()}


# ------------------------------------------------------------------ the file read back


def test_page_size_and_margins(word):
    section = word.sections[0]
    assert (round(section.page_width.mm, 1), round(section.page_height.mm, 1)) == (210.0, 297.0)
    margins = [section.top_margin, section.left_margin, section.right_margin, section.bottom_margin]
    assert [round(m.mm, 1) for m in margins] == [37.0, 28.0, 26.0, 35.0]
    assert section.gutter == 0 and len(word.sections) == 1


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
OFF = {"0", "false", "off"}  # ST_OnOff


def _parts(data: bytes, *names: str):
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return [etree.fromstring(package.read(name)) for name in names]


def _snaps(styles, style_id: str) -> bool:
    """Whether a paragraph style snaps to the document grid, as Word resolves it: the
    first w:snapToGrid up its w:basedOn chain, on when none says (ECMA-376 17.3.1.32)."""
    by_id = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style") if s.get(f"{W}type") == "paragraph"}
    style = by_id[style_id]
    while style is not None:
        snap = style.find(f"{W}pPr/{W}snapToGrid")
        if snap is not None:
            return snap.get(f"{W}val", "1") not in OFF
        based = style.find(f"{W}basedOn")
        style = by_id[based.get(f"{W}val")] if based is not None else None
    return True


def test_document_grid_is_22_lines_and_body_paragraphs_snap_to_it(fuhua_docx):
    """Read from the file's XML: the section's grid, which styles snap to it (the body
    and headings do; the title, tables and page number do not), and the run spacing
    that fits 28 characters a line (no character grid, see docx_styles.py)."""
    styles, document = _parts(fuhua_docx, "word/styles.xml", "word/document.xml")
    (sect,) = document.iter(f"{W}sectPr")
    grid = sect.find(f"{W}docGrid")
    assert grid.get(f"{W}type") == "lines"  # Word: 只指定行网格
    size, margins = sect.find(f"{W}pgSz"), sect.find(f"{W}pgMar")
    type_height = int(size.get(f"{W}h")) - int(margins.get(f"{W}top")) - int(margins.get(f"{W}bottom"))
    type_width = int(size.get(f"{W}w")) - int(margins.get(f"{W}left")) - int(margins.get(f"{W}right"))
    pitch = int(grid.get(f"{W}linePitch"))
    assert type_height // pitch == 22  # 580 twips would leave 21
    # The grid's character pitch, kept for a switch to a character grid: the Normal
    # font size plus charSpace (4096ths of a point), 28 a line.
    normal = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == "Normal")
    normal_twips = int(normal.find(f"{W}rPr/{W}sz").get(f"{W}val")) * 10
    assert normal_twips == 320 and int(type_width // (normal_twips + int(grid.get(f"{W}charSpace")) * 20 / 4096)) == 28
    # 「如果定义了文档网格，则对齐到网格」: set on in Normal, inherited by the body styles.
    assert normal.find(f"{W}pPr/{W}snapToGrid").get(f"{W}val") not in OFF
    snapped = ["Normal", "GongwenBody", "GongwenHeading1", "GongwenHeading2", "GongwenHeading3", "GongwenSignature"]
    assert all(_snaps(styles, style_id) for style_id in snapped)
    assert not any(_snaps(styles, style_id) for style_id in ("GongwenTitle", "GongwenPageNumber"))
    # No paragraph or run of the document turns it off.
    assert not [e for e in document.iter(f"{W}snapToGrid") if e.get(f"{W}val", "1") in OFF]
    # 28 characters a line without a character grid: the run spacing of the body style.
    spacing = int(normal.find(f"{W}rPr/{W}spacing").get(f"{W}val"))
    assert 28 * (normal_twips + spacing) <= type_width < 29 * (normal_twips + spacing)


def test_exact_line_spacing_at_the_grid_pitch(word):
    pitch = int(word.sections[0]._sectPr.find(qn("w:docGrid")).get(qn("w:linePitch")))
    for name in ("Normal", "公文正文", "一级标题", "二级标题", "落款", "公文标题"):
        style = word.styles[name]
        assert _inherited(style, "line_spacing_rule") == WD_LINE_SPACING.EXACTLY, name
        assert _inherited(style, "line_spacing").twips == pitch, name


@pytest.mark.parametrize(("style_name", "expected"), EXPECTED_FONTS.items())
def test_east_asian_and_latin_font_of_each_style(word, style_name, expected):
    family, size = expected
    style = word.styles[style_name]
    fonts = _rfonts(style)
    assert fonts["eastAsia"] == family and fonts["ascii"] == family and fonts["hAnsi"] == family
    assert not any(name.endswith("Theme") for name in fonts)  # a theme font would win over the name
    assert style.font.size.pt == size


def test_paragraphs_carry_the_style_of_their_role(word):
    styles = {p.text: p.style.name for p in word.paragraphs}
    assert styles["中共深圳市福田区福田街道福华社区委员会\n关于巡察整改进展情况的通报"] == "公文标题"
    assert styles["一、党组织履行巡察整改主体责任情况"] == "一级标题"
    assert styles["（一）关于党中央和上级各项决策部署落实情况方面"] == "二级标题"
    assert styles["1.深入学习贯彻习近平新时代中国特色社会主义思想"] == "三级标题"
    assert word.paragraphs[1].style.name == "公文正文" and word.paragraphs[1].text.startswith("根据区委统一部署")
    assert word.styles["公文标题"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_text_is_the_document_models(fuhua_docx, word, demo):
    """One document model, two writers: every printed line, in order, nothing added."""
    document = bulletin_document(_draft(demo))
    assert "\n".join(p.text for p in word.paragraphs) == document.plain_text()
    assert render_docx(document) == fuhua_docx  # the same document gives the same bytes


@pytest.mark.parametrize("style_name", ["公文正文", "一级标题", "二级标题", "三级标题", "四级标题"])
def test_first_line_indent_of_two_characters(word, style_name):
    ind = _ind(word.styles[style_name].element)
    assert ind["firstLineChars"] == "200"
    assert word.styles[style_name].paragraph_format.first_line_indent.pt == pytest.approx(2 * 15.79, abs=0.1)


def test_title_and_body_paragraphs_take_the_indent_from_their_style(word):
    assert "firstLineChars" not in _ind(word.styles["公文标题"].element)
    assert all(_ind(p._p) == {} for p in word.paragraphs[:-2])  # signature lines excepted


def _field_instructions(paragraph) -> list[str]:
    return [t.text for t in paragraph._p.iter(qn("w:instrText"))]


def test_page_numbers_in_different_odd_and_even_footers(word):
    section = word.sections[0]
    assert word.settings.odd_and_even_pages_header_footer  # w:evenAndOddHeaders
    odd, even = section.footer, section.even_page_footer
    assert not odd.is_linked_to_previous and not even.is_linked_to_previous
    for footer, alignment, side in ((odd, WD_ALIGN_PARAGRAPH.RIGHT, "right"), (even, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        (paragraph,) = footer.paragraphs
        assert paragraph.style.name == "页码" and paragraph.alignment == alignment
        assert _ind(paragraph._p)[side] == "280"  # one 14 pt character in from the outer edge
        assert [t.strip() for t in _field_instructions(paragraph)] == ["PAGE"]
        kinds = [c.get(qn("w:fldCharType")) for c in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        assert paragraph.text == "— 1 —"  # the field's cached result between the dashes
    # The number's top 7 mm below the type area: footer distance = 35 mm − 7 mm − 14 pt.
    assert section.footer_distance.pt == pytest.approx(mm_to_pt(35 - 7) - 14, abs=0.1)


def test_signature_and_date_placed_as_in_the_pdf(word):
    name, date = word.paragraphs[-2:]
    assert (name.text, date.text) == ("中共深圳市福田区福田街道福华社区委员会", "2025年12月31日")
    name_left, date_left = int(_ind(name._p)["leftChars"]), int(_ind(date._p)["leftChars"])
    assert name_left / 100 + len(name.text) == 28 - 2  # the name ends two characters from the edge
    assert date_left - name_left == 200  # the date starts two characters right of the name
    assert name.paragraph_format.space_before.twips == word.styles["Normal"].paragraph_format.line_spacing.twips
    assert name.paragraph_format.keep_with_next
    # The last paragraph (12 lines) is not kept with the signature: LibreOffice would move it whole.
    assert not word.paragraphs[-3].paragraph_format.keep_with_next


def test_a_short_last_paragraph_is_kept_with_the_signature():
    from rectification.documents.docx import render_docx
    from rectification.documents.model import Document, Paragraph, Run, Signature, Title

    for text, kept in (("短段落。" * 10, True), ("长段落。" * 30, False)):
        document = Document(
            title=Title(("某某党委", "关于某事的通知")),
            blocks=(Paragraph((Run("正文。" * 50),)), Paragraph((Run(text),))),
            signature=Signature(name="某某党委", date="2025年12月31日", issued_on=dt.date(2025, 12, 31)),
        )
        paragraphs = docx.Document(io.BytesIO(render_docx(document))).paragraphs
        assert paragraphs[-3].text == text and paragraphs[-3].paragraph_format.keep_with_next is (kept or None)
        assert not paragraphs[-4].paragraph_format.keep_with_next


def test_bold_subheadings_of_section_three_are_run_in_headings_of_their_level(word):
    """「（一）」 is the second heading level wherever it stands: 楷体 (the level's character
    style), not bold 仿宋."""
    (paragraph,) = [p for p in word.paragraphs if p.text.startswith("（一）强化理论武装")]
    first, rest = paragraph.runs[0], paragraph.runs[1:]
    assert first.text == "（一）强化理论武装，筑牢政治根基。" and not first.bold
    assert first.style.name == "二级标题（行内）"
    assert _rfonts(first.style)["eastAsia"] == "楷体_GB2312"
    assert rest and not any(run.bold for run in rest)
    assert paragraph.style.name == "公文正文"


def test_run_in_headings_use_a_character_style(personas):
    inspection = f.inspection(organisation=personas.tree.a)
    item = f.finding(category=f.category(inspection=inspection), heading="整改事项")
    f.measure(finding=item, title="措施", progress="已完成。")
    bulletin = Bulletin(inspection=inspection, category_heading_style=Bulletin.HeadingStyle.RUN_IN)
    word = docx.Document(io.BytesIO(render_docx(bulletin_document(bulletin))))
    (paragraph,) = [p for p in word.paragraphs if p.text.startswith("1.")]
    assert paragraph.text == "1.整改事项。措施。已完成。"
    assert (
        paragraph.runs[0].style.name == "三级标题（行内）" and paragraph.runs[1].style.name == "Default Paragraph Font"
    )
    assert _rfonts(paragraph.runs[0].style)["eastAsia"] == "仿宋_GB2312"


def test_blank_section_headings_leave_no_empty_heading_paragraph(demo):
    bulletin = _draft(demo)
    bulletin.section1_heading = bulletin.section2_heading = bulletin.section3_heading = ""
    word = docx.Document(io.BytesIO(render_docx(bulletin_document(bulletin))))
    assert not [p for p in word.paragraphs if p.style.name == "一级标题"]
    assert all(p.text.strip() for p in word.paragraphs)
    styles = [p.style.name for p in word.paragraphs]
    assert styles[1:3] == ["公文正文", "公文正文"] and "二级标题" in styles  # intro, narrative 一, categories


def test_user_text_is_plain_text(demo):
    bulletin = _draft(demo)
    bulletin.section1_text = HOSTILE
    data = render_docx(bulletin_document(bulletin))
    word = docx.Document(io.BytesIO(data))
    texts = [p.text for p in word.paragraphs]
    start = texts.index("一、党组织履行巡察整改主体责任情况") + 1
    assert texts[start : start + 3] == [
        '<script>alert("x")</script>\tand a tab',
        '<w:br/><w:fldSimple w:instr="HYPERLINK http://example.com"/> ]]> &amp; 控制符',  # XML-illegal dropped
        "<b>粗</b> 与 http://example.com/evil.png",
    ]
    bold = word.paragraphs[start + 2].runs[0]
    assert (bold.text, bold.bold) == ("<b>粗</b>", True)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = package.read("word/document.xml").decode()
        rels = package.read("word/_rels/document.xml.rels").decode()
    for element in ("<w:fldSimple", "<w:tab/>", "<w:hyperlink", "<w:instrText"):
        assert element not in body
    assert body.count("<w:br/>") == 1  # the title's line break, nothing from user text
    assert "example.com" not in rels


# ECMA-376 element sequences (17.3.1.26 pPr, 17.3.2.28 rPr): Word refuses a file whose
# elements are out of order, LibreOffice does not, so this is checked here.
PPR_SEQUENCE = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
    "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd "
    "snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
    "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()
RPR_SEQUENCE = (
    "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint noProof snapToGrid "
    "vanish webHidden color spacing w kern position sz szCs highlight u effect bdr shd fitText vertAlign rtl cs em "
    "lang eastAsianLayout specVanish oMath"
).split()


def test_elements_are_in_schema_order(fuhua_docx):
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(fuhua_docx)) as package:
        parts = [n for n in package.namelist() if n.startswith("word/") and n.endswith(".xml")]
        trees = [etree.fromstring(package.read(name)) for name in parts]
    checked = 0
    for tree in trees:
        for tag, sequence in (("w:pPr", PPR_SEQUENCE), ("w:rPr", RPR_SEQUENCE)):
            for element in tree.iter(qn(tag)):
                names = [etree.QName(child).localname for child in element]
                known = [name for name in names if name in sequence]
                assert known == sorted(known, key=sequence.index), names
                checked += 1
    assert checked > 50


def test_package_is_byte_stable(fuhua_docx):
    with zipfile.ZipFile(io.BytesIO(fuhua_docx)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = package.read("docProps/core.xml").decode()
    assert "2025-12-31" in core and "python-docx" not in core


# ------------------------------------------------------------------ LibreOffice


def test_every_named_font_is_declared_with_its_substitute_and_no_template_is_left(fuhua_docx):
    """Word on a stock Windows or Mac substitutes a missing 仿宋_GB2312 from the font
    table's alternative name, character set and PANOSE; python-docx's Mac template parts
    (thumbnail, bibliography, Word 2010 styles, Japanese fonts, "Microsoft Macintosh Word"
    14, compatibility mode) are gone."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(io.BytesIO(fuhua_docx)) as package:
        names = set(package.namelist())
        styles = etree.fromstring(package.read("word/styles.xml"))
        table = etree.fromstring(package.read("word/fontTable.xml"))
        settings_xml = etree.fromstring(package.read("word/settings.xml"))
        app = package.read("docProps/app.xml").decode()
        rels = package.read("_rels/.rels").decode() + package.read("word/_rels/document.xml.rels").decode()
        types = package.read("[Content_Types].xml").decode()
    scripts = [f"{w}{a}" for a in ("ascii", "hAnsi", "eastAsia", "cs")]
    named = {f.get(a) for f in styles.iter(f"{w}rFonts") for a in scripts if f.get(a)}
    assert {"仿宋_GB2312", "楷体_GB2312", "方正小标宋简体", "黑体", "宋体"} <= named
    declared = {f.get(f"{w}name"): f for f in table.iter(f"{w}font")}
    substitutes = {
        "仿宋_GB2312": "仿宋",
        "楷体_GB2312": "楷体",
        "方正小标宋简体": "宋体",
        "黑体": "SimHei",
        "宋体": "SimSun",
    }
    for family, alt in substitutes.items():
        font = declared[family]
        assert font.find(f"{w}altName").get(f"{w}val") == alt
        assert font.find(f"{w}charset").get(f"{w}val") == "86"  # GB 2312
        assert len(font.find(f"{w}panose1").get(f"{w}val")) == 20
        assert font.find(f"{w}sig") is not None
    assert named <= set(declared)
    assert not {"ＭＳ 明朝", "ＭＳ ゴシック", "Cambria", "Calibri"} & set(declared)
    # The grid is defined in the section, and Word opens the file in its own mode.
    modes = [
        s.get(f"{w}val") for s in settings_xml.iter(f"{w}compatSetting") if s.get(f"{w}name") == "compatibilityMode"
    ]
    assert modes == ["15"]
    assert "Macintosh" not in app and "AppVersion" not in app and "巡察整改管理" in app
    assert not {n for n in names if "thumbnail" in n or n.startswith("customXml/") or "stylesWithEffects" in n}
    for leftover in ("thumbnail", "customXml", "stylesWithEffects", "jpeg"):
        assert leftover not in rels and leftover not in types


def _font_aliases() -> str:
    """fontconfig rules: each official family name → the vendored free face that stands in
    for it in the PDF (layout ``typefaces``), with the free face's weight."""
    rules, seen = [], set()
    for spec in LAYOUT["typefaces"].values():
        with TTFont(static_path(spec["free"]), lazy=True) as font:
            family = font["name"].getBestFamilyName()
        weight = '<edit name="weight" mode="assign"><const>bold</const></edit>' if spec["free_weight"] >= 600 else ""
        for name in spec["official"]:
            if name not in seen:
                seen.add(name)
                rules.append(
                    f'<match target="pattern"><test name="family"><string>{escape(name)}</string></test>'
                    f'<edit name="family" mode="assign" binding="strong"><string>{escape(family)}</string></edit>'
                    f"{weight}</match>"
                )
    return "\n".join(rules)


def _fonts_conf(directory: Path) -> Path:
    """The system configuration plus our fonts and aliases. The system's Noto CJK files
    are left out so that LibreOffice, like the PDF test, draws with the vendored faces."""
    fonts_dir = Path(static_path(LAYOUT["typefaces"]["fang"]["free"])).parent
    conf = directory / "fonts.conf"
    conf.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>{escape(str(fonts_dir))}</dir>
  <cachedir>{escape(str(directory / "fc-cache"))}</cachedir>
  <selectfont><rejectfont><glob>/usr/share/fonts/opentype/noto/Noto*CJK*</glob></rejectfont></selectfont>
{_font_aliases()}
</fontconfig>
""",
        encoding="utf-8",
    )
    return conf


def _soffice_to_pdf(source: Path, out: Path, fonts_conf: Path) -> bytes:
    """LibreOffice headless with a throw-away profile, so parallel runs never share one."""
    profile = tempfile.mkdtemp(prefix="lo-", dir="/tmp")
    try:
        result = subprocess.run(
            [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
            + ["--convert-to", "pdf", "--outdir", str(out), str(source)],
            env={**os.environ, "FONTCONFIG_FILE": str(fonts_conf)},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = out / (source.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice wrote no PDF (exit {result.returncode}): {result.stderr[-2000:]}"
    return pdf.read_bytes()


@pytest.fixture(scope="module")
def lo_pdf(fuhua_docx, tmp_path_factory) -> bytes:
    """The Fuhua .docx as LibreOffice prints it (converted once for the module)."""
    if not SOFFICE:
        pytest.skip("LibreOffice (soffice) is not installed: `make test` installs libreoffice-writer-nogui")
    work = tmp_path_factory.mktemp("lo")
    source = work / "fuhua.docx"
    source.write_bytes(fuhua_docx)
    return _soffice_to_pdf(source, work, _fonts_conf(work))


@needs_libreoffice
@needs_poppler
def test_libreoffice_text_matches_the_seed(lo_pdf):
    ratio = seed_similarity(pdftotext(lo_pdf))
    print(f"similarity of the LibreOffice PDF to the seed: {ratio:.4f}")
    assert ratio >= 0.999


def _lines(page) -> dict[float, list[dict]]:
    """Body characters (16 pt) of a page by line."""
    lines: dict[float, list[dict]] = collections.defaultdict(list)
    for c in page.chars:
        if round(c["size"]) == 16:
            lines[round(c["top"], 1)].append(c)
    return lines


def _face(c: dict) -> str:
    return c["fontname"].split("+")[-1].split("-")[0]


def _check_lines_on_the_grid(page, lines: dict[float, list[dict]]) -> None:
    """Baselines (from the page top) one or more grid pitches (28.95 pt) apart. Exactly so
    for the body face (FandolFang); a line in another face within 2 pt of that lattice:
    LibreOffice centres a snapped line in its grid line, so a face with other ascent and
    descent (Noto Sans CJK, the 黑体 stand-in) sits up to 1.7 pt higher."""
    baselines = {round(page.height - chars[0]["matrix"][5], 2): _face(chars[0]) for chars in lines.values()}
    body = sorted(b for b, face in baselines.items() if face == "FandolFang")
    assert all(
        (b - a) / 28.95 == pytest.approx(round((b - a) / 28.95), abs=0.01) for a, b in zip(body, body[1:], strict=False)
    ), body
    for b in baselines:
        offset = (b - body[0]) % 28.95
        assert min(offset, 28.95 - offset) <= 2, (b, baselines[b], body)


@needs_libreoffice
def test_libreoffice_layout_keeps_the_grid_and_the_page_numbers(lo_pdf):
    with pdfplumber.open(io.BytesIO(lo_pdf)) as pdf:
        per_line, most_lines = collections.Counter(), 0
        for page in pdf.pages:
            assert (round(page.width, 1), round(page.height, 1)) == (595.3, 841.9)  # A4
            lines = _lines(page)
            tops = sorted(lines)
            assert tops[0] >= TOP - 1 and max(c["bottom"] for c in page.chars if c["top"] < BOTTOM) <= BOTTOM + 1
            _check_lines_on_the_grid(page, lines)
            most_lines = max(most_lines, round((tops[-1] - tops[0]) / 28.95) + 1)
            per_line.update(len(chars) for chars in lines.values())
            number = [c for c in page.chars if c["top"] > BOTTOM]
            assert "".join(c["text"] for c in number).replace(" ", "") == f"—{page.page_number}—"
            assert {round(c["size"]) for c in number} == {14}
            assert min(c["top"] for c in number) == pytest.approx(BOTTOM + mm_to_pt(7), abs=3)
            if page.page_number % 2:
                assert max(c["x1"] for c in number) == pytest.approx(RIGHT - 14, abs=2)
            else:
                assert min(c["x0"] for c in number) == pytest.approx(LEFT + 14, abs=2)
        assert most_lines == 22
        assert per_line.most_common(1)[0][0] == 28  # 28 characters make a full line


@needs_libreoffice
def test_libreoffice_fills_every_page_but_the_last(lo_pdf):
    """No page ends far above the type area's foot: at least 18 body lines on every page
    but the last (the first counts the title's two lines as body lines)."""
    with pdfplumber.open(io.BytesIO(lo_pdf)) as doc:
        counts = [len([t for t in _lines(page) if t < BOTTOM]) for page in doc.pages]
    print(f"body lines per page in LibreOffice: {counts}")
    assert all(n >= 18 for n in counts[1:-1]) and counts[0] >= 16, counts


@needs_libreoffice
def test_libreoffice_draws_each_role_in_its_stand_in_face(lo_pdf):
    with pdfplumber.open(io.BytesIO(lo_pdf)) as pdf:
        first, second = pdf.pages[0], pdf.pages[1]
        title = [c for c in first.chars if round(c["size"]) == 22]
        assert {c["fontname"].split("+")[1].split("-")[0] for c in title} == {"NotoSerifCJKjp"}
        assert (min(c["x0"] for c in title) + max(c["x1"] for c in title)) / 2 == pytest.approx(
            (LEFT + RIGHT) / 2, abs=2
        )

        def face_of(page, text: str) -> set[str]:
            for chars in _lines(page).values():
                if "".join(c["text"] for c in chars).startswith(text):
                    return {c["fontname"].split("+")[1].split("-")[0] for c in chars}
            raise AssertionError(f"no line starting with {text}")

        assert face_of(first, "一、党组织") == {"NotoSansCJKjp"}  # 黑体 → Noto Sans CJK SC (one CFF for all)
        assert face_of(second, "（一）关于") == {"FandolKai"}  # 楷体_GB2312
        assert face_of(second, "1.深入学习") == {"FandolFang"}  # 仿宋_GB2312, digits included


@needs_libreoffice
@needs_poppler
def test_libreoffice_screenshots_of_the_first_two_pages(lo_pdf, tmp_path):
    """For a person to look at: test-artifacts/bulletin-docx/fuhua-docx-<page>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "fuhua-docx.pdf"
    source.write_bytes(lo_pdf)
    for page in (1, 2):
        target = ARTIFACTS / f"fuhua-docx-{page}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "72", "-f", str(page), "-l", str(page), "-singlefile", source, target],
            check=True,
        )
        assert target.with_suffix(".png").stat().st_size > 10_000


# ------------------------------------------------------------------ publishing, downloads, command


@pytest.fixture
def small(personas, settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"
    inspection = f.inspection(organisation=personas.tree.a)
    item = f.finding(category=f.category(inspection=inspection, title="关于测试方面"), heading="测试事项")
    f.measure(finding=item, title="第一项措施", progress="已完成。", status=Measure.Status.DONE)
    return inspection


def _publish(inspection, user, **kw) -> BulletinVersion:
    return services.bulletin_publish(inspection=inspection, user=user, today=dt.date(2025, 12, 31), **kw)


def _docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_publishing_freezes_the_docx_with_its_sha256(small, personas):
    v1 = _publish(small, personas.secretary_a)
    frozen = bytes(v1.docx)
    assert v1.docx_sha256 == hashlib.sha256(frozen).hexdigest() and "第一项措施。已完成。" in _docx_text(frozen)

    Measure.objects.filter(finding__category__inspection=small).update(progress="进展已更新。")
    v2 = _publish(small, personas.secretary_a)

    v1.refresh_from_db()
    assert bytes(v1.docx) == frozen and v1.docx_sha256 == hashlib.sha256(frozen).hexdigest()
    assert "进展已更新" in _docx_text(bytes(v2.docx)) and v2.docx_sha256 != v1.docx_sha256


def test_a_docx_writer_failure_publishes_nothing(small, personas, monkeypatch):
    def broken(document):
        raise RuntimeError("python-docx failed")

    monkeypatch.setattr(documents_writers, "render_docx", broken)
    with pytest.raises(RuntimeError):
        _publish(small, personas.secretary_a)
    assert not BulletinVersion.objects.exists()


def test_draft_docx_download(client, small, personas, django_assert_num_queries):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:bulletin_docx", args=[small.pk])
    # session, user, memberships (scope), inspection with organisation, draft, the tree
    # (categories, findings, measures), the acceptance rule: however large the inspection
    with django_assert_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment") and ".docx" in response["Content-Disposition"]
    assert response["ETag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
    assert "第一项措施。已完成。" in _docx_text(response.content)
    editor = client.get(reverse("rectification:bulletin_edit", args=[small.pk])).content.decode()
    assert url in editor and "下载草稿 Word" in editor
    client.force_login(personas.staff_a)
    assert client.get(url).status_code == 403


def test_public_docx_download_and_links(client, small, personas, django_assert_num_queries):
    version = _publish(small, personas.secretary_a)
    slug = small.organisation.slug
    url = reverse("rectification:public_bulletin_docx", args=[slug, version.bulletin_id, 1])
    with django_assert_num_queries(2):  # the address's validators, the version's Word file
        response = client.get(url)
    assert response.status_code == 200 and response.content == bytes(version.docx)
    assert response["ETag"] == f'"{version.docx_sha256}"'
    for page in ("public_bulletin_list",):
        assert url in client.get(reverse(f"rectification:{page}", args=[slug])).content.decode()
    client.force_login(personas.staff_a)
    assert url in client.get(reverse("rectification:bulletin_versions", args=[small.pk])).content.decode()
    # A version frozen before there was a Word file has none to give, and no link to it.
    BulletinVersion.objects.filter(pk=version.pk).update(docx=None, docx_sha256="")
    cache.clear()  # the public addresses keep a version's validators (a real version never changes)
    client.logout()
    assert client.get(url).status_code == 404
    assert url not in client.get(reverse("rectification:public_bulletin_list", args=[slug])).content.decode()
    other = personas.tree.b.slug
    assert (
        client.get(reverse("rectification:public_bulletin_docx", args=[other, version.bulletin_id, 1])).status_code
        == 404
    )


def test_render_bulletin_command_writes_the_docx(small, tmp_path):
    target = tmp_path / "out.docx"
    out = io.StringIO()
    call_command("render_bulletin", str(small.pk), "--docx", str(target), stdout=out)
    assert "第一项措施。已完成。" in _docx_text(target.read_bytes()) and f"wrote {target}" in out.getvalue()
