"""整改验收意见: the supervisor's conclusion on a whole inspection once its measures have
been through acceptance (验收) — passed (通过验收), or a second round of rectification by a
date (限期二次整改) on the measures concerned — issued as a numbered document.

An inspection has one opinion per round: round 1 first; a second-round conclusion, once
issued, lets a later round conclude again. A draft is edited by the supervisors who may
conclude; once issued it is never edited: it is the record of the conclusion. Its number
(「福田巡验〔2026〕1号」) is unique per issuing organisation and year, handed out on issue
under a lock on the issuing organisation (services/acceptance_opinions.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .inspections import Inspection
from .measures import Measure
from .organisations import Organisation


class AcceptanceOpinion(models.Model):
    class Conclusion(models.TextChoices):
        PASSED = "passed", _("通过验收")
        SECOND_ROUND = "second_round", _("限期二次整改")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已签发")

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="acceptance_opinions")
    round = models.PositiveSmallIntegerField(_("验收轮次"), default=1)
    # The supervising organisation in whose name it is issued (the drafter's nearest
    # supervisor membership at or above the inspected organisation).
    issuer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="acceptance_opinions_issued")
    conclusion = models.CharField(_("验收结论"), max_length=20, choices=Conclusion.choices)
    second_due_on = models.DateField(_("二次整改期限"), null=True, blank=True)
    measures = models.ManyToManyField(Measure, blank=True, related_name="acceptance_opinions")
    text = models.TextField(_("验收情况"), blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    # The number's parts, set on issue (「{prefix}〔{year}〕{serial}号」).
    prefix = models.CharField(_("发文机关代字"), max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(_("年份"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("序号"), null=True, blank=True)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    # The figures the document states (problems, measures, signed off, accepted), frozen on
    # issue so that the record reads the same later (selectors.acceptance_opinions).
    figures = models.JSONField(default=dict, blank=True)
    # Bumped on every save: a form still open on an older draft is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("整改验收意见")
        verbose_name_plural = _("整改验收意见")
        ordering = ["inspection", "round"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "round"], name="acceptance_opinion_one_per_round"),
            models.UniqueConstraint(
                fields=["issuer", "year", "serial"],
                condition=Q(state="issued"),
                name="acceptance_opinion_unique_number",
            ),
            models.CheckConstraint(
                condition=~Q(conclusion="second_round", state="issued", second_due_on__isnull=True),
                name="acceptance_opinion_second_round_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.get_conclusion_display()}"

    @property
    def is_issued(self) -> bool:
        return self.state == self.State.ISSUED

    @property
    def number(self) -> str:
        """「福田巡验〔2026〕1号」 once issued; empty on a draft."""
        return f"{self.prefix}〔{self.year}〕{self.serial}号" if self.is_issued else ""
