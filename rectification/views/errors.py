"""Error pages in the app's frame and language: what happened and the way back.

400, 403 and 404 render inside base.html (the top bar, the menu of a signed-in user);
500 and 503 need nothing that might be broken: no database, no user, no session.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

# How long a client should wait before trying again after a database outage.
RETRY_AFTER_SECONDS = 30


def _back(request: HttpRequest) -> str:
    """The page the user came from, when it is one of ours (else "": the page offers home)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 page of a request with a forged Host header
        return ""
    if referer and url_has_allowed_host_and_scheme(referer, {host}, request.is_secure()):
        return referer
    return ""


def _page(request: HttpRequest, status: int, title: str, text: str, detail: str = "") -> HttpResponse:
    context = {"status": status, "title": title, "text": text, "detail": detail, "back": _back(request)}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        400,
        _("请求无法处理"),
        _("提交的内容或网址有误，也可能是页面已过期。请返回上一页，刷新后重试。"),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: says who may do it when the refusal says (permissions.denial_message)."""
    detail = str(exception) if exception is not None and exception.args else ""
    return _page(
        request,
        403,
        _("没有权限"),
        _("您的账号不能进行这项操作或查看这个页面。如确需办理，请联系本党组织书记或系统管理员。"),
        detail,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent from an expired page (or from elsewhere)."""
    return _page(
        request,
        403,
        _("页面已过期"),
        _("表单无法验证来源，通常是因为页面打开太久或已退出登录。请返回上一页，刷新后重新提交。"),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("页面不存在"),
        _("您要找的页面不存在，或不在您可以查看的范围内（其他党组织的内容对您不可见）。请检查网址，或从菜单重新进入。"),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a lost database connection (a restart, a failover) is a 503 that the next
    request recovers from (connections are health-checked); anything else is a plain 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(loader.render_to_string("500.html"), status=500)


class NotFoundPageMiddleware:
    """With DEBUG on (``make run``), Django answers a 404 with its technical English page;
    a newcomer following a stale link should see ours, as in production."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:  # an address no route matches never reaches process_exception
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return page_not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None
