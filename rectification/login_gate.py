"""What stands between a password and the first page: the second factor and an expired
password. At login (``user_logged_in``) the steps still owed are written into the session;
on every request the middleware sends a user who owes one to its page, and lets through only
that page, logging out and the language switch. Per request it costs two session look-ups:
the queries (roles, devices, the password's age) run once, at login.

The middleware also keeps the request being served for the audit trail (who, from where).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .models import AdministratorRole
from .passwords import password_expired
from .services.audit import reset_current_request, set_current_request

OTP_PENDING = "_login_otp_pending"
PASSWORD_EXPIRED = "_login_password_expired"


def roles_of(user) -> set[str]:
    """The roles OTP_REQUIRED_FOR names: the membership roles and "admin" (三员, superusers)."""
    roles = set(user.memberships.values_list("role", flat=True))
    if user.is_superuser or AdministratorRole.objects.filter(user=user).exists():
        roles.add("admin")
    return roles


def otp_required(user) -> bool:
    wanted = set(settings.OTP_REQUIRED_FOR)
    return bool(wanted) and ("all" in wanted or bool(wanted & roles_of(user)))


@receiver(user_logged_in)
def _steps_owed(sender: Any, request: HttpRequest | None, user, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    unified = getattr(user, "backend", "") == settings.UNIFIED_LOGIN_BACKEND
    if otp_required(user) and not (unified and settings.OIDC_COUNTS_AS_SECOND_FACTOR):
        request.session[OTP_PENDING] = True
    if not unified and password_expired(user):
        request.session[PASSWORD_EXPIRED] = True


class LoginGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._free: frozenset[str] | None = None

    def _free_paths(self) -> frozenset[str]:
        if self._free is None:
            names = ["logout", "set_language", "otp_verify", "otp_setup"]
            self._free = frozenset(reverse(name) for name in names)
        return self._free

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_current_request(request)
        try:
            if request.user.is_authenticated:
                session = request.session
                if session.get(OTP_PENDING) and request.path not in self._free_paths():
                    return HttpResponseRedirect(reverse("otp_verify"))
                if (
                    session.get(PASSWORD_EXPIRED)
                    and not session.get(OTP_PENDING)
                    and request.path not in self._free_paths()
                    and request.path != reverse("password_change")
                ):
                    return HttpResponseRedirect(reverse("password_change"))
            return self.get_response(request)
        finally:
            reset_current_request(token)
