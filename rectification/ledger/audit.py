"""The audit trail exported for the auditor (.xlsx): one row per event, text only."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from ..models import AuditEvent
from .safety import neutralise_formulas

HEADER = ("时间", "事件", "操作人", "操作人编号", "来源地址", "对象", "说明")
WIDTHS = (20, 16, 16, 10, 16, 40, 50)


def write_audit(events: Iterable[AuditEvent]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "审计记录"
    ws.append(HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for i, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    for e in events:
        at = timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")
        ws.append((at, e.get_kind_display(), e.actor_name, e.actor_id or "", e.address, e.target, e.detail))
    ws.auto_filter.ref = ws.dimensions
    neutralise_formulas(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
