"""How the public pages are cached: long for a frozen version (its bytes never change; a
withdrawal reaches caches within VERSION_MAX_AGE), short for the lists; strong ETags and
304 answers; and the language from the Accept-Language header alone (which caches key on
through ``Vary: Accept-Language``), never from the language cookie, so the same address
gives every reader with the same header the same page.

``cacheable`` marks a response for ``middleware.PublicCacheMiddleware``, which drops any
cookie a page might have set and the ``Vary: Cookie`` the session middleware adds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.http import parse_etags
from django.utils.translation.trans_real import parse_accept_lang_header

VERSION_MAX_AGE = 24 * 3600  # a day: frozen versions (a withdrawal shows within it)
LIST_MAX_AGE = 300  # five minutes: the lists and the start page, which a publication changes


def cacheable(response: HttpResponse, *, max_age: int, etag: str | None = None) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    if etag:
        response["ETag"] = f'"{etag}"'
    response.public_cache = True
    return response


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """A 304 without a body when the request's If-None-Match names ``etag``, else None."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return None
    tags = parse_etags(header)
    if "*" not in tags and f'"{etag}"' not in tags and f'W/"{etag}"' not in header:
        return None
    return cacheable(HttpResponseNotModified(), max_age=VERSION_MAX_AGE, etag=etag)


def accept_language(request: HttpRequest) -> str:
    """The first supported language of the Accept-Language header; the default otherwise."""
    for code, _q in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def public_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        language = accept_language(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapped
