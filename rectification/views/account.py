"""Logging in and what belongs to it: the login page (local and unified login), the second
factor (enrolment with recovery codes, the check at login), the password change (audited;
an expired password leads here first), the work platform's web login (work_login.py), and
the page that explains a refused unified login."""

from __future__ import annotations

import secrets
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .. import work_login
from ..forms.accounts import LoginForm, TokenForm
from ..login_gate import OTP_PENDING, PASSWORD_EXPIRED
from ..oidc import REFUSAL_KEY, UnifiedLoginBackend, refusal_message
from ..services import two_factor
from ..services.audit import Kind, audit_record
from ..services.work_messages import PlatformError


class LoginView(auth_views.LoginView):
    form_class = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_label"] = settings.OIDC_LOGIN_LABEL or _("统一身份认证登录")
        context["work_login_enabled"] = work_login.enabled()
        context["work_login_label"] = settings.WORK_LOGIN_LABEL or _("工作平台扫码登录")
        return context


class UnifiedLoginStart(OIDCAuthenticationRequestView):
    """Off to the provider; a 404 where unified login is not configured."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().get(request)


class UnifiedLoginCallback(OIDCAuthenticationCallbackView):
    def get(self, request: HttpRequest) -> HttpResponse:
        if not settings.OIDC_ENABLED:
            raise Http404
        return super().get(request)


@require_GET
def work_login_start(request: HttpRequest) -> HttpResponse:
    """Off to the work platform's authorize page with a fresh ``state``; 404 where the
    platform's login is not configured."""
    if not work_login.enabled():
        raise Http404
    state = secrets.token_urlsafe(24)
    request.session[work_login.STATE_KEY] = state
    next_url = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure())
    request.session[work_login.NEXT_KEY] = next_url if safe else ""
    path = reverse("work_login_callback")
    redirect_uri = f"{settings.SITE_URL}{path}" if settings.SITE_URL else request.build_absolute_uri(path)
    return redirect(work_login.authorize_url(redirect_uri=redirect_uri, state=state))


def _work_login_refused(request: HttpRequest, reason: str, detail: str) -> HttpResponse:
    request.session[REFUSAL_KEY] = reason
    audit_record(Kind.LOGIN_FAILED, actor=None, request=request, detail=f"work platform login: {detail}"[:500])
    return redirect("unified_login_refused")


@require_GET
def work_login_callback(request: HttpRequest) -> HttpResponse:
    """Back from the platform: the state checked, the code exchanged for the person's
    userid, the account found by its work-platform id and logged in as a unified login."""
    if not work_login.enabled():
        raise Http404
    expected = request.session.pop(work_login.STATE_KEY, "")
    next_url = request.session.pop(work_login.NEXT_KEY, "")
    given, code = request.GET.get("state", ""), request.GET.get("code", "")
    if not expected or not constant_time_compare(expected, given):
        return _work_login_refused(request, "state", "state missing or not this session's")
    if not code:
        return _work_login_refused(request, "platform", "no code")
    try:
        claims = work_login.claims_for_code(code)
    except PlatformError as exc:
        return _work_login_refused(request, "platform", str(exc))
    backend = UnifiedLoginBackend()
    backend.request = request
    user = backend.user_for_claims(claims, claim=work_login.CLAIM, field=work_login.FIELD)
    if user is None:
        return redirect("unified_login_refused")
    # As authenticate() would: the audit trail and login_gate read the backend from the user.
    user.backend = settings.UNIFIED_LOGIN_BACKEND
    login(request, user, backend=settings.UNIFIED_LOGIN_BACKEND)
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)


class PasswordChangeView(auth_views.PasswordChangeView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = bool(self.request.session.get(PASSWORD_EXPIRED))
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session.pop(PASSWORD_EXPIRED, None)
        audit_record(Kind.PASSWORD_CHANGED, actor=self.request.user, target=self.request.user)
        return response


@require_GET
def unified_login_refused(request: HttpRequest) -> HttpResponse:
    """Where mozilla-django-oidc sends a login it refused (LOGIN_REDIRECT_URL_FAILURE)."""
    reason = request.session.pop(REFUSAL_KEY, "")
    return render(request, "registration/unified_refused.html", {"message": refusal_message(reason)}, status=403)


def _next_after_otp(request: HttpRequest) -> HttpResponse:
    request.session.pop(OTP_PENDING, None)
    if request.session.get(PASSWORD_EXPIRED):
        return redirect("password_change")
    return redirect(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: a code from the authenticator app or a recovery code."""
    if not request.session.get(OTP_PENDING):
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not two_factor.otp_enrolled(request.user):
        return redirect("otp_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        used = two_factor.otp_check(user=request.user, token=form.cleaned_data["token"])
        if used:
            if used == "recovery":
                messages.warning(request, _("已使用一个恢复码；每个恢复码只能使用一次，用完前请重新绑定。"))
            return _next_after_otp(request)
        form.add_error("token", _("验证码不正确或已过期，请重新输入。"))
    return render(request, "registration/otp_verify.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol (or replace) the authenticator: scan, confirm with the first code, keep the
    recovery codes. Open during the second step of a first login, and afterwards from the
    account menu (a new phone)."""
    if request.session.get(OTP_PENDING) and two_factor.otp_enrolled(request.user):
        return redirect("otp_verify")  # replacing a device needs the second step first
    device = two_factor.otp_enrolment_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.otp_enrolment_confirm(user=request.user, token=form.cleaned_data["token"])
        if codes is not None:
            request.session.pop(OTP_PENDING, None)
            return render(request, "registration/otp_codes.html", {"codes": codes})
        form.add_error("token", _("验证码不正确，请确认手机时间准确后重新输入。"))
    url = device.config_url
    qr = segno.make(url, error="m").svg_inline(scale=4, dark="#222", omitsize=False)
    # The key is stored as hex; authenticator apps take it in base32, for typing it in by hand.
    secret = b32encode(bytes.fromhex(device.key)).decode()
    pending = bool(request.session.get(OTP_PENDING))
    return render(
        request, "registration/otp_setup.html", {"form": form, "qr": qr, "secret": secret, "pending": pending}
    )
