"""The 整改验收意见 as files: a second-round opinion of the street on two measures of the
Fuhua demo, and a passed one, read back from the PDF (pdftotext, pdfplumber's table) and
the .docx (python-docx), laid out as the bulletin and the 督办函 are (type area, page
numbers, 28 characters × 22 lines on body pages, number and addressee flush left), and
PNG pages under test-artifacts/acceptance-opinion/ for a person to look at."""

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
from .helpers.document_layout import (
    BODY_SIZE,
    LEFT,
    annex_rows,
    check_body_grid,
    check_page_geometry,
    needs_poppler,
    save_png_pages,
)
from .test_urging_document_files import line_starts

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "acceptance-opinion"
ISSUED = dt.datetime(2025, 12, 10, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
TEXT = (
    "验收组通过听取汇报、查阅资料、实地察看和个别谈话等方式，对你单位巡察整改情况进行了全面检查。"
    "你单位党委高度重视巡察整改工作，成立整改工作领导小组，制定整改方案，建立整改台账，"
    "大部分整改措施已落实到位。\n"
    "验收中也发现，个别整改措施推进缓慢，佐证材料不够完整，长效机制建设有待加强。"
)
HEADER = ["序号", "反馈问题", "整改措施", "完成时限", "逾期情况"]


@dataclasses.dataclass(frozen=True)
class Files:
    pdf: bytes
    docx: bytes
    number: str
    measures: list[tuple[str, str]]  # (problem, title)
    body_pages: list[int]
    passed_pdf: bytes
    passed_docx: bytes
    total: int


@pytest.fixture(scope="module")
def files(django_db_setup, django_db_blocker) -> Files:
    """Two opinions of the street on Fuhua's inspection, rendered once with the vendored
    fonts; the demo data is rolled back."""
    from django.test import override_settings

    from rectification.devdata.demo import demo_load
    from rectification.documents.kinds.acceptance_opinion import acceptance_opinion_render
    from rectification.models import AcceptanceOpinion, Inspection, Measure, Membership, Organisation
    from rectification.selectors.acceptance_opinions import acceptance_opinion, figures_of

    with django_db_blocker.unblock(), transaction.atomic(), override_settings(BULLETIN_FONTS="free"):
        demo_load()
        inspection = Inspection.objects.select_related("organisation").get(organisation__slug="fuhua")
        street = inspection.organisation.parent
        user = Membership.objects.filter(organisation=street, role="supervisor").first().user
        measures = list(
            Measure.objects.filter(finding__category__inspection=inspection, due_on__isnull=False)
            .exclude(status="done")
            .select_related("finding")
            .order_by("due_on", "pk")[:2]
        )
        common = {"inspection": inspection, "issuer": street, "text": TEXT, "state": "issued", "prefix": "福田巡验",
                  "year": 2025, "drafted_by": user, "issued_by": user, "issued_at": ISSUED}  # fmt: skip
        second = AcceptanceOpinion.objects.create(
            round=1, conclusion="second_round", second_due_on=dt.date(2026, 1, 31), serial=2, **common
        )
        second.measures.set(measures)
        passed = AcceptanceOpinion.objects.create(round=2, conclusion="passed", serial=3, **common)
        rendered = []
        for opinion in (second, passed):
            loaded = acceptance_opinion(pk=opinion.pk, organisations=Organisation.objects.all())
            out = acceptance_opinion_render(loaded, figures_of(loaded, today=ISSUED.date()), today=ISSUED.date())
            assert out.pdf.warnings == []
            rendered.append(out)
        with pdfplumber.open(io.BytesIO(rendered[0].pdf.pdf)) as pdf:
            first_annex = next(p.page_number for p in pdf.pages if (p.extract_text() or "").startswith("附件"))
        ordered = sorted(measures, key=lambda m: (m.finding.category_id, m.finding.position, m.position))
        out = Files(
            rendered[0].pdf.pdf,
            rendered[0].docx,
            second.number,
            [(m.finding.problem, m.title) for m in ordered],
            list(range(1, first_annex)),
            rendered[1].pdf.pdf,
            rendered[1].docx,
            Measure.objects.filter(finding__category__inspection=inspection).count(),
        )
        transaction.set_rollback(True)
    return out


def test_pdf_pages_meet_the_bulletins_layout_checks(files):
    pages = check_page_geometry(files.pdf)
    assert files.body_pages and pages > len(files.body_pages)
    # The grid is measured on full pages: the last page of the body holds a few lines only.
    assert len(files.body_pages) == 2
    check_body_grid(files.pdf, files.body_pages[:-1])
    assert check_page_geometry(files.passed_pdf) == 2
    check_body_grid(files.passed_pdf, [1])
    with pdfplumber.open(io.BytesIO(files.pdf)) as pdf:
        title = [c for c in pdf.pages[0].chars if round(c["size"]) == 22]
        assert title and all(c["fontname"].split("+")[1].startswith("GB-NotoSerifCJKsc-Bold") for c in title)


@needs_poppler
def test_pdf_reads_back_with_number_addressee_conclusion_and_measures(files):
    text = normalise(pdftotext(files.pdf))
    assert "关于福华社区党委巡察整改情况的验收意见" in text
    assert files.number == "福田巡验〔2025〕2号" and files.number in text
    assert "中共深圳市福田区福田街道福华社区委员会：" in text
    assert "一、整改完成情况" in text and "二、验收结论" in text
    assert f"你单位制定整改措施{files.total}项" in text
    assert "验收组通过听取汇报" in text and "长效机制建设有待加强" in text
    assert "验收结论为限期二次整改" in text and "于2026年1月31日前整改到位" in text
    assert "附件：二次整改事项清单" in text and "2025年12月10日" in text
    rows, _pages = annex_rows(files.pdf, HEADER)
    assert [(normalise(r[1]), normalise(r[2])) for r in rows] == [
        (normalise(p), normalise(t)) for p, t in files.measures
    ]
    passed = normalise(pdftotext(files.passed_pdf))
    assert "福田巡验〔2025〕3号" in passed and "整改通过验收" in passed and "附件" not in passed


def test_number_and_addressee_are_flush_left(files):
    for pdf in (files.pdf, files.passed_pdf):
        starts = line_starts(pdf)
        at = next(i for i, (text, _x) in enumerate(starts) if text.startswith("福田巡验"))
        (_n, number), (addressee_text, addressee), (_i, intro) = starts[at : at + 3]
        assert addressee_text.startswith("中共深圳市福田区")
        assert number == pytest.approx(LEFT, abs=0.5) and addressee == pytest.approx(LEFT, abs=0.5)
        assert intro == pytest.approx(LEFT + 2 * BODY_SIZE, abs=0.5)


def test_docx_reads_back_with_the_same_text(files):
    document = docx.Document(io.BytesIO(files.docx))
    paragraphs = [p.text for p in document.paragraphs]
    text = normalise("".join(paragraphs))
    assert "关于福华社区党委巡察整改情况的验收意见" in text and files.number in text
    assert "验收结论为限期二次整改" in text and "于2026年1月31日前整改到位" in text
    for line in (files.number, "中共深圳市福田区福田街道福华社区委员会："):
        assert document.paragraphs[paragraphs.index(line)].paragraph_format.first_line_indent == 0
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == HEADER
    assert [normalise(r.cells[2].text) for r in table.rows[1:]] == [normalise(t) for _p, t in files.measures]
    passed = docx.Document(io.BytesIO(files.passed_docx))
    assert not passed.tables and "整改通过验收" in "".join(p.text for p in passed.paragraphs)


@needs_poppler
def test_png_pages_for_a_person_to_look_at(files, tmp_path):
    assert save_png_pages(files.pdf, ARTIFACTS, "second-round", tmp_path) == 3
    assert save_png_pages(files.passed_pdf, ARTIFACTS, "passed", tmp_path) == 2
