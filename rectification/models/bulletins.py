"""The progress bulletin (通报): its editable draft and its published, frozen versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .contact import ContactFields
from .inspections import Inspection

# A blank section heading prints no heading line (bulletins without a 「一、」 level).
SECTION_HEADING_HELP = _("留空则不显示该部分标题")


class Bulletin(ContactFields):
    """The editable draft of an inspection's progress bulletin (通报).

    Empty text fields mean "generate from the data"; published versions are frozen
    copies in BulletinVersion.
    """

    class HeadingStyle(models.TextChoices):
        STANDALONE = "standalone", _("独立成行")
        RUN_IN = "run_in", _("段首接排")

    class ItemNumbering(models.TextChoices):
        DOT = "dot", _("1.")
        COMMA = "comma", _("1、")

    class ZeroCounts(models.TextChoices):
        OMIT = "omit", _("省略为零的数字")
        ABSENT = "absent", _("写作“不存在……情况”")
        WRITE = "write", _("照写为零")

    class StatisticsPlace(models.TextChoices):
        INTRO = "intro", _("开篇段落（“现将……予以公布”之前）")
        SECTION2 = "section2", _("第二部分开头")

    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="bulletin")
    title = models.CharField(
        _("标题"), max_length=200, blank=True, help_text=_("留空则按“关于巡察整改进展情况的通报”生成")
    )
    intro = models.TextField(_("开篇段落"), blank=True, help_text=_("留空则按巡察信息生成"))
    section1_heading = models.CharField(
        _("第一部分标题"),
        max_length=200,
        default="党组织履行巡察整改主体责任情况",
        blank=True,
        help_text=SECTION_HEADING_HELP,
    )
    section1_text = models.TextField(_("第一部分正文"), blank=True)
    section2_heading = models.CharField(
        _("第二部分标题"), max_length=200, default="巡察整改任务落实情况", blank=True, help_text=SECTION_HEADING_HELP
    )
    section3_heading = models.CharField(
        _("第三部分标题"), max_length=200, default="下一步工作打算", blank=True, help_text=SECTION_HEADING_HELP
    )
    section3_text = models.TextField(_("第三部分正文"), blank=True)
    show_statistics = models.BooleanField(_("显示整改统计"), default=False)
    statistics_text = models.TextField(_("统计段落"), blank=True, help_text=_("留空则按数据生成"))
    statistics_place = models.CharField(
        _("统计段落位置"), max_length=20, choices=StatisticsPlace.choices, default=StatisticsPlace.INTRO
    )
    category_heading_style = models.CharField(
        _("二级标题样式"), max_length=20, choices=HeadingStyle.choices, default=HeadingStyle.STANDALONE
    )
    item_numbering = models.CharField(
        _("三级标题序号"), max_length=20, choices=ItemNumbering.choices, default=ItemNumbering.DOT
    )
    zero_counts = models.CharField(_("统计为零时"), max_length=20, choices=ZeroCounts.choices, default=ZeroCounts.OMIT)
    signature = models.CharField(_("落款"), max_length=200, blank=True, help_text=_("留空则使用党组织全称"))
    issued_on = models.DateField(_("成文日期"), null=True, blank=True)
    # The comment window (意见征集): printed in the closing paragraph, and the public page's
    # comment form is open until this day (inclusive); empty: no form, no date printed.
    comment_until = models.DateField(_("意见征集截止日期"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("整改进展通报")
        verbose_name_plural = _("整改进展通报")

    def __str__(self) -> str:
        return f"{self.inspection.organisation.short_name} · {self.inspection.feedback_on:%Y}"


class BulletinVersion(models.Model):
    """A published, frozen bulletin. Its text and files never change after it is written;
    a version published by mistake is withdrawn (撤回), which only fills the three
    ``withdrawn_*`` fields: nothing is deleted, the record keeps who, when and why."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    html = models.TextField()
    pdf = models.BinaryField()
    docx = models.BinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the PDF")
    html_sha256 = models.CharField(max_length=64)
    docx_sha256 = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("撤回人"),
    )
    withdrawal_reason = models.TextField(_("撤回原因"), blank=True)

    class Meta:
        verbose_name = _("已发布通报")
        verbose_name_plural = _("已发布通报")
        ordering = ["bulletin", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "number"], name="bulletin_version_unique_number"),
            # A withdrawal always says who and why (services.bulletin_withdraw); a half-filled
            # record would be a withdrawal nobody can account for.
            models.CheckConstraint(
                condition=(
                    models.Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason="")
                    | (
                        models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                        & ~models.Q(withdrawal_reason="")
                    )
                ),
                name="bulletin_version_withdrawal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} v{self.number}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
