"""Files that prove a measure's work (佐证材料)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .measures import Measure


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # Stored under a random name; the original name is kept in a field, never trusted as a path.
    import uuid

    return f"evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file proving the work. Never public."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
