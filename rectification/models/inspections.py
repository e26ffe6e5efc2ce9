"""An inspection round and what it found: categories (方面) and findings (整改事项)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .organisations import Organisation


class InspectionKind(models.TextChoices):
    REGULAR = "regular", _("常规巡察")
    SPECIAL = "special", _("专项巡察")
    FOLLOW_UP = "follow_up", _("巡察“回头看”")
    ELEVATED = "elevated", _("提级巡察")
    CROSS = "cross", _("交叉巡察")


class Recurrence(models.TextChoices):
    """What a 回头看 found of a problem the earlier round reported."""

    REBOUND = "rebound", _("反弹")
    REPEAT = "repeat", _("重复发生")


class Inspection(models.Model):
    """One inspection round of one organisation by one team.

    ``round_no`` is the district's numbering (第N轮); a 回头看 or a later round ``follows``
    the earlier inspection whose problems it brings in."""

    Kind = InspectionKind

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("被巡察党组织"), on_delete=models.PROTECT, related_name="inspections"
    )
    deployed_by = models.CharField(_("巡察部署单位"), max_length=100, default="区委")
    team = models.CharField(_("巡察组"), max_length=100)
    onsite_start = models.DateField(_("进驻开始日期"))
    onsite_end = models.DateField(_("进驻结束日期"))
    feedback_on = models.DateField(_("反馈日期"))
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    kind = models.CharField(
        _("巡察类型"), max_length=20, choices=InspectionKind.choices, default=InspectionKind.REGULAR
    )
    round_no = models.PositiveIntegerField(
        _("巡察轮次"), null=True, blank=True, help_text=_("区里编排的轮次，如第3轮填3")
    )
    follows = models.ForeignKey(
        "self",
        verbose_name=_("跟进的前一轮巡察"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("巡察")
        verbose_name_plural = _("巡察")
        ordering = ["-feedback_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(onsite_end__gte=F("onsite_start")), name="inspection_onsite_in_order"),
            models.CheckConstraint(
                condition=Q(feedback_on__gte=F("onsite_end")), name="inspection_feedback_after_onsite"
            ),
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) | Q(deadline__gte=F("feedback_on")),
                name="inspection_deadline_after_feedback",
            ),
            models.CheckConstraint(condition=Q(kind__in=InspectionKind.values), name="inspection_valid_kind"),
            models.CheckConstraint(condition=~Q(follows=F("pk")), name="inspection_not_own_follow_up"),
        ]
        indexes = [models.Index(fields=["round_no"], name="inspection_round")]

    def __str__(self) -> str:
        return f"{self.team} · {self.organisation} · {self.feedback_on:%Y-%m-%d}"


class Category(models.Model):
    """A group of findings (方面), in the bulletin's order."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="categories")
    title = models.CharField(_("问题类别"), max_length=300)
    position = models.PositiveIntegerField(_("顺序"))
    # The district's standard heading (models/headings.py) this free-text category maps to.
    heading = models.ForeignKey(
        "Heading",
        verbose_name=_("标准问题方面"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["inspection", "position"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "position"], name="category_unique_position"),
            models.UniqueConstraint(fields=["inspection", "title"], name="category_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """A finding and the rectification item made of it (整改事项).

    ``problem`` is the team's internal wording; ``heading`` and ``lead_in`` are public.
    A finding may have sub-problems (``parent``), numbered 「（1）」 in the bulletin.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="findings")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级事项"), null=True, blank=True, on_delete=models.CASCADE, related_name="subfindings"
    )
    position = models.PositiveIntegerField(_("顺序"))
    heading = models.CharField(_("整改事项"), max_length=300)
    problem = models.TextField(_("问题描述（内部）"), blank=True)
    lead_in = models.TextField(_("事项概述（公开）"), blank=True)
    # A problem a 回头看 brought in from the earlier round: where it came from, whether it
    # was done there when it was brought in, and what the 回头看 found (反弹 / 重复发生).
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("前一轮问题"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_into",
    )
    carried_done = models.BooleanField(_("前一轮已完成"), null=True, blank=True, editable=False)
    recurrence = models.CharField(_("回头看发现"), max_length=20, choices=Recurrence.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["category", "position"]
        constraints = [
            models.UniqueConstraint(fields=["category", "position"], name="finding_unique_position"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="finding_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.heading
