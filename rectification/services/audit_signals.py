"""What Django and django-axes announce, into the audit trail: logins, logouts, failed logins,
lock-outs, and every change of who may do what (memberships, 三员 roles, groups, permissions,
the superuser and staff flags, accounts created or switched off), however it is made — the
admin, a service, a command. Connected once by ``RectificationConfig.ready()``."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from ..models import AdministratorRole, Membership
from .audit import Kind, audit_record

User = get_user_model()
_FLAGS = ("is_active", "is_staff", "is_superuser")


@receiver(user_logged_in)
def _logged_in(sender: Any, request, user, **kwargs: Any) -> None:
    backend = getattr(user, "backend", "") or ""
    audit_record(Kind.LOGIN, actor=user, request=request, detail=backend.rsplit(".", 1)[-1])


@receiver(user_logged_out)
def _logged_out(sender: Any, request, user, **kwargs: Any) -> None:
    if user is not None:
        audit_record(Kind.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict, request=None, **kwargs: Any) -> None:
    if "username" not in credentials:
        return  # a unified login: its backend records why it was refused (oidc.py)
    audit_record(Kind.LOGIN_FAILED, actor=None, request=request, actor_name=str(credentials.get("username") or ""))


@receiver(user_locked_out)
def _locked_out(sender: Any, request, username: str | None = None, **kwargs: Any) -> None:
    audit_record(Kind.LOCKED_OUT, actor=None, request=request, actor_name=str(username or ""))


@receiver(post_save, sender=Membership)
def _membership_saved(sender: Any, instance: Membership, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return  # a fixture or a restore loading rows: nobody changed anything
    verb = "added" if created else "changed"
    audit_record(
        Kind.MEMBERSHIP_CHANGED, target=instance.user, detail=f"{verb} {instance.role} @{instance.organisation_id}"
    )


@receiver(post_delete, sender=Membership)
def _membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    audit_record(
        Kind.MEMBERSHIP_CHANGED,
        target=f"auth.user#{instance.user_id}",
        detail=f"removed {instance.role} @{instance.organisation_id}",
    )


@receiver(post_save, sender=AdministratorRole)
def _admin_role_saved(
    sender: Any, instance: AdministratorRole, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    audit_record(Kind.PERMISSION_CHANGED, target=instance.user, detail=f"granted {instance.role}")


@receiver(post_delete, sender=AdministratorRole)
def _admin_role_deleted(sender: Any, instance: AdministratorRole, **kwargs: Any) -> None:
    audit_record(Kind.PERMISSION_CHANGED, target=f"auth.user#{instance.user_id}", detail=f"revoked {instance.role}")


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def _user_m2m_changed(sender: Any, instance, action: str, pk_set, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, User):
        field = "groups" if sender is User.groups.through else "user_permissions"
        ids = ",".join(str(pk) for pk in sorted(pk_set or ()))
        audit_record(Kind.PERMISSION_CHANGED, target=instance, detail=f"{field} {action[5:]} {ids}")


@receiver(pre_save, sender=User)
def _user_flags_before(sender: Any, instance, update_fields=None, raw: bool = False, **kwargs: Any) -> None:
    """Remember the flags as stored; a login's save (update_fields=last_login) is skipped."""
    if raw or instance.pk is None or (update_fields is not None and not set(update_fields) & set(_FLAGS)):
        return
    instance._audit_flags_before = User.objects.filter(pk=instance.pk).values(*_FLAGS).first()


@receiver(post_save, sender=User)
def _user_saved(sender: Any, instance, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if created:
        flags = " ".join(flag for flag in _FLAGS if getattr(instance, flag))
        audit_record(Kind.ACCOUNT_CHANGED, target=instance, detail=f"created {flags}".strip())
        return
    before = getattr(instance, "_audit_flags_before", None)
    if not before:
        return
    instance._audit_flags_before = None
    changed = [f"{flag}={getattr(instance, flag)}" for flag in _FLAGS if before[flag] != getattr(instance, flag)]
    if changed:
        kind = Kind.ACCOUNT_CHANGED if changed == [f"is_active={instance.is_active}"] else Kind.PERMISSION_CHANGED
        audit_record(kind, target=instance, detail=" ".join(changed))


@receiver(post_delete, sender=AccessAttempt)
def _unlocked(sender: Any, instance: AccessAttempt, **kwargs: Any) -> None:
    """A lock-out deleted: the system administrator's unlock in the admin, or the owner's
    first login once it ended. Failures below the limit cleared by a login are no lock."""
    if instance.failures_since_start >= settings.AXES_FAILURE_LIMIT:
        audit_record(
            Kind.UNLOCKED, target=f"username {instance.username}", detail=f"failures={instance.failures_since_start}"
        )
