"""Import of the rectification ledger (整改台账): preview what will change, then apply it.

``ledger_preview`` reads the workbook, matches it against the database (``match.py``) and
returns a ``LedgerPlan`` (``plan.py``): what will be created or updated and every problem,
located by sheet, row and column. ``ledger_import`` builds the same plan inside one
transaction and applies it (``apply.py``) with bulk queries, so the query count does not
grow with the number of rows, and any problem leaves the database exactly as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ...ledger.container import Limits
from ...ledger.format import SHEET_INFO, SHEET_LEDGER, Ledger, Problem
from ...ledger.reader import read_ledger
from ...models import Inspection, Organisation
from ..document_deadlines import documents_schedule
from .apply import LedgerApplier
from .match import LedgerPlanner
from .plan import LedgerPlan, PlannedMeasure

__all__ = ["LedgerPlan", "PlannedMeasure", "ledger_import", "ledger_preview"]


# How long a parsed workbook is kept: the preview, its reloads and the confirmation read it.
READ_CACHE_SECONDS = 3600


def _read_once(data: bytes, sha256: str, limits: Limits) -> Ledger:
    """The workbook parsed once per content, limits and language (its messages are
    translated): the preview, its reloads and the confirmation take the parsed rows from
    the default cache (Redis, shared by the web workers, in production) instead of parsing
    the file again; the matching against the database is redone each time."""
    key = "ledger-read:{}:{}:{}:{}:{}:{}:{}".format(sha256, translation.get_language(), *dataclasses.astuple(limits))
    ledger = cache.get(key)
    if ledger is None:
        ledger = read_ledger(data, limits)
        cache.set(key, ledger, READ_CACHE_SECONDS)
    return ledger


def ledger_preview(
    *,
    data: bytes,
    user=None,
    organisation: Organisation | None = None,
    inspection: Inspection | None = None,
    limits: Limits | None = None,
    lock: bool = False,
) -> LedgerPlan:
    """The plan of an import, changing nothing. ``user`` None means the system (the command).
    ``lock`` (inside a transaction) holds the organisation's row while matching."""
    sha256 = hashlib.sha256(data).hexdigest()
    ledger = _read_once(data, sha256, limits or Limits.from_settings())
    plan = LedgerPlan(sha256=sha256, problems=list(ledger.problems), info=ledger.info)
    if ledger.info is not None and ledger.rows and not ledger.errors:
        LedgerPlanner(plan, ledger, user).run(organisation, inspection, lock=lock)
    elif not ledger.rows and not ledger.errors:
        plan.problems.append(Problem(SHEET_LEDGER, None, None, _("台账中没有任何整改措施（表头以下都是空行）。")))
    plan.problems.sort(key=lambda p: (p.sheet != SHEET_INFO, p.sheet, p.row or 0, p.warning))
    return plan


@transaction.atomic
def ledger_import(
    *,
    data: bytes,
    user=None,
    organisation: Organisation | None = None,
    inspection: Inspection | None = None,
    expected_sha256: str | None = None,
    today: dt.date | None = None,
    limits: Limits | None = None,
) -> LedgerPlan:
    """Apply the ledger in one transaction; return the plan with ``inspection`` set to the
    inspection created or updated. Raises ValidationError listing every problem."""
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise ValidationError(_("上传的文件校验不一致（文件已变化），请重新上传。"))
    plan = ledger_preview(
        data=data, user=user, organisation=organisation, inspection=inspection, limits=limits, lock=True
    )
    if plan.errors or plan.actions is None:
        raise ValidationError([str(p) for p in plan.errors] or [_("台账中没有可导入的整改措施。")])
    LedgerApplier(plan, user, today or timezone.localdate()).run()
    documents_schedule(inspection_ids=[plan.inspection.pk])  # a new or re-dated inspection's documents
    return plan
