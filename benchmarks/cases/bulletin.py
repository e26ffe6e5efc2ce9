"""Case 4: the Fuhua bulletin to PDF, cold (no cache) and cached, beside bare WeasyPrint
writing the same HTML and WeasyPrint's layout alone; and the first render in a fresh
process (imports and font loading included), as a worker meets it after a restart."""

from __future__ import annotations

import io
import subprocess
import sys

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from rectification.devdata.demo import demo_load
from rectification.documents.kinds.bulletin import bulletin_document
from rectification.documents.pdf import BASE_URL, cache_dir, make_fetcher, render_pdf
from rectification.models import Inspection
from rectification.selectors.bulletins import bulletin_draft

from ..figures import Figure, Target, interleaved_ms, sample_ms
from . import logged_in_client

FIRST_RENDER = """
import time
{setup}
from django.utils import timezone
from rectification.documents.kinds.bulletin import bulletin_document
from rectification.documents.pdf import render_pdf
from rectification.models import Inspection
from rectification.selectors.bulletins import bulletin_draft
inspection = Inspection.objects.select_related("organisation").get(organisation__slug="fuhua")
started = time.perf_counter()
document = bulletin_document(bulletin_draft(inspection=inspection), today=timezone.localdate())
render_pdf(document, use_cache=False)
print((time.perf_counter() - started) * 1000)
"""


def _fuhua() -> Inspection:
    demo_load()
    return Inspection.objects.select_related("organisation").get(organisation__slug="fuhua")


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


# A bare interpreter: WeasyPrint's import and the font files load inside the timing. A web
# worker: the WSGI application has loaded (and warmed WeasyPrint up, see fuhua/wsgi.py).
BARE, WEB_WORKER = "import django; django.setup()", "import fuhua.wsgi"


def _first_render_ms(runs: int, setup: str = BARE) -> list[float]:
    """Each run a new interpreter, ``setup`` untimed, then the first render timed."""
    out = []
    for _ in range(runs):
        code = FIRST_RENDER.format(setup=setup)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out.append(float(done.stdout.strip().splitlines()[-1]))
    return out


def run(ctx) -> list[Figure]:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    inspection = _fuhua()
    today = timezone.localdate()

    def document():
        return bulletin_document(bulletin_draft(inspection=inspection), today=today)

    result = render_pdf(document(), use_cache=False)
    html, pages = result.html, _pages(result.pdf)
    font_config = FontConfiguration()

    def cold() -> None:
        render_pdf(document(), use_cache=False)

    def bare_write() -> None:
        # The two WeasyPrint passes a justified PDF needs (documents/fitting.py): a layout
        # that measures the lines, then the layout and write of the PDF.
        HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).render(font_config=font_config)
        HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).write_pdf(font_config=font_config)

    def bare_layout() -> None:
        HTML(string=html, base_url=BASE_URL, url_fetcher=make_fetcher()).render(font_config=font_config)

    cold_ms, write_ms = interleaved_ms(cold, bare_write, ctx.runs)
    cold2_ms, layout_ms = interleaved_ms(cold, bare_layout, ctx.runs)

    render_pdf(document())  # fills the cache
    cache_file = max(cache_dir().glob("*.pdf"), key=lambda p: p.stat().st_mtime)
    cached_ms, read_ms = interleaved_ms(lambda: render_pdf(document()), cache_file.read_bytes, ctx.runs)
    secretary = get_user_model().objects.get(username="shuji")
    client = logged_in_client(secretary)
    url = reverse("rectification:bulletin_pdf", args=[inspection.pk])

    def cached_http() -> None:
        response = client.get(url)
        assert response.status_code == 200 and response["X-Bulletin-Cache"] == "hit", response.status_code

    http_ms = sample_ms(cached_http, ctx.runs)
    first_ms = _first_render_ms(1 if ctx.quick else 3)
    worker_ms = _first_render_ms(1 if ctx.quick else 3, WEB_WORKER)
    return [
        Figure(
            "bulletin.pdf.cold",
            cold_ms,
            "ms",
            "bulletin.weasyprint-measure-write",
            write_ms,
            targets=[Target("ratio", "<=", 1.3), Target("median", "<", 1000)],
            note=f"the Fuhua demo bulletin, {pages} pages, {len(result.pdf) // 1024} KiB: data -> document -> "
            "HTML -> glyph check -> PDF, no cache",
        ),
        Figure("bulletin.pdf.cold-vs-layout", cold2_ms, "ms", "bulletin.weasyprint-layout", layout_ms),
        Figure(
            "bulletin.pdf.cached",
            cached_ms,
            "ms",
            "bulletin.cache-file-read",
            read_ms,
            targets=[Target("median", "<", 20)],
            note="render_pdf with a cache hit: the document and HTML are still built to find the cache key",
        ),
        Figure("bulletin.pdf.cached-http", http_ms, "ms", note="GET the draft PDF (cache hit) through the stack"),
        Figure(
            "bulletin.pdf.first-in-process",
            first_ms,
            "ms",
            "bulletin.weasyprint-measure-write",
            write_ms,
            note="a new interpreter's first render: WeasyPrint import and font loading included",
        ),
        Figure(
            "bulletin.pdf.first-in-web-worker",
            worker_ms,
            "ms",
            "bulletin.weasyprint-measure-write",
            write_ms,
            note="a new web worker's first render: the WSGI application warmed WeasyPrint and the fonts when it loaded",
        ),
    ]
