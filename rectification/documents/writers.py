"""One call from a document to its files: ``render(document, formats)``.

The PDF writer renders the HTML page first, so asking for both costs one HTML render;
the PDF comes from the file cache when the same HTML was rendered before (pdf.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from .docx import CONTENT_TYPE as DOCX_CONTENT_TYPE
from .docx import render_docx
from .html import render_html
from .model import Document
from .pdf import PdfResult, render_pdf

FORMATS = ("html", "pdf", "docx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": DOCX_CONTENT_TYPE,
}


@dataclass(frozen=True)
class Rendered:
    """The files of one document; a format not asked for is None. ``pdf`` carries the
    cache flag, the timing and the warnings (missing glyphs, refused URLs) besides the
    bytes."""

    document: Document
    html: str | None = None
    pdf: PdfResult | None = None
    docx: bytes | None = None

    def data(self, fmt: str) -> bytes:
        """The file's bytes in format ``fmt`` (HTML as UTF-8)."""
        if fmt == "html" and self.html is not None:
            return self.html.encode("utf-8")
        if fmt == "pdf" and self.pdf is not None:
            return self.pdf.pdf
        if fmt == "docx" and self.docx is not None:
            return self.docx
        raise ValueError(f"not rendered: {fmt}")

    def sha256(self, fmt: str) -> str:
        """SHA-256 of the file in ``fmt`` (the ETag and the frozen version's checksums)."""
        if fmt == "pdf" and self.pdf is not None:
            return self.pdf.pdf_sha256
        if fmt == "html" and self.pdf is not None:
            return self.pdf.html_sha256
        return hashlib.sha256(self.data(fmt)).hexdigest()


def render(document: Document, formats: Iterable[str] = ("pdf",), *, use_cache: bool = True) -> Rendered:
    """``document`` in each of ``formats`` (``html``, ``pdf``, ``docx``)."""
    wanted = set(formats)
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown formats: {sorted(unknown)}")
    pdf = render_pdf(document, use_cache=use_cache) if "pdf" in wanted else None
    html = None
    if "html" in wanted:
        html = pdf.html if pdf is not None else render_html(document)
    docx = render_docx(document) if "docx" in wanted else None
    return Rendered(document=document, html=html, pdf=pdf, docx=docx)
