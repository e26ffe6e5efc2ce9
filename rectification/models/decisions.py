"""Decisions on a measure: sign-off (销号), deadline extension (延期) and re-check (回头看)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .measures import Measure, MeasureStatus


class SignOff(models.Model):
    """A sign-off decision and exactly what it approved, frozen at that moment.

    ``level`` allows a supervisor-level acceptance (三方验收) on top of the secretary's.
    """

    class Decision(models.TextChoices):
        APPROVED = "approved", _("同意销号")
        SENT_BACK = "sent_back", _("退回")

    class Level(models.TextChoices):
        SECRETARY = "secretary", _("书记销号")
        SUPERVISOR = "supervisor", _("巡察办验收")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="sign_offs")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    level = models.CharField(max_length=20, choices=Level.choices, default=Level.SECRETARY)
    reason = models.TextField(_("意见"), blank=True)
    progress_snapshot = models.TextField(blank=True)
    evidence_snapshot = models.JSONField(default=list, help_text="[{name, sha256, size}]")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("销号记录")
        verbose_name_plural = _("销号记录")
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="sent_back") | ~Q(reason=""), name="signoff_send_back_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.measure_id}"


class DeadlineExtension(models.Model):
    """A request to move a measure's deadline (延期), and the secretary's decision."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="extensions")
    old_due_on = models.DateField(_("原时限"))
    new_due_on = models.DateField(_("申请时限"))
    reason = models.TextField(_("延期理由"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(new_due_on__gt=F("old_due_on")), name="extension_moves_later"),
            models.UniqueConstraint(
                fields=["measure"], condition=Q(state="pending"), name="extension_one_pending_per_measure"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_due_on} → {self.new_due_on} ({self.get_state_display()})"


class ReCheck(models.Model):
    """A follow-up check (回头看) that a signed-off measure stayed fixed."""

    class State(models.TextChoices):
        PENDING = "pending", _("待核查")
        CONFIRMED = "confirmed", _("未反弹")
        REOPENED = "reopened", _("已反弹，重新整改")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="rechecks")
    due_on = models.DateField(_("核查日期"))
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    note = models.TextField(_("核查情况"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "due_on"], name="recheck_unique_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.due_on} {self.get_state_display()}"


def sent_back_q() -> Q:
    """退回: in progress, and the secretary's latest sign-off decision on it was a send-back
    (a measure reopened by a re-check or signed off later is not). The to-do home and the
    list's ``sent_back`` filter count with it."""
    latest = SignOff.objects.filter(measure=OuterRef("pk")).order_by("-decided_at", "-pk").values("decision")[:1]
    return Q(status=MeasureStatus.IN_PROGRESS) & Q(Exact(Subquery(latest), Value(SignOff.Decision.SENT_BACK)))


def _latest_sign_off(field: str) -> Coalesce:
    # Coalesced so that a done measure without any sign-off row (imported as 已完成 before
    # sign-offs were recorded) compares false rather than NULL, and NOT(...) stays true.
    latest = SignOff.objects.filter(measure=OuterRef("pk")).order_by("-decided_at", "-pk").values(field)[:1]
    return Coalesce(Subquery(latest), Value(""))


def accepted_q() -> Q:
    """已验收: signed off, and a supervisor accepted this sign-off (``Measure.accepted_at``,
    which a reopening or a new sign-off clears, so such a measure awaits acceptance again)."""
    return Q(status=MeasureStatus.DONE, accepted_at__isnull=False)


def awaiting_acceptance_q() -> Q:
    """待验收 (where the district's rule asks for acceptance): signed off and not accepted
    since. A measure the supervisor returned is in progress again, so it is not here."""
    return Q(status=MeasureStatus.DONE) & ~accepted_q()
