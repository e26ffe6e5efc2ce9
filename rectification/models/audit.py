"""The security audit trail (安全审计) and the account rules 等保 level 3 asks for: the three
separate administrators (三员) and the password history.

An AuditEvent is written once and never changed: triggers in the database itself (migration
``audit_trail``, on PostgreSQL and SQLite) refuse every UPDATE, and every DELETE of a row
younger than the legal minimum of six months, whoever sends it — the app, an administrator in
a database shell, or the admin. The pruning job (services/audit.py) is the only code that
deletes, only rows older than AUDIT_RETENTION_DAYS, and it records its own run.

Who acted is kept as an id and a name, not as a foreign key: a user deleted later must not
turn an event into an UPDATE (SET NULL) or take it with them (CASCADE).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The legal minimum (网络安全法 第二十一条: network logs kept no less than six months); the
# triggers hold it whatever AUDIT_RETENTION_DAYS says.
AUDIT_MINIMUM_DAYS = 183


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账号锁定")
        UNLOCKED = "unlocked", _("解除锁定")
        PASSWORD_CHANGED = "password_changed", _("修改密码")
        OTP_ENROLLED = "otp_enrolled", _("绑定双因素认证")
        OTP_FAILED = "otp_failed", _("双因素认证失败")
        PERMISSION_CHANGED = "permission_changed", _("权限变更")
        MEMBERSHIP_CHANGED = "membership_changed", _("任职变更")
        ACCOUNT_CHANGED = "account_changed", _("账号变更")
        EXPORT = "export", _("导出")
        EVIDENCE_DOWNLOAD = "evidence_download", _("下载佐证材料")
        PUBLICATION = "publication", _("发布或撤回通报")
        DECISION = "decision", _("督导决定")
        AUDIT_READ = "audit_read", _("查阅审计记录")
        PRUNED = "pruned", _("清理过期审计记录")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("事件"), max_length=32, choices=Kind.choices)
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    address = models.CharField(_("来源地址"), max_length=45, blank=True)
    target = models.CharField(_("对象"), max_length=200, blank=True)
    detail = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-pk"]
        # Read by auditors in the app; the admin has no page for it (nobody edits it).
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.actor_name}"


class AdministratorRole(models.Model):
    """三员: the system administrator (accounts, settings), the security administrator (roles,
    memberships) and the auditor (the trail). One person holds one of them unless the
    deployment sets THREE_ADMINS_MAY_COMBINE (services/administrators.py enforces it)."""

    class Role(models.TextChoices):
        SYSTEM = "system", _("系统管理员")
        SECURITY = "security", _("安全管理员")
        AUDITOR = "auditor", _("审计管理员")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="admin_roles"
    )
    role = models.CharField(_("管理员角色"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("管理员角色（三员）")
        verbose_name_plural = _("管理员角色（三员）")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="admin_role_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class PasswordRecord(models.Model):
    """One row per password a user has set: its hash (to refuse the last N again) and when
    (the password's age, for the periodic change)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_records")
    password = models.CharField(max_length=128)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("密码记录")
        verbose_name_plural = _("密码记录")
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["user", "-changed_at"], name="password_record_recent")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id} {self.changed_at:%Y-%m-%d}"
