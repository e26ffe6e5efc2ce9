"""The document as PDF (WeasyPrint), with a restricted URL fetcher and a cache.

WeasyPrint may only read our own static files (the vendored fonts): no network, no
other file, no data: URL except a font. A PDF already rendered for the same HTML (same
SHA-256, same font files) is read from a file cache under VAR_DIR instead of rendered.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import posixpath
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings

from .fitting import FITTING_VERSION, measure
from .fonts import Face, MissingGlyph, missing_glyphs, resolve_faces, static_path
from .html import render_html, role_class, static_url, stylesheet
from .layout import LAYOUT
from .model import Document

logger = logging.getLogger(__name__)

# Relative URLs of the HTML resolve against this; nothing answers there, the fetcher maps
# it to static files itself.
BASE_URL = "https://bulletin.invalid/"
ALLOWED_STATIC_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2", ".css", ".png", ".jpg", ".svg")
FONT_DATA_TYPES = ("data:font/", "data:application/font-", "data:application/x-font-")
CACHE_KEEP = 200
PAGE_NUMBER_CHARS = LAYOUT["page_number"]["dash"] + "0123456789"  # rendered PDFs kept in the file cache


class FetchRefused(ValueError):
    pass


def _static_name(url: str) -> str:
    """The static file name a URL asks for, or FetchRefused."""
    parts = urlsplit(url)
    prefix = static_url("")
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith(prefix):
        raise FetchRefused(f"not one of our static files: {url[:200]}")
    name = unquote(parts.path[len(prefix) :])
    if posixpath.normpath(name) != name or name.startswith(("/", ".")) or "\\" in name or "\x00" in name:
        raise FetchRefused(f"suspicious static path: {url[:200]}")
    if not name.endswith(ALLOWED_STATIC_SUFFIXES):
        raise FetchRefused(f"file type not served to the PDF: {url[:200]}")
    return name


@lru_cache(maxsize=1)
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves our static files (and font data: URLs); refuses everything else.
        ``requested`` keeps every URL asked for, so tests can prove what was refused."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("https", "data"), allow_redirects=False)
            self.requested: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url: str, headers=None):
            self.requested.append(url)
            try:
                if url.startswith("data:"):
                    if not url.lower().startswith(FONT_DATA_TYPES):
                        raise FetchRefused("data: URL that is not a font")
                    return super().fetch(url, headers)
                name = _static_name(url)
                path = static_path(name)
                if path is None:
                    raise FetchRefused(f"no such static file: {name}")
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": _mime(name)})
            except FetchRefused:
                self.refused.append(url)
                raise

    return StaticOnlyFetcher


def _mime(name: str) -> str:
    return {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg"}.get(
        Path(name).suffix, "font/otf"
    )


def make_fetcher():
    return _fetcher_class()()


# One fontconfig configuration per thread: loading the @font-face files costs a few
# hundred milliseconds, reusing it makes later renders cheap. Pango is not thread-safe.
_local = threading.local()


def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    if getattr(_local, "font_config", None) is None:
        _local.font_config = FontConfiguration()
    return _local.font_config


def _layout(html: str, fetcher):
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(font_config=_font_config())


def write_pdf(html: str, *, fetcher=None) -> bytes:
    """Render HTML to PDF bytes (no cache)."""
    return _layout(html, fetcher or make_fetcher()).write_pdf()


def fitted_html(document: Document, faces: dict[str, Face], *, fetcher=None) -> str:
    """The HTML the PDF is written from: a first layout measures the lines, this HTML
    spreads the short ones to the margin (fitting.py)."""
    fits = measure(_layout(render_html(document, faces=faces, measuring=True), fetcher or make_fetcher()))
    return render_html(document, faces=faces, fits=fits)


def warm_up() -> float:
    """Import WeasyPrint and load the documents' fonts in this thread; returns the
    milliseconds it took. A new web worker's first document otherwise pays for both
    (about 0.5 s for the import, more for the fonts), so the WSGI application calls this
    when it loads. A failure is logged, not raised: a real render reports real errors."""
    started = time.perf_counter()
    try:
        faces = resolve_faces()
        roles = [(role, bold) for role in LAYOUT["roles"] for bold in (False, True)]
        missing_glyphs(dict.fromkeys(roles, "整改"), faces)  # reads each face's character map
        paragraphs = "".join(f'<p class="{role_class(role, bold)}">整改情况</p>' for role, bold in roles)
        write_pdf(f"<html><head><style>{stylesheet(faces)}</style></head><body>{paragraphs}</body></html>")
    except Exception:
        logger.warning("warming up the PDF renderer failed", exc_info=True)
    return (time.perf_counter() - started) * 1000


# ---------------------------------------------------------------------------- cache


@lru_cache(maxsize=1)
def _weasyprint_version() -> str:
    # The package metadata, not the module: importing WeasyPrint costs ~0.4 s.
    return importlib.metadata.version("weasyprint")


def _fonts_fingerprint(faces: dict[str, Face]) -> str:
    """Changes when WeasyPrint, the line fitting or a font file in use changes, so stale
    PDFs are not served."""
    digest = hashlib.sha256(f"{_weasyprint_version()}:{FITTING_VERSION}".encode())
    paths = {static_path(spec["free"]) for spec in LAYOUT["typefaces"].values()} | {f.path for f in faces.values()}
    for path in sorted(str(p) for p in paths if p):
        try:
            stat = os.stat(path)
        except OSError:
            continue
        digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def cache_dir() -> Path:
    return Path(getattr(settings, "BULLETIN_PDF_CACHE_DIR", Path(settings.VAR_DIR) / "cache" / "bulletin-pdf"))


def _cache_path(key: str) -> Path:
    return cache_dir() / f"{key}.pdf"


def _cache_read(key: str) -> bytes | None:
    try:
        return _cache_path(key).read_bytes()
    except OSError:
        return None


def _cache_write(key: str, pdf: bytes) -> None:
    """Atomic write (temp file + rename), then keep only the newest CACHE_KEEP files."""
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(pdf)
        os.replace(tmp, _cache_path(key))
        files = sorted(directory.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[CACHE_KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a cache that cannot be written only costs speed
        logger.warning("bulletin PDF cache not written: %s", exc)


# ---------------------------------------------------------------------------- the result


def sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()


@dataclass
class PdfResult:
    html: str
    pdf: bytes
    html_sha256: str
    pdf_sha256: str
    cached: bool
    seconds: float
    missing: list[MissingGlyph] = field(default_factory=list)
    refused_urls: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """What a person should know before publishing (missing glyphs, refused URLs)."""
        notes = [str(m) for m in self.missing[:20]]
        if len(self.missing) > 20:
            notes.append(f"另有 {len(self.missing) - 20} 个字符缺少字形")
        notes += [f"已拒绝加载外部资源：{url}" for url in self.refused_urls]
        return notes


def render_pdf(document: Document, *, use_cache: bool = True, faces: dict[str, Face] | None = None) -> PdfResult:
    """The document's HTML and PDF, with the glyph check; the PDF from the cache when the
    same HTML was rendered before."""
    started = time.perf_counter()
    faces = faces or resolve_faces()
    html = render_html(document, faces=faces)
    html_sha = sha256(html)
    texts = {**document.text_by_role(), ("page_number", False): PAGE_NUMBER_CHARS}
    missing = missing_glyphs(texts, faces)
    key = f"{html_sha}-{_fonts_fingerprint(faces)}"
    pdf = _cache_read(key) if use_cache else None
    cached = pdf is not None
    refused: list[str] = []
    if pdf is None:
        fetcher = make_fetcher()
        pdf = write_pdf(fitted_html(document, faces, fetcher=fetcher), fetcher=fetcher)
        refused = list(fetcher.refused)
        if use_cache:
            _cache_write(key, pdf)
    return PdfResult(
        html=html,
        pdf=pdf,
        html_sha256=html_sha,
        pdf_sha256=sha256(pdf),
        cached=cached,
        seconds=time.perf_counter() - started,
        missing=missing,
        refused_urls=refused,
    )
