"""Logging filters, loaded while the settings are configured (so nothing here imports Django's apps)."""

from __future__ import annotations

import logging


class QuietForbiddenFilter(logging.Filter):
    """django.request logs every 403 with the PermissionDenied traceback, which says
    nothing (a refusal is the rule working); keep the one line, drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
