"""The bulletin's review before publication (where the district requires it) and the
items held back from publication (不予公开).

A review is of one exact text: the draft's HTML as rendered when the secretary submitted
it, kept with its SHA-256. Publishing renders the draft again and compares: an edit after
the approval (of the draft, the data or a held-back item) is a different text, which needs
approval again. Nothing of a review is deleted; a decision fills its ``decided_*`` fields once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .bulletins import Bulletin
from .inspections import Finding


class BulletinReview(models.Model):
    """One submission of the bulletin draft to the supervisor above, and its decision."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已报审待审核")
        RETURNED = "returned", _("已退回修改")
        APPROVED = "approved", _("已审核通过")

    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="reviews")
    number = models.PositiveIntegerField()
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED)
    html = models.TextField(help_text="the draft as submitted: what the reviewer reads")
    html_sha256 = models.CharField(max_length=64)
    # The date the draft was rendered with: a blank 成文日期 prints it, and publishing an
    # approved text renders with the same date, so that the text stays the one approved.
    rendered_on = models.DateField()
    # What was held back when submitted (heading, reason, who agreed), for the reviewer.
    withheld = models.JSONField(default=list, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comments = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("通报审核")
        verbose_name_plural = _("通报审核")
        ordering = ["bulletin", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "number"], name="bulletin_review_unique_number"),
            # One submission awaiting a decision per bulletin: two would race each other.
            models.UniqueConstraint(
                fields=["bulletin"], condition=Q(state="submitted"), name="bulletin_review_one_pending"
            ),
            # A decision says who and when; a return also says why.
            models.CheckConstraint(
                condition=Q(state="submitted", decided_by__isnull=True, decided_at__isnull=True)
                | (~Q(state="submitted") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="bulletin_review_decision_complete",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(comments=""), name="bulletin_review_return_has_comments"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} · 报审 {self.number}"


class WithheldFinding(models.Model):
    """A problem (with its sub-problems and measures) held back from the public bulletin
    (不予公开), e.g. a matter still under investigation: why, and who agreed. The
    bulletin's selector leaves it out, so no public file ever carries it."""

    finding = models.OneToOneField(Finding, on_delete=models.CASCADE, related_name="withholding")
    reason = models.TextField(_("不予公开的理由"))
    agreed_by = models.CharField(_("同意人"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    # Released (the item may be published again) is a deletion; the history keeps who
    # held it back, why, who agreed and who released it.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("不予公开事项")
        verbose_name_plural = _("不予公开事项")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason="") & ~Q(agreed_by=""), name="withheld_finding_reason_and_agreement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.finding} · 不予公开"
