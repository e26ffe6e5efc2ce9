"""Who a login is outside this app: the stable identifiers a district's government platform
knows a person by (employee number, mobile, the work-platform user id). Unified login matches
on them, the onboarding workbook fills them, work messages are addressed by them. They never
grant a role: roles are memberships."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), on_delete=models.CASCADE, related_name="profile"
    )
    employee_number = models.CharField(_("工号"), max_length=32, blank=True)
    mobile = models.CharField(_("手机号码"), max_length=20, blank=True)
    work_platform_id = models.CharField(
        _("政务平台账号"), max_length=64, blank=True, help_text=_("工作消息发送到此账号（如粤政易、政务微信的 UserID）")
    )

    class Meta:
        verbose_name = _("账号身份")
        verbose_name_plural = _("账号身份")
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"], condition=~Q(employee_number=""), name="profile_unique_employee_number"
            ),
            models.UniqueConstraint(fields=["mobile"], condition=~Q(mobile=""), name="profile_unique_mobile"),
            models.UniqueConstraint(
                fields=["work_platform_id"], condition=~Q(work_platform_id=""), name="profile_unique_work_platform_id"
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)
