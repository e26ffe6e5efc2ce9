"""The login form (local login may be kept for administrators only) and the second factor's forms."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from ..models import AdministratorRole


def is_administrator(user) -> bool:
    """A superuser or a holder of a 三员 role: who keeps local login under LOCAL_LOGIN=administrators."""
    return user.is_superuser or AdministratorRole.objects.filter(user=user).exists()


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "local_login_off": _("本系统已启用统一身份认证，请点击“统一身份认证登录”。"),
    }

    @property
    def local_login_refused(self) -> bool:
        return self.has_error(forms.forms.NON_FIELD_ERRORS, "local_login_off")

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if settings.LOCAL_LOGIN == "administrators" and not is_administrator(user):
            raise forms.ValidationError(self.error_messages["local_login_off"], code="local_login_off")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("验证码"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text=_("身份验证器应用显示的 6 位数字，或一个恢复码。"),
    )
