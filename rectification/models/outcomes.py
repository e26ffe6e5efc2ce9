"""The outcome registers of a measure: rules made or revised (建章立制), people dealt with
(by kind of treatment, never by name) and money (清退 / 追回 / 挽回经济损失, in 万元).

They replace the bare per-measure numbers (``rules_made``, ``people_handled``,
``money_recovered``); migration 0024 carried every existing figure into them with the kind
「未分类」, since the numbers never said which kind they were."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .evidence import Evidence
from .measures import Measure


class RuleKind(models.TextChoices):
    MADE = "made", _("新建")
    REVISED = "revised", _("修订")
    UNSPECIFIED = "unspecified", _("未分类")


class TreatmentKind(models.TextChoices):
    PARTY_DISCIPLINE = "party_discipline", _("党纪处分")
    GOVERNMENT_SANCTION = "government_sanction", _("政务处分")
    ORGANISATIONAL = "organisational", _("组织处理")
    ADMONITION = "admonition", _("诫勉谈话")
    CRITICISM = "criticism", _("批评教育")
    TRANSFERRED = "transferred", _("移送司法机关")
    UNSPECIFIED = "unspecified", _("未分类")


class MoneyKind(models.TextChoices):
    REFUNDED = "refunded", _("清退")
    RECOVERED = "recovered", _("追回")
    LOSS_RECOVERED = "loss_recovered", _("挽回经济损失")
    UNSPECIFIED = "unspecified", _("未分类")


class RuleRecord(models.Model):
    """One rule (制度) made or revised for a measure; counts one each."""

    Kind = RuleKind

    measure = models.ForeignKey(Measure, verbose_name=_("整改措施"), on_delete=models.CASCADE, related_name="rules")
    title = models.CharField(_("制度名称"), max_length=300)
    kind = models.CharField(_("新建或修订"), max_length=20, choices=Kind.choices, default=Kind.MADE)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    evidence = models.ForeignKey(
        Evidence, verbose_name=_("制度文件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("建章立制")
        verbose_name_plural = _("建章立制")
        ordering = ["measure", "pk"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=RuleKind.values), name="rule_valid_kind")]

    def __str__(self) -> str:
        return self.title


class TreatmentRecord(models.Model):
    """People dealt with (处理人数) by kind of treatment: a count, never a name."""

    Kind = TreatmentKind

    measure = models.ForeignKey(
        Measure, verbose_name=_("整改措施"), on_delete=models.CASCADE, related_name="treatments"
    )
    kind = models.CharField(_("处理方式"), max_length=30, choices=Kind.choices)
    count = models.PositiveIntegerField(_("人数"))
    dealt_on = models.DateField(_("处理日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("处理人员")
        verbose_name_plural = _("处理人员")
        ordering = ["measure", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=TreatmentKind.values), name="treatment_valid_kind"),
            models.CheckConstraint(condition=Q(count__gt=0), name="treatment_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.count}"


class MoneyRecord(models.Model):
    """Money refunded, recovered or losses retrieved, in 万元 to two decimals."""

    Kind = MoneyKind

    measure = models.ForeignKey(Measure, verbose_name=_("整改措施"), on_delete=models.CASCADE, related_name="money")
    kind = models.CharField(_("资金类别"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("金额（万元）"), max_digits=12, decimal_places=2)
    recorded_on = models.DateField(_("日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("资金")
        verbose_name_plural = _("资金")
        ordering = ["measure", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MoneyKind.values), name="money_valid_kind"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="money_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"
