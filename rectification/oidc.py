"""Unified login (统一身份认证) through OpenID Connect, with mozilla-django-oidc.

A district's government platform (粤政易 and the province's unified identity, 浙政钉,
政务微信, a CAS server speaking OIDC …) vouches for a person; this backend finds the one
account that person already has here by a stable identifier and logs it in. It never
creates an account and never grants a role: roles are memberships, given in the app.

Configuration is by environment (README, "Unified login"): the provider's URL and endpoints,
the client id and secret, and which claim is compared with which field of ``Profile``
(``OIDC_MATCH_CLAIM`` → ``OIDC_MATCH_FIELD``: employee_number, mobile or work_platform_id).

Extension point: a platform with its own web login that is not OIDC (a work-platform
"scan to log in", a CAS ticket) gets its own view that turns the platform's answer into a
claims dict and calls ``UnifiedLoginBackend().user_for_claims(claims)`` (set the backend's
``request`` first, for the refusal's session key): the same matching, the same refusals
(``REFUSAL_KEY`` in the session, shown by ``unified_login_refused`` with
``refusal_message``). It then sets ``user.backend = settings.UNIFIED_LOGIN_BACKEND`` (as
``authenticate()`` would: the audit trail and ``login_gate`` read it from the user) and logs
the person in with
``django.contrib.auth.login(request, user, backend=settings.UNIFIED_LOGIN_BACKEND)``: the
login is audited like any other, and ``login_gate`` treats it as a unified login (no local
password to expire; the platform's factors count when OIDC_COUNTS_AS_SECOND_FACTOR). The
backend must then be in AUTHENTICATION_BACKENDS (settings.py lists it where OIDC or the
work platform's login is configured). ``work_login.py`` (the 企业微信-style web login of
粤政易 / 政务微信) is such an adapter.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .services.audit import Kind, audit_record

REFUSAL_KEY = "_unified_login_refused"
MATCH_FIELDS = ("employee_number", "mobile", "work_platform_id")


def refusal_message(reason: str) -> str:
    if reason == "unknown":
        return _(
            "统一身份认证已通过，但本系统中没有与您的身份对应的账号。请联系系统管理员，在您的账号中登记工号或手机号码。"
        )
    if reason == "ambiguous":
        return _("您的身份对应本系统中的多个账号，无法登录。请联系系统管理员。")
    if reason == "inactive":
        return _("您在本系统中的账号已停用。请联系系统管理员。")
    if reason == "no_claim":
        return _("统一身份认证没有提供用于识别身份的信息（如工号），无法登录。请联系系统管理员。")
    if reason == "state":
        return _("登录请求已失效或不是由本系统发起的，未登录任何账号。请返回登录页重新登录。")
    if reason == "platform":
        return _("工作平台未能确认您的身份（平台返回错误或无法连接），未登录任何账号。请稍后重试，或使用其他方式登录。")
    return _("统一身份认证未能完成，请重新登录。")


class UnifiedLoginBackend(OIDCAuthenticationBackend):
    """Matches a person to an existing account by ``Profile.<OIDC_MATCH_FIELD>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Nothing here: Django builds every backend anew for each has_perm (the navigation
        asks several on every page), and mozilla-django-oidc's constructor reads every OIDC
        setting. They are read when a login is actually handled."""

    def authenticate(self, request, **kwargs: Any):
        if not settings.OIDC_ENABLED:
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        self.UserModel = get_user_model()
        return super().get_user(user_id)

    def verify_claims(self, claims: dict) -> bool:
        return True  # which claims are needed is checked where they are matched

    def _refuse(self, reason: str, claims: dict, claim: str) -> None:
        request = getattr(self, "request", None)
        if request is not None and hasattr(request, "session"):
            request.session[REFUSAL_KEY] = reason
        value = str(claims.get(claim) or claims.get("sub") or "")
        audit_record(
            Kind.LOGIN_FAILED, actor=None, request=request, actor_name=value, detail=f"unified login: {reason}"
        )

    def user_for_claims(self, claims: dict, *, claim: str = "", field: str = ""):
        """The one active account whose Profile holds the claim's value, or None (the reason
        stored for the refusal page and written to the audit trail). ``claim`` and ``field``
        default to OIDC_MATCH_CLAIM and OIDC_MATCH_FIELD; an adapter whose platform always
        answers with one kind of identifier names its own (work_login: userid →
        work_platform_id)."""
        claim = claim or settings.OIDC_MATCH_CLAIM
        field = field or settings.OIDC_MATCH_FIELD
        if field not in MATCH_FIELDS:
            raise ValueError(f"OIDC_MATCH_FIELD={field!r}: one of {', '.join(MATCH_FIELDS)}")
        value = str(claims.get(claim) or "").strip()
        if not value:
            return self._refuse("no_claim", claims, claim)
        users = list(get_user_model().objects.filter(**{f"profile__{field}": value})[:2])
        if not users:
            return self._refuse("unknown", claims, claim)
        if len(users) > 1:
            return self._refuse("ambiguous", claims, claim)
        if not users[0].is_active:
            return self._refuse("inactive", claims, claim)
        return users[0]

    def get_or_create_user(self, access_token, id_token, payload):
        claims = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        return self.user_for_claims(claims)

    # Permissions are the rules' and the admin backend's (permissions.py); inheriting
    # ModelBackend's would cost two queries per has_perm for every unified-login user.
    def get_all_permissions(self, user_obj, obj=None) -> set:
        return set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False
