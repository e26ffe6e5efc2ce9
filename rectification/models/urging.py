"""Urging from above (督办): the numbered 督办函 a supervisor sends an organisation about
chosen measures or a whole inspection, the secretary's written reply (with attachments),
and the talks (约谈) the supervisor records.

Until the secretary replies, the issuing supervisors may correct a letter (its text,
deadline and measures; ``revised_at`` says when) or withdraw it (撤回): a withdrawn letter
stays on record, marked with who withdrew it, when and why, and asks for no reply. Once
answered it is never changed: it is the record of what was asked and by when; the
supervisor who issued it reads the reply and closes the matter (办结).
Its number (「福田巡督〔2026〕3号」) is unique per issuing organisation and year, handed
out under a lock on the issuing organisation (services/urging.py).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .inspections import Inspection
from .measures import Measure
from .organisations import Organisation


class UrgingLetter(models.Model):
    """督办函: issued by a supervisor of ``issuer`` (an organisation above) to
    ``organisation`` about ``measures`` of ``inspection`` (none chosen: the whole inspection)."""

    issuer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="urgings_issued")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="urgings")
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="urgings")
    measures = models.ManyToManyField(Measure, blank=True, related_name="urgings")
    # The number's parts: 「{prefix}〔{year}〕{serial}号」; prefix kept as issued, so renaming
    # the issuer later does not renumber old letters.
    prefix = models.CharField(_("发文机关代字"), max_length=30)
    year = models.PositiveSmallIntegerField(_("年份"))
    serial = models.PositiveIntegerField(_("序号"))
    subject = models.CharField(_("事由"), max_length=200)
    text = models.TextField(_("督办内容"))
    reply_due_on = models.DateField(_("回复期限"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("发出时间"), default=timezone.now)
    # The issuing form's one-time token: a double click or a resubmitted form finds the
    # letter already made instead of issuing a second, differently numbered one.
    token = models.CharField(max_length=40, blank=True, default="")
    revised_at = models.DateTimeField(_("修改时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = models.CharField(_("撤回理由"), max_length=500, blank=True)
    # The issuing supervisor has read the reply and closes the matter (办结); until then the
    # answered letter waits on their to-do home.
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("督办函")
        verbose_name_plural = _("督办函")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "year", "serial"], name="urging_letter_unique_number"),
            models.UniqueConstraint(fields=["token"], condition=~Q(token=""), name="urging_letter_unique_token"),
        ]
        indexes = [models.Index(fields=["organisation", "reply_due_on"], name="urging_letter_org_due")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.serial}号"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def is_reply_late(self, replied_on: dt.date | None, today: dt.date) -> bool:
        """Late: not answered by the deadline (answered after it, or not yet and past it)."""
        return (replied_on or today) > self.reply_due_on


def urging_attachment_upload_to(instance: UrgingAttachment, filename: str) -> str:
    # A random name, as evidence: the original name is a field, never a path.
    import uuid

    return f"urging/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class UrgingReply(models.Model):
    """The committee secretary's written answer to a letter; one per letter, never edited."""

    letter = models.OneToOneField(UrgingLetter, on_delete=models.PROTECT, related_name="reply")
    text = models.TextField(_("回复内容"))
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField(_("回复时间"), default=timezone.now)

    class Meta:
        verbose_name = _("督办回复")
        verbose_name_plural = _("督办回复")

    def __str__(self) -> str:
        return f"{self.letter} · {self.replied_at:%Y-%m-%d}"


class UrgingAttachment(models.Model):
    """A file attached to a reply, checked and stored as evidence is (services/evidence.py)."""

    reply = models.ForeignKey(UrgingReply, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=urging_attachment_upload_to, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("回复附件")
        verbose_name_plural = _("回复附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class Talk(models.Model):
    """约谈: who of the supervisors talked with whom of the organisation, when, why, what
    was promised and what follows."""

    issuer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="talks_held")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="talks")
    inspection = models.ForeignKey(Inspection, null=True, blank=True, on_delete=models.PROTECT, related_name="talks")
    held_on = models.DateField(_("约谈日期"))
    talked_by = models.CharField(_("约谈人"), max_length=200)
    talked_with = models.CharField(_("约谈对象"), max_length=200)
    reason = models.TextField(_("约谈事由"))
    promises = models.TextField(_("表态承诺"), blank=True)
    follow_up = models.TextField(_("后续跟进"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("约谈记录")
        verbose_name_plural = _("约谈记录")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.organisation.short_name} · {self.held_on}"
