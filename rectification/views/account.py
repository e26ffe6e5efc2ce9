"""Logging in and what belongs to it: the login page (local and unified login), the second
factor (enrolment with recovery codes, the check at login), the password change (audited;
an expired password leads here first), and the page that explains a refused unified login."""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from ..forms.accounts import LoginForm, TokenForm
from ..login_gate import OTP_PENDING, PASSWORD_EXPIRED
from ..oidc import REFUSAL_KEY, refusal_message
from ..services import two_factor
from ..services.audit import Kind, audit_record


class LoginView(auth_views.LoginView):
    form_class = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["oidc_label"] = settings.OIDC_LOGIN_LABEL or _("统一身份认证登录")
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
