"""The register of comments from the public (意见建议登记簿): what came in through the public
page's form, or by phone, letter, e-mail or in person (logged by the secretary), who handles
it, the answer, and its closing. Private: never shown on a public page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bulletins import Bulletin
from .organisations import Organisation

COMMENT_MAX_CHARS = 2000


class PublicComment(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", _("网页留言")
        PHONE = "phone", _("电话")
        LETTER = "letter", _("信件")
        EMAIL = "email", _("电子邮件")
        VISIT = "visit", _("来访")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="public_comments")
    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments", verbose_name=_("所涉通报")
    )
    channel = models.CharField(_("来源"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    body = models.TextField(_("意见建议"), max_length=COMMENT_MAX_CHARS)
    received_at = models.DateTimeField(_("收到时间"), default=timezone.now)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办人"),
    )
    answer = models.TextField(_("答复情况"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议登记簿")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "closed_at"], name="comment_org_closed")]
        constraints = [
            # Closed only once answered (services.comments.comment_close).
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(answered_at__isnull=False), name="comment_closed_answered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation.short_name} · {self.received_at:%Y-%m-%d}"

    @property
    def state_label(self) -> str:
        if self.closed_at:
            return str(_("已办结"))
        return str(_("已答复")) if self.answered_at else str(_("待答复"))
