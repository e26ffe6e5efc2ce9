"""三员: granting and revoking the three administrator roles, by the security administrator
(or the superuser at installation). One person holds one role unless the deployment sets
THREE_ADMINS_MAY_COMBINE; nobody changes their own roles. Holding a role makes the account
staff (it may open the admin, where each role sees only its own pages: permissions.py's
``AdminModelBackend``); losing the last one ends that. Every change is in the audit trail
(audit_signals.py)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import AdministratorRole
from ..permissions import administrator_roles


def _require_security_admin(by) -> None:
    if not (by.is_superuser or AdministratorRole.Role.SECURITY in administrator_roles(by)):
        raise PermissionDenied(_("只有安全管理员可以分配管理员角色。"))


@transaction.atomic
def administrator_grant(*, by, user, role: str) -> AdministratorRole:
    _require_security_admin(by)
    if user.pk == by.pk and not by.is_superuser:
        raise ValidationError(_("不能为自己分配管理员角色。"))
    held = set(AdministratorRole.objects.select_for_update().filter(user=user).values_list("role", flat=True))
    if role in held:
        return AdministratorRole.objects.get(user=user, role=role)
    if held and not settings.THREE_ADMINS_MAY_COMBINE:
        raise ValidationError(_("系统管理员、安全管理员和审计管理员须由不同的人担任：该账号已担任其他管理员角色。"))
    granted = AdministratorRole.objects.create(user=user, role=role)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return granted


@transaction.atomic
def administrator_revoke(*, by, granted: AdministratorRole) -> None:
    _require_security_admin(by)
    user = granted.user
    if user.pk == by.pk and not by.is_superuser:
        raise ValidationError(_("不能更改自己的管理员角色。"))
    granted.delete()
    if not user.is_superuser and not AdministratorRole.objects.filter(user=user).exists() and user.is_staff:
        user.is_staff = False
        user.save(update_fields=["is_staff"])
