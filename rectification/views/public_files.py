"""A frozen version's public addresses: its web page, PDF and Word file, answered from the
cache where it can (selectors/public.py) — by the views, and before the rest of the
middleware by ``PublicFastPathMiddleware`` when the cache already holds the answer.

The web page is the frozen HTML with its @font-face rules left out (the reader's own CJK
fonts show it; the PDF is the faithful copy), and the page's extras (files, QR code,
comment form) added after the document. Every answer depends on the address alone (and,
for the page, on the comment window being open), never on a cookie: ``Cache-Control:
public`` for a day, strong ETags, 304 on a matching If-None-Match.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import lru_cache

import segno
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from ..documents.writers import CONTENT_TYPES
from ..forms.comments import PublicCommentForm
from ..models import BulletinVersion
from ..selectors.comments import contact_window
from ..selectors.public import PublicVersion, cached_file, cached_version_meta, public_version_meta
from .public_cache import LIST_MAX_AGE, VERSION_MAX_AGE, cacheable, not_modified, public_language

# The page's own policy: the document's (inline style, this site's fonts, no script), plus
# its one form, posting here, and the QR code (inline SVG).
PUBLIC_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
# Bump when the page's extras change, so that caches holding the old page revalidate.
EXTRAS_REVISION = "2"
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}\s*")
PAGE, PDF, DOCX = "page", "pdf", "docx"


def public_url(request: HttpRequest, slug: str, bulletin_id: int) -> str:
    """The stable public address of the bulletin (its current version), absolute: under
    SITE_URL when set, else the host the request came to."""
    path = reverse("rectification:public_bulletin_latest", args=[slug, bulletin_id])
    site = getattr(settings, "SITE_URL", "")
    return site.rstrip("/") + path if site else request.build_absolute_uri(path)


@lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (segno; the same address, the same picture)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)


def comments_open(meta: PublicVersion) -> bool:
    return not meta.withdrawn and meta.comment_until is not None and timezone.localdate() <= meta.comment_until


def bulletin_page_html(version: BulletinVersion, *, url: str, open_: bool, form=None) -> str:
    """The frozen HTML without its web fonts, with the page's extras after the document."""
    organisation = version.bulletin.inspection.organisation
    with translation.override("zh-hans"):
        extras = render_to_string(
            "bulletin/public_extra.html",
            {
                "version": version,
                "organisation": organisation,
                "window": contact_window(bulletin=version.bulletin, organisation=organisation),
                "url": url,
                "qr": qr_svg(url),
                "comments_open": open_,
                "form": form if form is not None else PublicCommentForm(),
            },
        )
    html = _FONT_FACE.sub("", version.html)
    head, sep, tail = html.rpartition("</body>")
    return f"{head}{extras}{sep}{tail}" if sep else html + extras


def full_version(meta: PublicVersion, *heavy: str) -> BulletinVersion:
    """The version row with its organisation, and of the heavy columns only ``heavy``."""
    skip = [c for c in ("html", "pdf", "docx") if c not in heavy]
    return (
        BulletinVersion.objects.select_related("bulletin__inspection__organisation", "withdrawn_by")
        .defer(*skip)
        .get(pk=meta.pk)
    )


def _filename(meta: PublicVersion, suffix: str) -> str:
    return f"{meta.short_name}-巡察整改进展情况通报（第{meta.number}版）{suffix}"


def answer(request: HttpRequest, kind: str, meta: PublicVersion, *, load: bool) -> HttpResponse | None:
    """The answer for a version that is not withdrawn: 304 when the request's validator
    matches, else the file — from the cache, or (``load``) read and kept there; None when
    ``load`` is false and the cache does not hold it."""
    if kind == PAGE:
        url = public_url(request, meta.slug, meta.bulletin_id)
        open_ = comments_open(meta)
        etag = hashlib.sha256(f"{meta.html_sha256}|{url}|{open_}|{EXTRAS_REVISION}".encode()).hexdigest()
    else:
        etag = meta.pdf_sha256 if kind == PDF else meta.docx_sha256
    if (response := not_modified(request, etag)) is not None:
        return response
    build: Callable[[], bytes] | None = None
    if load and kind == PAGE:
        build = lambda: bulletin_page_html(full_version(meta, "html"), url=url, open_=open_).encode()  # noqa: E731
    elif load:
        build = lambda: bytes(getattr(full_version(meta, kind), kind))  # noqa: E731
    body = cached_file(kind, etag, build)
    if body is None:
        return None
    if kind == PAGE:
        response = HttpResponse(body, content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = PUBLIC_PAGE_CSP
    else:
        response = HttpResponse(body, content_type="application/pdf" if kind == PDF else CONTENT_TYPES["docx"])
        response["Content-Disposition"] = content_disposition_header(kind == DOCX, _filename(meta, f".{kind}"))
    return cacheable(response, max_age=VERSION_MAX_AGE, etag=etag)


@public_language
def _withdrawn(request: HttpRequest, version: BulletinVersion) -> HttpResponse:
    """What every public address of a withdrawn version answers instead of its text or
    files: when and why it was withdrawn, and where the current version is. 410 Gone:
    the address was valid and is no longer, on purpose (search engines drop it)."""
    context = {"version": version, "organisation": version.bulletin.inspection.organisation}
    return cacheable(render(request, "bulletin/withdrawn.html", context, status=410), max_age=LIST_MAX_AGE)


def _view(kind: str) -> Callable[..., HttpResponse]:
    @require_GET
    def view(request: HttpRequest, slug: str, bulletin_id: int, number: int) -> HttpResponse:
        meta = public_version_meta(slug=slug, bulletin_id=bulletin_id, number=number)
        if meta is None or (kind == DOCX and not meta.docx_sha256 and not meta.withdrawn):
            raise Http404  # never published here; or published before there was a Word file
        if meta.withdrawn:
            return _withdrawn(request, full_version(meta))
        return answer(request, kind, meta, load=True)

    view.__name__ = view.__qualname__ = f"public_bulletin_{'html' if kind == PAGE else kind}"
    return view


# Queries: none when the cache holds the address (selectors/public.py); else the version.
public_bulletin_html = _view(PAGE)
public_bulletin_pdf = _view(PDF)
public_bulletin_docx = _view(DOCX)

_ADDRESS = re.compile(
    r"^/public/(?P<slug>[-\w]+)/bulletins/(?P<bulletin>\d+)/v(?P<number>\d+)(?P<kind>/|\.pdf|\.docx)$"
)
_KINDS = {"/": PAGE, ".pdf": PDF, ".docx": DOCX}


class PublicFastPathMiddleware:
    """Answers a GET (as the views: HEAD is theirs to refuse) of a frozen version's address straight from the cache, before the
    session, authentication, CSRF, locale and message middleware (which such an answer
    does not need): a crowd's repeated requests then cost about what a static file does.
    Anything the cache does not hold goes down the stack to the view, which fills it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and (match := _ADDRESS.match(request.path_info)):
            meta = cached_version_meta(
                slug=match["slug"], bulletin_id=int(match["bulletin"]), number=int(match["number"])
            )
            if meta is not None and not meta.withdrawn:
                try:
                    response = answer(request, _KINDS[match["kind"]], meta, load=False)
                except DisallowedHost:
                    response = None  # the stack answers it (400) as for any other page
                if response is not None:
                    # What the clickjacking middleware below would have added.
                    response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
                    return response
        return self.get_response(request)
