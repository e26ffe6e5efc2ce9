"""The public pages (no login): the start page, an organisation's published bulletins, a
version's web page, PDF and Word file, and the comment form of a bulletin's page.

Built for a crowd (a link passed round the residents' groups): every page here depends only
on its address and the Accept-Language header, never on a cookie or a session, so it is sent
with ``Cache-Control: public`` (``public_cache.py``), sets no cookie and carries no
``Vary: Cookie``; a frozen version answers a conditional request with 304 before anything
is rendered. The bulletin's web page is the frozen HTML with its @font-face rules left out
(the reader's own CJK fonts show it; the PDF is the faithful copy) and the page's extras
(files, QR code, comment form) added after the document.
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache

import segno
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..documents.writers import CONTENT_TYPES
from ..forms.comments import PublicCommentForm
from ..models import BulletinVersion, Inspection, Organisation
from ..selectors.comments import contact_window
from ..services.comments import CommentWindowClosed, comment_receive
from .public_cache import LIST_MAX_AGE, VERSION_MAX_AGE, cacheable, not_modified, public_language

logger = logging.getLogger(__name__)

# The public page's own policy: the document's (style and fonts of this site, no script),
# plus its one form, posting here.
PUBLIC_PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; font-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
# Bump when the page's extras change, so that caches holding the old page revalidate.
EXTRAS_REVISION = "1"
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}\s*")


def _organisation(slug: str) -> Organisation:
    return get_object_or_404(Organisation, slug=slug)


@require_GET
@public_language
def public_index(request: HttpRequest) -> HttpResponse:
    """The organisations that have published bulletins, each linking to its public list
    (where ``/`` leads a visitor who is not signed in)."""
    context = {"organisations": selectors.public_organisations()}
    return cacheable(render(request, "rectification/public_index.html", context), max_age=LIST_MAX_AGE)


@require_GET
@public_language
def public_bulletin_list(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(slug)
    versions = list(selectors.public_versions(organisation=organisation))
    context = {
        "organisation": organisation,
        "versions": versions,
        "current_ids": selectors.current_version_ids(versions),
    }
    return cacheable(render(request, "bulletin/public_list.html", context), max_age=LIST_MAX_AGE)


@require_GET
def public_bulletin_latest(request: HttpRequest, slug: str, bulletin_id: int) -> HttpResponse:
    """The current version of a bulletin (a stable address, the QR code's): the newest one
    not withdrawn; when every version is withdrawn, the newest, whose page says so."""
    organisation = _organisation(slug)
    versions = list(selectors.public_versions(organisation=organisation).filter(bulletin__id=bulletin_id))
    if not versions:
        raise Http404
    current = selectors.current_version_ids(versions)
    latest = next((v for v in versions if v.pk in current), versions[0])
    response = redirect("rectification:public_bulletin_html", slug=slug, bulletin_id=bulletin_id, number=latest.number)
    return cacheable(response, max_age=LIST_MAX_AGE)


def _public_version(slug: str, bulletin_id: int, number: int) -> BulletinVersion:
    try:
        return selectors.public_version(organisation=_organisation(slug), bulletin_id=bulletin_id, number=number)
    except BulletinVersion.DoesNotExist:
        raise Http404 from None


@public_language
def _withdrawn(request: HttpRequest, version: BulletinVersion) -> HttpResponse:
    """What every public address of a withdrawn version answers instead of its text or
    files: when and why it was withdrawn, and where the current version is. 410 Gone:
    the address was valid and is no longer, on purpose (search engines drop it)."""
    context = {"version": version, "organisation": version.bulletin.inspection.organisation}
    return cacheable(render(request, "bulletin/withdrawn.html", context, status=410), max_age=LIST_MAX_AGE)


def public_url(request: HttpRequest, version: BulletinVersion) -> str:
    """The stable public address of the version's bulletin (its current version), absolute:
    under SITE_URL when set, else the host the request came to."""
    organisation = version.bulletin.inspection.organisation
    path = reverse("rectification:public_bulletin_latest", args=[organisation.slug, version.bulletin_id])
    site = getattr(settings, "SITE_URL", "")
    return site.rstrip("/") + path if site else request.build_absolute_uri(path)


@lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    """The QR code of ``url`` as inline SVG (segno; the same address, the same picture)."""
    return segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)


def _page_etag(version: BulletinVersion, url: str, comments_open: bool) -> str:
    key = f"{version.html_sha256}|{url}|{comments_open}|{EXTRAS_REVISION}"
    return hashlib.sha256(key.encode()).hexdigest()


def bulletin_page_html(version: BulletinVersion, *, url: str, comments_open: bool, form=None, error: str = "") -> str:
    """The frozen HTML without its web fonts, with the page's extras after the document."""
    inspection: Inspection = version.bulletin.inspection
    with translation.override("zh-hans"):
        extras = render_to_string(
            "bulletin/public_extra.html",
            {
                "version": version,
                "organisation": inspection.organisation,
                "window": contact_window(bulletin=version.bulletin, organisation=inspection.organisation),
                "url": url,
                "qr": qr_svg(url),
                "comments_open": comments_open,
                "form": form if form is not None else PublicCommentForm(),
                "error": error,
            },
        )
    html = _FONT_FACE.sub("", version.html, count=0)
    head, sep, tail = html.rpartition("</body>")
    return f"{head}{extras}{sep}{tail}" if sep else html + extras


def _comments_open(version: BulletinVersion) -> bool:
    bulletin = version.bulletin
    window = contact_window(bulletin=bulletin, organisation=bulletin.inspection.organisation)
    return not version.withdrawn and window.open_on(timezone.localdate())


@require_GET
def public_bulletin_html(request: HttpRequest, slug: str, bulletin_id: int, number: int) -> HttpResponse:
    version = _public_version(slug, bulletin_id, number)
    if version.withdrawn:
        return _withdrawn(request, version)
    url = public_url(request, version)
    comments_open = _comments_open(version)
    etag = _page_etag(version, url, comments_open)
    if (response := not_modified(request, etag)) is not None:
        return response
    html = bulletin_page_html(version, url=url, comments_open=comments_open)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = PUBLIC_PAGE_CSP
    return cacheable(response, max_age=VERSION_MAX_AGE, etag=etag)


def _filename(inspection: Inspection, suffix: str) -> str:
    return f"{inspection.organisation.short_name}-巡察整改进展情况通报{suffix}"


@require_GET
def public_bulletin_pdf(request: HttpRequest, slug: str, bulletin_id: int, number: int) -> HttpResponse:
    version = _public_version(slug, bulletin_id, number)
    if version.withdrawn:
        return _withdrawn(request, version)
    if (response := not_modified(request, version.sha256)) is not None:
        return response
    response = HttpResponse(bytes(version.pdf), content_type="application/pdf")
    filename = _filename(version.bulletin.inspection, f"（第{version.number}版）.pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return cacheable(response, max_age=VERSION_MAX_AGE, etag=version.sha256)


@require_GET
def public_bulletin_docx(request: HttpRequest, slug: str, bulletin_id: int, number: int) -> HttpResponse:
    """The frozen Word document (a download); versions published before there was one
    have none (404)."""
    version = _public_version(slug, bulletin_id, number)
    if version.withdrawn:
        return _withdrawn(request, version)
    if version.docx is None:
        raise Http404
    if (response := not_modified(request, version.docx_sha256)) is not None:
        return response
    response = HttpResponse(bytes(version.docx), content_type=CONTENT_TYPES["docx"])
    filename = _filename(version.bulletin.inspection, f"（第{version.number}版）.docx")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return cacheable(response, max_age=VERSION_MAX_AGE, etag=version.docx_sha256)


# --- comments from the public ------------------------------------------------------------


def client_address(request: HttpRequest) -> str:
    """The sender's address: the header the proxy sets (CLIENT_IP_HEADER, e.g. nginx's
    X-Real-IP) when configured, else the connection's."""
    header = settings.CLIENT_IP_HEADER
    value = request.META.get(header, "") if header else ""
    return value.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


def rate_limited(request: HttpRequest) -> bool:
    """Counts this address's comments in the current minute (the window opens with the
    first one); True past COMMENT_RATE_PER_MINUTE. The address is kept hashed, for a
    minute, in the cache only."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{client_address(request)}".encode()).hexdigest()[:32]
    key = f"public-comment-rate:{digest}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=60)
        count = 1
    return count > settings.COMMENT_RATE_PER_MINUTE


def _comment_page(request: HttpRequest, version: BulletinVersion, message: str, status: int) -> HttpResponse:
    with translation.override("zh-hans"):
        context = {"version": version, "organisation": version.bulletin.inspection.organisation, "message": message}
        response = render(request, "bulletin/public_comment_done.html", context, status=status)
    response["Cache-Control"] = "no-store"
    response.public_cache = True  # no cookie, no Vary: Cookie (public_cache.py)
    return response


@csrf_exempt  # no login, no session, nothing to ride on: the limits below are the defence
@require_POST
def public_comment(request: HttpRequest, slug: str, bulletin_id: int, number: int) -> HttpResponse:
    """A comment from the bulletin's public page. The 6th within a minute from one address
    is refused politely (429); a filled honeypot is thanked and dropped; an oversized
    request is refused before it is read."""
    version = _public_version(slug, bulletin_id, number)
    with translation.override("zh-hans"):
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.COMMENT_MAX_REQUEST_BYTES:
            return _comment_page(request, version, "您的留言过长，请精简到 2000 字以内后再提交。", 413)
        if rate_limited(request):
            return _comment_page(request, version, "提交过于频繁，请稍候一分钟再试。感谢您的理解。", 429)
        form = PublicCommentForm(request.POST)
        if form.is_valid() and form.cleaned_data["website"]:
            logger.info("public comment honeypot filled; dropped")
            return _comment_page(request, version, "感谢您的意见建议，我们会认真研究办理。", 200)
        url = public_url(request, version)
        if form.is_valid():
            try:
                comment_receive(
                    version=version,
                    body=form.cleaned_data["body"],
                    name=form.cleaned_data["name"],
                    contact=form.cleaned_data["contact"],
                )
            except CommentWindowClosed as exc:
                return _comment_page(request, version, exc.messages[0], 403)
            except ValidationError as exc:
                form.add_error(None, exc.messages[0])
            else:
                return _comment_page(request, version, "感谢您的意见建议，我们会认真研究办理。", 200)
        html = bulletin_page_html(version, url=url, comments_open=_comments_open(version), form=form)
    response = HttpResponse(html, content_type="text/html; charset=utf-8", status=400)
    response["Content-Security-Policy"] = PUBLIC_PAGE_CSP
    response["Cache-Control"] = "no-store"
    response.public_cache = True
    return response
