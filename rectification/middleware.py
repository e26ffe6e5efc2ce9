"""Security middleware: response headers Django does not set by itself (Django 5.2 has
no built-in CSP), the idle timeout of logged-in sessions, and the clean-up of control
characters in request parameters."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, QueryDict

from .text import CONTROL_CHARS_C0

# Browser features the app never uses; file inputs with a camera capture are not affected.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
_SEEN_KEY = "_idle_renewed_at"


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Content-Security-Policy", self.policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class SessionIdleRenewalMiddleware:
    """Logs a user out after SESSION_COOKIE_AGE seconds without a request.

    A session expires SESSION_COOKIE_AGE after its last save. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) would cost a database write per page; renewing it at most
    once per SESSION_RENEW_SECONDS gives the same idle timeout to within that interval.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval: int = settings.SESSION_RENEW_SECONDS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            # Negative when the clock went backwards (e.g. a test travelled in time): no renewal.
            if now - request.session.get(_SEEN_KEY, 0) >= self.interval:
                request.session[_SEEN_KEY] = now
        return self.get_response(request)


@receiver(user_logged_in)
def _stamp_new_session(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    """The login itself saves the session, so the first page need not renew it."""
    if request is not None and hasattr(request, "session"):
        request.session[_SEEN_KEY] = int(time.time())


# People paste control characters from Word; which ones are dropped here: text.py.
_CONTROL = CONTROL_CHARS_C0
_LINE_BREAKS = re.compile(r"[\x0b\x0c]")  # Word's manual line break and page break


def clean_text(value: str) -> str:
    """``value`` without control characters; vertical tab and form feed become line breaks."""
    return _CONTROL.sub("", _LINE_BREAKS.sub("\n", value))


def _cleaned(params: QueryDict) -> QueryDict:
    if not any(_CONTROL.search(key) or any(_CONTROL.search(v) for v in values) for key, values in params.lists()):
        return params  # the usual case: nothing to copy
    copy = QueryDict(mutable=True, encoding=params.encoding)
    for key, values in params.lists():
        copy.setlist(clean_text(key), [clean_text(v) for v in values])
    copy._mutable = False  # read-only, like the QueryDict it replaces
    return copy


class ControlCharacterMiddleware:
    """Removes control characters from every query and form parameter before any view,
    form or filter sees them, so no text column can hold them (file contents untouched)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.GET = _cleaned(request.GET)
        if request.method == "POST":
            request.POST = _cleaned(request.POST)
        return self.get_response(request)


class PublicCacheMiddleware:
    """For a response a public view marked cacheable (views/public_cache.py): no cookie
    (a shared cache must not hand one reader's cookie to the next) and no ``Vary: Cookie``
    (the page does not depend on one). Placed above the session, CSRF and message
    middleware so it sees what they added."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "public_cache", False):
            for name in list(response.cookies):
                del response.cookies[name]
            if vary := response.headers.get("Vary"):
                kept = [v.strip() for v in vary.split(",") if v.strip().lower() != "cookie"]
                if kept:
                    response.headers["Vary"] = ", ".join(kept)
                else:
                    del response.headers["Vary"]
        return response
