"""Case 7: the documents handed upward (整改方案, 整改情况报告) of the district data's
largest inspection to PDF, cold (no cache): data -> document -> HTML -> glyph check ->
PDF, beside bare WeasyPrint writing the same HTML with the same fetcher and a warm font
configuration (as the bulletin's case 4)."""

from __future__ import annotations

import io

from django.db.models import Count

from rectification.documents.kinds.upward import upward_document
from rectification.documents.pdf import BASE_URL, make_fetcher, render_pdf
from rectification.models import Inspection, UpwardDocument
from rectification.selectors.upward import upward_draft

from .. import data
from ..figures import Figure, Target, interleaved_ms
from . import as_of

CONTENT = {
    "general_requirements": "坚持以习近平新时代中国特色社会主义思想为指导，把巡察整改作为重要政治任务。",
    "safeguards": "加强组织领导，强化督促检查，严肃责任追究。",
    "work_done": "党组织召开专题会议研究部署整改工作，逐项明确责任。",
    "next_steps": "持续巩固整改成果，建立健全长效机制。",
}


def largest_inspection() -> Inspection:
    """The inspection with the most measures (the first such one)."""
    return (
        Inspection.objects.select_related("organisation")
        .annotate(measures=Count("categories__findings__measures"))
        .order_by("-measures", "pk")
        .first()
    )


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def run(ctx) -> list[Figure]:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    data.ensure(ctx.scale.main)
    inspection = largest_inspection()
    font_config = FontConfiguration()
    figures = []
    with as_of(ctx.today):
        for kind in UpwardDocument.Kind.values:

            def document(kind=kind):
                draft = upward_draft(inspection=inspection, kind=kind)
                draft.content = draft.content or CONTENT
                return upward_document(draft, today=ctx.today)

            result = render_pdf(document(), use_cache=False)
            html = result.html

            def cold(document=document) -> None:
                render_pdf(document(), use_cache=False)

            def bare_write(html=html) -> None:
                # The two passes a justified PDF needs: measuring layout, then layout and write.
                HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).render(font_config=font_config)
                HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).write_pdf(font_config=font_config)

            cold_ms, write_ms = interleaved_ms(cold, bare_write, ctx.runs)
            figures.append(
                Figure(
                    f"upward.{kind}.pdf.cold",
                    cold_ms,
                    "ms",
                    f"upward.{kind}.weasyprint-measure-write",
                    write_ms,
                    targets=[Target("ratio", "<=", 1.3)],
                    note=f"the {kind} of inspection {inspection.pk} ({inspection.measures} measures), "
                    f"{_pages(result.pdf)} pages, {len(result.pdf) // 1024} KiB: data -> document -> HTML -> "
                    "glyph check -> PDF, no cache",
                )
            )
    return figures
