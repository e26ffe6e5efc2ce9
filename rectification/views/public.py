"""The public pages (no login): the start page, an organisation's published bulletins,
the stable address of a bulletin, and the comment form of a bulletin's page (a frozen
version's own addresses: public_files.py).

Built for a crowd (a link passed round the residents' groups): every page here depends only
on its address and the Accept-Language header, never on a cookie or a session, so it is sent
with ``Cache-Control: public`` (``public_cache.py``), sets no cookie and carries no
``Vary: Cookie``.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..forms.comments import PublicCommentForm
from ..models import BulletinVersion, Organisation
from ..selectors.public import public_version_meta
from ..services.comments import CommentWindowClosed, comment_receive
from .public_cache import LIST_MAX_AGE, cacheable, public_language
from .public_files import PUBLIC_PAGE_CSP, bulletin_page_html, comments_open, full_version, public_url

logger = logging.getLogger(__name__)


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
    meta = public_version_meta(slug=slug, bulletin_id=bulletin_id, number=number)
    if meta is None:
        raise Http404
    version = full_version(meta, "html")
    with translation.override("zh-hans"):
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.COMMENT_MAX_REQUEST_BYTES:
            return _comment_page(request, version, "您的留言过长，请精简到 2000 字以内后再提交。", 413)
        if rate_limited(request):
            return _comment_page(request, version, "提交过于频繁，请稍候一分钟再试。感谢您的理解。", 429)
        form = PublicCommentForm(request.POST)
        if form.is_valid() and form.cleaned_data["website"]:
            logger.info("public comment honeypot filled; dropped")
            return _comment_page(request, version, "感谢您的意见建议，我们会认真研究办理。", 200)
        url = public_url(request, slug, bulletin_id)
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
        html = bulletin_page_html(version, url=url, open_=comments_open(meta), form=form)
    response = HttpResponse(html, content_type="text/html; charset=utf-8", status=400)
    response["Content-Security-Policy"] = PUBLIC_PAGE_CSP
    response["Cache-Control"] = "no-store"
    response.public_cache = True
    return response
