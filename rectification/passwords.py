"""Password rules 等保 level 3 asks for, as Django password validators (settings:
AUTH_PASSWORD_VALIDATORS): characters of several classes, no reuse of the last N passwords,
and — through ``password_changed``, which Django calls after every password a user is given,
by the form, the admin or a command — the record of when, for the periodic change."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import PasswordRecord

_CLASSES = (str.isupper, str.islower, str.isdigit)


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and other characters the password uses."""
    found = sum(1 for test in _CLASSES if any(test(c) for c in password))
    return found + (1 if any(not (c.isascii() and c.isalnum()) for c in password) else 0)


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _("密码须包含大写字母、小写字母、数字和其他符号中的至少 %(n)d 类。") % {"n": self.min_classes}


class HistoryValidator:
    """Refuses any of the user's last ``keep`` passwords; records each new one."""

    def __init__(self, keep: int = 5) -> None:
        self.keep = keep

    def _recent(self, user) -> list[str]:
        if user is None or user.pk is None or self.keep <= 0:
            return []
        return list(PasswordRecord.objects.filter(user=user).values_list("password", flat=True)[: self.keep])

    def validate(self, password: str, user=None) -> None:
        if any(check_password(password, old) for old in self._recent(user)):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user=None) -> None:
        if user is not None and user.pk is not None:
            PasswordRecord.objects.create(user=user, password=user.password)

    def get_help_text(self) -> str:
        return ngettext(
            "新密码不能与最近 %(n)d 次使用过的密码相同。", "新密码不能与最近 %(n)d 次使用过的密码相同。", self.keep
        ) % {"n": self.keep}


def password_expires_at(user) -> dt.datetime | None:
    """When the user's password must be changed (None: never). A user with no record yet
    starts the clock now (the record is written), so turning the rule on expires nobody at once."""
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return None
    last = PasswordRecord.objects.filter(user=user).values_list("changed_at", flat=True).first()
    if last is None:
        last = PasswordRecord.objects.create(user=user, password=user.password).changed_at
    return last + dt.timedelta(days=days)


def password_expired(user) -> bool:
    expires = password_expires_at(user)
    return expires is not None and expires <= timezone.now()
