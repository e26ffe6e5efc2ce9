"""The supervisors' escalation ladder (督办) and the daily sweep's record of periodic steps."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .measures import Measure


class Escalation(models.Model):
    """A named step of the supervisors' ladder, kept on the record."""

    class Step(models.TextChoices):
        NOTICE = "notice", _("督办通知书")
        GUIDANCE = "guidance", _("督查指导书")
        REMINDER = "reminder", _("提醒书")
        WARNING = "warning", _("告诫书")
        ACCOUNTABILITY = "accountability", _("问责书")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="escalations")
    step = models.CharField(max_length=20, choices=Step.choices)
    issued_on = models.DateField()
    final_due_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("督办记录")
        verbose_name_plural = _("督办记录")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "step", "issued_on"], name="escalation_unique_per_day"),
        ]
        # The sweep's "issued today" lookups (escalation notices).
        indexes = [models.Index(fields=["issued_on", "step"], name="escalation_issued")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {self.issued_on}"


class SweepMark(models.Model):
    """A step of the daily sweep done for a whole period, on ``done_on``: later runs in the
    same period skip it (see sweep.reminders_overdue_repeat)."""

    step = models.CharField(_("步骤"), max_length=40)
    period = models.PositiveIntegerField(_("周期"))
    done_on = models.DateField(_("完成日期"))

    class Meta:
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")
        constraints = [models.UniqueConstraint(fields=["step", "period"], name="sweep_mark_unique")]

    def __str__(self) -> str:
        return f"{self.step} #{self.period} {self.done_on}"
