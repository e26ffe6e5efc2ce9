"""The 督办函 as files: a letter on two overdue measures of the Fuhua demo, read back from
the PDF (pdftotext, pdfplumber's table) and the .docx (python-docx), laid out as the
bulletin is (type area, page numbers, 28 characters × 22 lines on body pages), and PNG
pages under test-artifacts/urging/ for a person to look at."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zoneinfo
from pathlib import Path

import docx
import pdfplumber
import pytest
from django.conf import settings
from django.db import transaction

from .helpers.bulletin_text import normalise, pdftotext
from .helpers.document_layout import annex_rows, check_body_grid, check_page_geometry, needs_poppler, save_png_pages

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "urging"
ISSUED = dt.datetime(2025, 7, 1, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
TEXT = (
    "今年以来，你单位巡察整改工作总体有序推进，但部分整改措施进展缓慢，已超过承诺的完成时限，"
    "整改责任落实不到位，群众反映的问题未能及时解决。\n"
    "请你单位党委切实扛起整改主体责任，对照督办事项逐项分析原因，明确责任人和完成时间，"
    "确保督办事项按期整改到位，并举一反三，建立健全长效机制，防止问题反弹。\n"
    "对督办后仍整改不力、敷衍整改的，将按照有关规定严肃追责问责。"
)
HEADER = ["序号", "反馈问题", "整改措施", "完成时限", "逾期情况"]


@dataclasses.dataclass(frozen=True)
class Files:
    pdf: bytes
    docx: bytes
    number: str
    measures: list[tuple[str, str]]  # (problem, title)
    body_pages: list[int]


@pytest.fixture(scope="module")
def files(django_db_setup, django_db_blocker) -> Files:
    """A letter from the street to Fuhua on its two earliest-due open measures, rendered
    once with the vendored fonts; the demo data is rolled back."""
    from django.test import override_settings

    from rectification.devdata.demo import demo_load
    from rectification.documents.kinds.urging import urging_render
    from rectification.models import Inspection, Measure, Membership, UrgingLetter
    from rectification.selectors.urging import urging_letter

    with django_db_blocker.unblock(), transaction.atomic(), override_settings(BULLETIN_FONTS="free"):
        demo_load()
        inspection = Inspection.objects.select_related("organisation").get(organisation__slug="fuhua")
        street = inspection.organisation.parent
        supervisor = Membership.objects.filter(organisation=street, role="supervisor").first()
        user = (
            supervisor.user if supervisor else Membership.objects.filter(organisation=inspection.organisation)[0].user
        )
        measures = list(
            Measure.objects.filter(finding__category__inspection=inspection, due_on__isnull=False)
            .exclude(status="done")
            .select_related("finding")
            .order_by("due_on", "pk")[:2]
        )
        letter = UrgingLetter.objects.create(
            issuer=street, organisation=inspection.organisation, inspection=inspection, prefix="福田巡督", year=2025,
            serial=3, subject="关于加快推进巡察整改工作的督办函", text=TEXT, reply_due_on=dt.date(2025, 7, 15),
            issued_by=user, issued_at=ISSUED,
        )  # fmt: skip
        letter.measures.set(measures)
        loaded = urging_letter(pk=letter.pk, organisations=type(street).objects.all())
        rendered = urging_render(loaded, today=dt.date(2025, 7, 1))
        assert rendered.pdf.warnings == []
        with pdfplumber.open(io.BytesIO(rendered.pdf.pdf)) as pdf:
            first_annex = next(p.page_number for p in pdf.pages if (p.extract_text() or "").startswith("附件"))
        ordered = sorted(measures, key=lambda m: (m.finding.category_id, m.finding.position, m.position))
        out = Files(
            rendered.pdf.pdf,
            rendered.docx,
            letter.number,
            [(m.finding.problem, m.title) for m in ordered],
            list(range(1, first_annex)),
        )
        transaction.set_rollback(True)
    return out


def test_pdf_pages_meet_the_bulletins_layout_checks(files):
    pages = check_page_geometry(files.pdf)
    assert files.body_pages and pages > len(files.body_pages)
    check_body_grid(files.pdf, files.body_pages)
    with pdfplumber.open(io.BytesIO(files.pdf)) as pdf:
        title = [c for c in pdf.pages[0].chars if round(c["size"]) == 22]
        assert title and all(c["fontname"].split("+")[1].startswith("GB-NotoSerifCJKsc-Bold") for c in title)


@needs_poppler
def test_pdf_reads_back_with_its_number_addressee_deadline_and_measures(files):
    text = normalise(pdftotext(files.pdf))
    assert "关于加快推进巡察整改工作的督办函" in text
    assert "福田巡督〔2025〕3号" in text and files.number == "福田巡督〔2025〕3号"
    assert "中共深圳市福田区福田街道福华社区委员会：" in text
    assert "请于2025年7月15日前将整改落实情况书面回复" in text
    assert "附件：督办事项清单" in text and "2025年7月1日" in text
    rows, _pages = annex_rows(files.pdf, HEADER)
    assert [(normalise(r[1]), normalise(r[2])) for r in rows] == [
        (normalise(p), normalise(t)) for p, t in files.measures
    ]
    assert all(r[4].startswith("已超期") for r in rows)  # both were due before the letter


def test_docx_reads_back_with_the_same_text(files):
    document = docx.Document(io.BytesIO(files.docx))
    text = normalise("".join(p.text for p in document.paragraphs))
    assert "关于加快推进巡察整改工作的督办函" in text and "福田巡督〔2025〕3号" in text
    assert "请于2025年7月15日前将整改落实情况书面回复" in text
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == HEADER
    assert [normalise(r.cells[2].text) for r in table.rows[1:]] == [normalise(t) for _p, t in files.measures]


@needs_poppler
def test_png_pages_for_a_person_to_look_at(files, tmp_path):
    assert save_png_pages(files.pdf, ARTIFACTS, "letter", tmp_path) >= 2


def line_starts(pdf: bytes) -> list[tuple[str, float]]:
    """(text, left edge) of each body-size line of the first page, top to bottom."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        lines: dict[float, list] = {}
        for c in page.chars:
            if round(c["size"]) == 16:
                lines.setdefault(round(c["bottom"], 1), []).append(c)
    ordered = [sorted(lines[key], key=lambda c: c["x0"]) for key in sorted(lines)]
    return [("".join(c["text"] for c in cs), cs[0]["x0"]) for cs in ordered]


def test_number_and_addressee_are_flush_left_and_the_body_indented(files):
    """发文字号 and 主送机关 start at the type area's left edge (顶格); the text that follows
    is indented two characters, in the PDF and in Word alike."""
    from .helpers.document_layout import BODY_SIZE, LEFT

    starts = line_starts(files.pdf)
    texts = [text for text, _x in starts]
    at = next(i for i, text in enumerate(texts) if text.startswith("福田巡督"))
    assert texts[at + 1].startswith("中共深圳市福田区")
    (_t, number), (_a, addressee), (_b, body) = starts[at : at + 3]
    assert number == pytest.approx(LEFT, abs=0.5) and addressee == pytest.approx(LEFT, abs=0.5)
    assert body == pytest.approx(LEFT + 2 * BODY_SIZE, abs=0.5)
    document = docx.Document(io.BytesIO(files.docx))
    by_text = {p.text: p for p in document.paragraphs}
    for text in (files.number, "中共深圳市福田区福田街道福华社区委员会："):
        fmt = by_text[text].paragraph_format
        assert fmt.first_line_indent == 0, text
    texts = [p.text for p in document.paragraphs]
    body_paragraph = document.paragraphs[texts.index(files.number) + 2]
    assert body_paragraph.paragraph_format.first_line_indent is None  # the body style's indent
    assert document.styles[body_paragraph.style.name].paragraph_format.first_line_indent > 0
