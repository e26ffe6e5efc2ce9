"""The 党内通报: the bulletin with the problems in their internal wording, for those who read
the ledger; none of that wording reaches the public files (HTML, PDF, Word read back)."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.urls import reverse

from rectification import services
from rectification.documents.kinds.bulletin_internal import build_internal_bulletin
from rectification.models import Measure
from rectification.selectors.bulletin_internal import internal_bulletin_source

from . import factories as f
from .helpers.browser import artifacts
from .helpers.bulletin_text import normalise, pdftotext

INTERNAL = "违规发放误餐补贴3.2万元"


@pytest.fixture(autouse=True)
def free_fonts(settings, tmp_path):
    settings.BULLETIN_FONTS = "free"
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"


@pytest.fixture
def inspection(personas):
    inspection = f.inspection(organisation=personas.tree.a)
    item = f.finding(
        category=f.category(inspection=inspection, title="关于落实全面从严治党方面"),
        heading="财务管理不规范",
        problem=INTERNAL,
        lead_in="针对财务管理问题，社区党委逐项整改。",
    )
    f.measure(finding=item, title="清退违规补贴", progress="已全部清退。", status=Measure.Status.DONE)
    org = personas.tree.a
    org.contact_phone = "0755-83000000"
    org.save()
    return inspection


def _docx_text(data: bytes) -> str:
    return "".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_internal_version_names_the_problem_and_the_public_files_never_do(
    client, inspection, personas, django_assert_max_num_queries
):
    draft = services.bulletin_update(inspection=inspection, user=personas.secretary_a, expected_version=1)
    with django_assert_max_num_queries(4):  # the tree (3), the acceptance rule (1)
        source = internal_bulletin_source(bulletin=draft)
    document = build_internal_bulletin(source, today=dt.date(2025, 12, 31))
    assert document.title.lines[-1] == "关于巡察整改进展情况的党内通报"
    text = "".join(b.text for b in document.blocks if hasattr(b, "text"))
    assert f"存在问题：{INTERNAL}。针对财务管理问题" in text and "欢迎广大干部群众" not in text
    assert "现将巡察整改进展情况通报如下。" in text

    version = services.bulletin_publish(inspection=inspection, user=personas.secretary_a, today=dt.date(2025, 12, 31))
    slug, args = personas.tree.a.slug, (version.bulletin_id, 1)
    page = client.get(reverse("rectification:public_bulletin_html", args=[slug, *args])).content.decode()
    pdf = client.get(reverse("rectification:public_bulletin_pdf", args=[slug, *args])).content
    word = client.get(reverse("rectification:public_bulletin_docx", args=[slug, *args])).content
    assert "财务管理不规范" in page and "欢迎广大干部群众" in page
    (artifacts("public") / "public-bulletin.pdf").write_bytes(pdf)
    for public_text in (page, normalise(pdftotext(pdf)), _docx_text(word)):
        assert INTERNAL not in public_text and "存在问题" not in public_text and "党内通报" not in public_text

    client.force_login(personas.staff_a)  # who reads the ledger reads the 党内通报
    internal_pdf = client.get(reverse("rectification:bulletin_internal", args=[inspection.pk, "pdf"]))
    assert internal_pdf.status_code == 200 and internal_pdf["Cache-Control"] == "private, no-store"
    assert INTERNAL in normalise(pdftotext(internal_pdf.content))
    (artifacts("public") / "internal-bulletin.pdf").write_bytes(internal_pdf.content)
    internal_docx = client.get(reverse("rectification:bulletin_internal", args=[inspection.pk, "docx"]))
    assert INTERNAL in _docx_text(internal_docx.content)
    assert client.get(reverse("rectification:bulletin_internal", args=[inspection.pk, "exe"])).status_code == 404
    client.logout()
    assert client.get(reverse("rectification:bulletin_internal", args=[inspection.pk, "pdf"])).status_code == 302
