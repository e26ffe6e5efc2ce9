"""The plan and the report of the Fuhua demo as files: read back from the PDF (pdftotext,
pdfplumber's tables) and the .docx (python-docx), laid out as the bulletin is (type area,
page numbers, 28 characters × 22 lines on body pages), the annex tables' header row on
every page (PDF text and w:tblHeader), landscape pages and sections, and PNG pages under
test-artifacts/upward/ for a person to look at."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import docx
import pdfplumber
import pytest
from django.conf import settings
from django.db import transaction
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from .helpers.bulletin_text import normalise, pdftotext
from .helpers.document_layout import annex_rows, check_body_grid, check_page_geometry

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "upward"
POPPLER = shutil.which("pdftotext") and shutil.which("pdftoppm")
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) not installed")
TODAY = dt.date(2025, 6, 30)
CONTENT = {
    "general_requirements": (
        "坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻落实党的二十大精神，把巡察整改作为重要政治任务，"
        "以“钉钉子”精神抓好反馈问题整改落实，确保问题件件有着落、事事有回音。"
    ),
    "safeguards": "（一）加强组织领导。党委书记切实履行第一责任人职责，班子成员抓好分管领域整改。\n"
    "（二）强化督促检查。定期调度整改进展，对整改不力的严肃问责。",
    "work_done": "社区党委召开专题会议研究部署整改工作，成立整改工作领导小组，逐项明确责任。",
    "next_steps": "持续巩固整改成果，建立健全长效机制，防止问题反弹。",
}


@dataclasses.dataclass(frozen=True)
class Files:
    kind: str
    pdf: bytes
    docx: bytes
    body_pages: list[int]  # pages before the first annex
    measures: list[dict]
    findings: list[str]


@pytest.fixture(scope="module")
def files(django_db_setup, django_db_blocker) -> dict[str, Files]:
    """Both documents of the Fuhua demo, rendered once for the module with the vendored
    fonts; the demo data is rolled back."""
    from django.test import override_settings

    from rectification.devdata.demo import demo_load
    from rectification.documents.kinds.upward import upward_render
    from rectification.models import Finding, Inspection, Measure
    from rectification.selectors.upward import upward_draft

    out = {}
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(BULLETIN_FONTS="free"):
        demo_load()
        inspection = Inspection.objects.select_related("organisation").get(organisation__slug="fuhua")
        measures = [
            {
                "title": m.title,
                "kind": m.kind,
                "due_on": m.due_on,
                "leader": m.leader.name,
                "owners": "、".join(p.name for p in m.owners.all()),
                "unit": m.unit,
                "status": m.status,
            }
            for m in Measure.objects.filter(finding__category__inspection=inspection)
            .select_related("leader")
            .prefetch_related("owners")
            .order_by("finding__category__position", "finding__position", "position")
        ]
        findings = list(
            Finding.objects.filter(category__inspection=inspection)
            .order_by("category__position", "position")
            .values_list("problem", flat=True)
        )
        for kind in ("plan", "report"):
            draft = upward_draft(inspection=inspection, kind=kind)
            draft.content = CONTENT
            rendered = upward_render(draft, today=TODAY, use_cache=False)
            assert rendered.pdf.warnings == []
            with pdfplumber.open(io.BytesIO(rendered.pdf.pdf)) as pdf:
                first_annex = next(p.page_number for p in pdf.pages if (p.extract_text() or "").startswith("附件"))
            out[kind] = Files(kind, rendered.pdf.pdf, rendered.docx, list(range(1, first_annex)), measures, findings)
        transaction.set_rollback(True)
    return out


def _date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


KIND_TEXT = {"immediate": "立行立改", "time_bound": "限期整改", "ongoing": "长期坚持"}
STATUS_TEXT = {"not_started": "未启动", "in_progress": "推进中", "awaiting_sign_off": "待销号", "done": "已完成"}
TASKS = ["序号", "问题", "编号", "整改措施", "整改类型", "完成时限"]
DUTIES = ["编号", "整改措施", "责任领导", "责任人", "责任部门"]
PROBLEMS = ["序号", "问题类别", "问题"]
LEDGER = ["序号", "问题", "编号", "整改措施", "责任领导", "责任人", "完成时限", "整改状态"]


# ------------------------------------------------------------------ the PDF


@pytest.mark.parametrize("kind", ["plan", "report"])
def test_pdf_pages_meet_the_bulletins_layout_checks(files, kind):
    doc = files[kind]
    pages = check_page_geometry(doc.pdf)
    assert doc.body_pages and pages > len(doc.body_pages)
    check_body_grid(doc.pdf, doc.body_pages)
    with pdfplumber.open(io.BytesIO(doc.pdf)) as pdf:
        title = [c for c in pdf.pages[0].chars if round(c["size"]) == 22]
        assert title and all(c["fontname"].split("+")[1].startswith("GB-NotoSerifCJKsc-Bold") for c in title)
        orientation = ["landscape" if p.width > p.height else "portrait" for p in pdf.pages]
    assert orientation[: len(doc.body_pages)] == ["portrait"] * len(doc.body_pages)
    assert "landscape" in orientation  # the wide annex tables


@needs_poppler
def test_plan_pdf_reads_back_with_its_three_lists(files):
    doc = files["plan"]
    text = normalise(pdftotext(doc.pdf))
    assert "中共深圳市福田区福田街道福华社区委员会关于落实区委第四巡察组反馈意见的整改方案" in text
    assert "附件：1.问题清单2.任务清单3.责任清单" in text and "党组织书记（签字）：" in text
    problems, _pages = annex_rows(doc.pdf, PROBLEMS, spanned=(1,))
    assert [row[2] for row in problems] == doc.findings  # every finding once, in its internal wording
    tasks, task_pages = annex_rows(doc.pdf, TASKS, spanned=(0, 1))
    duties, duty_pages = annex_rows(doc.pdf, DUTIES)
    assert len(tasks) == len(duties) == len(doc.measures) == 29
    for measure, task, duty in zip(doc.measures, tasks, duties, strict=True):
        assert task[2] == duty[0] and task[3] == duty[1] == measure["title"].rstrip("，；")
        assert task[4] == KIND_TEXT[measure["kind"]]
        assert task[5] == ("长期坚持" if measure["kind"] == "ongoing" else _date(measure["due_on"]))
        assert (duty[2], duty[3], duty[4]) == (measure["leader"], measure["owners"], measure["unit"])
        assert doc.findings[int(task[0]) - 1] == task[1]  # the measure's problem
    # Each list goes over more than one page, and its header row is on every one of them.
    assert len(task_pages) >= 2 and task_pages == list(range(task_pages[0], task_pages[-1] + 1))
    assert len(duty_pages) >= 2 and duty_pages == list(range(duty_pages[0], duty_pages[-1] + 1))
    for page in (task_pages[1], duty_pages[1]):  # the repeated header, not 附件2 / 附件3
        assert first_line(pdftotext_page(doc.pdf, page)) in ("".join(TASKS), "".join(DUTIES))


def pdftotext_page(pdf: bytes, page: int) -> str:
    """The page's text as laid out (pdftotext -layout): its first line is its top row."""
    args = ["pdftotext", "-layout", "-f", str(page), "-l", str(page), "-", "-"]
    return subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()


def first_line(text: str) -> str:
    return next(normalise(line) for line in text.splitlines() if line.strip())


@needs_poppler
def test_report_pdf_reads_back_with_its_ledger(files):
    doc = files["report"]
    text = normalise(pdftotext(doc.pdf))
    assert "关于巡察整改情况的报告" in text and "三、整改成效" in text and "附件：巡察整改台账" in text
    for problem in doc.findings:
        assert normalise(problem) in text
    rows, pages = annex_rows(doc.pdf, LEDGER, spanned=(0, 1))
    assert len(rows) == len(doc.measures) and len(pages) >= 2
    for measure, row in zip(doc.measures, rows, strict=True):
        assert (row[3], row[4], row[5]) == (measure["title"], measure["leader"], measure["owners"])
        assert row[7].startswith(STATUS_TEXT[measure["status"]])
    assert first_line(pdftotext_page(doc.pdf, pages[1])) == "".join(LEDGER)


@needs_poppler
@pytest.mark.parametrize("kind", ["plan", "report"])
def test_png_pages_for_a_person_to_look_at(files, kind, tmp_path):
    """test-artifacts/upward/<kind>-<page>.png: the first page, the last body page, each
    annex's first page and the page after it (the repeated header)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = files[kind]
    source = tmp_path / f"{kind}.pdf"
    source.write_bytes(doc.pdf)
    with pdfplumber.open(io.BytesIO(doc.pdf)) as pdf:
        total = len(pdf.pages)
        annex_starts = [p.page_number for p in pdf.pages if (p.extract_text() or "").startswith("附件")]
    wanted = sorted({1, doc.body_pages[-1], *annex_starts, *(min(n + 1, total) for n in annex_starts)})
    for page in wanted:
        target = ARTIFACTS / f"{kind}-{page}"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page), "-singlefile", source, target],
            check=True,
        )
        assert target.with_suffix(".png").stat().st_size > 10_000
    (ARTIFACTS / f"{kind}.pdf").write_bytes(doc.pdf)


# ------------------------------------------------------------------ the .docx


def _tables(data: bytes) -> list:
    return docx.Document(io.BytesIO(data)).tables


def _rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def test_plan_docx_has_the_three_lists_with_repeated_headers(files):
    doc = files["plan"]
    word = docx.Document(io.BytesIO(doc.docx))
    problems, tasks, duties = word.tables
    assert _rows(problems)[0] == PROBLEMS and _rows(tasks)[0] == TASKS and _rows(duties)[0] == DUTIES
    assert [row[2] for row in _rows(problems)[1:]] == doc.findings
    for measure, task, duty in zip(doc.measures, _rows(tasks)[1:], _rows(duties)[1:], strict=True):
        assert task[3] == duty[1] == measure["title"].rstrip("，；") and task[4] == KIND_TEXT[measure["kind"]]
        assert task[5] == ("长期坚持" if measure["kind"] == "ongoing" else _date(measure["due_on"]))
        assert (duty[2], duty[3], duty[4]) == (measure["leader"], measure["owners"], measure["unit"])
    for table in word.tables:
        header, *body = table.rows
        assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
        assert all(row._tr.trPr.find(qn("w:tblHeader")) is None for row in body)
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows)
        assert table._tbl.tblPr.find(qn("w:tblBorders")) is not None
    # the problem cell spans its measures (w:vMerge), as in the PDF
    assert tasks._tbl.xpath(".//w:vMerge")


def test_docx_sections_portrait_body_then_landscape_annexes(files):
    word = docx.Document(io.BytesIO(files["plan"].docx))
    orientations = [s.orientation for s in word.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE]  # 附件1 portrait, 附件2 and 3 landscape
    body, wide = word.sections
    assert [round(m.mm, 1) for m in (body.top_margin, body.left_margin, body.right_margin, body.bottom_margin)] == [
        37.0,
        28.0,
        26.0,
        35.0,
    ]
    assert (round(wide.page_width.mm), round(wide.page_height.mm)) == (297, 210)
    assert [round(m.mm, 1) for m in (wide.top_margin, wide.right_margin, wide.bottom_margin, wide.left_margin)] == [
        28.0,
        37.0,
        26.0,
        35.0,
    ]
    assert wide.footer.is_linked_to_previous  # the page numbers go on
    # The portrait pages keep the bulletin's grid of 22 lines, the landscape ones have none;
    # table text stays off the grid (as Word does without adjustLineHeightInTable).
    from .test_bulletin_docx import _parts, _snaps

    grids = [s._sectPr.find(qn("w:docGrid")) for s in (body, wide)]
    assert [g.get(qn("w:type")) for g in grids] == ["lines", None]
    (styles,) = _parts(files["plan"].docx, "word/styles.xml")
    assert _snaps(styles, "GongwenBody") and _snaps(styles, "GongwenAnnexLabel")
    assert not _snaps(styles, "GongwenTable") and not _snaps(styles, "GongwenTableHeader")
    labels = [p for p in word.paragraphs if p.style.name == "附件标识"]
    assert [p.text for p in labels] == ["附件1", "附件2", "附件3"]
    assert labels[0].paragraph_format.page_break_before and labels[2].paragraph_format.page_break_before
    titles = [p.text for p in word.paragraphs if p.style.name == "公文标题"]
    assert titles[1:] == ["问题清单", "任务清单", "责任清单"]


def test_report_docx_reads_back(files):
    doc = files["report"]
    word = docx.Document(io.BytesIO(doc.docx))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "关于巡察整改情况的报告" in text and "三、整改成效" in text and "党组织书记（签字）：" in text
    (ledger,) = word.tables
    rows = _rows(ledger)
    assert rows[0] == LEDGER and len(rows) - 1 == len(doc.measures)
    for measure, row in zip(doc.measures, rows[1:], strict=True):
        assert (row[3], row[4], row[5]) == (measure["title"], measure["leader"], measure["owners"])
    assert word.sections[-1].orientation == WD_ORIENT.LANDSCAPE


TBLPR_SEQUENCE = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing tblInd "
    "tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
).split()
TRPR_SEQUENCE = (
    "cnfStyle divId gridBefore gridAfter wBefore wAfter cantSplit trHeight tblHeader tblCellSpacing jc hidden".split()
)
TCPR_SEQUENCE = (
    "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark"
).split()


@pytest.mark.parametrize("kind", ["plan", "report"])
def test_docx_elements_are_in_schema_order(files, kind):
    """Word refuses a file whose elements are out of the schema's order (LibreOffice does not)."""
    import zipfile

    from lxml import etree

    from .test_bulletin_docx import PPR_SEQUENCE, RPR_SEQUENCE

    with zipfile.ZipFile(io.BytesIO(files[kind].docx)) as package:
        tree = etree.fromstring(package.read("word/document.xml"))
    checked = 0
    for tag, sequence in (
        ("w:pPr", PPR_SEQUENCE),
        ("w:rPr", RPR_SEQUENCE),
        ("w:tblPr", TBLPR_SEQUENCE),
        ("w:trPr", TRPR_SEQUENCE),
        ("w:tcPr", TCPR_SEQUENCE),
    ):
        for element in tree.iter(qn(tag)):
            names = [etree.QName(child).localname for child in element]
            known = [name for name in names if name in sequence]
            assert known == sorted(known, key=sequence.index), (tag, names)
            checked += 1
    assert checked > 100
