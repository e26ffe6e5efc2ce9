"""Follow-up re-checks (回头看): the secretary confirms a signed-off measure stayed fixed,
or reopens it when the problem came back. The sweep creates the pending ReCheck rows
(services/recheck_sweep.py: recheck_schedule, recheck_open)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import workflow
from ..models import Measure, MeasureStatus, ProgressEntry, ReCheck
from ..permissions import require
from .measures import add_entry, lock_measure, save_measure
from .notification_kinds import Kind
from .notifications import measure_people, notify
from .record import record_language


def _lock(recheck: ReCheck, user) -> tuple[ReCheck, Measure]:
    current = ReCheck.objects.select_for_update().get(pk=recheck.pk)
    measure = lock_measure(current.measure)
    require(user, "decide_recheck", measure, message=_("只有书记可以处理回头看。"))
    if current.state != ReCheck.State.PENDING:
        raise ValidationError(_("该回头看已处理。"))
    return current, measure


def _decide(recheck: ReCheck, user, state: str, note: str) -> None:
    recheck.state, recheck.note = state, note
    recheck.decided_by, recheck.decided_at = user, timezone.now()
    recheck.save(update_fields=["state", "note", "decided_by", "decided_at"])


@transaction.atomic
def recheck_confirm(*, recheck: ReCheck, user, note: str = "") -> ReCheck:
    """The problem has not come back (未反弹): the re-check is closed on the record."""
    current, measure = _lock(recheck, user)
    note = note.strip()
    _decide(current, user, ReCheck.State.CONFIRMED, note)
    with record_language():
        add_entry(measure, user, ProgressEntry.Kind.RECHECK, _("回头看：问题未反弹。") + (" " + note if note else ""))
    return current


@transaction.atomic
def recheck_reopen(*, recheck: ReCheck, user, note: str, today: dt.date, due_on: dt.date | None = None) -> ReCheck:
    """The problem came back (反弹): the measure goes back to in progress, with a new
    deadline unless it is ongoing, and its people are told."""
    current, measure = _lock(recheck, user)
    note = note.strip()
    if not note:
        raise ValidationError(_("请填写反弹情况。"))
    if not workflow.is_signed_off(measure):
        raise ValidationError(_("该措施已不在“已完成”状态，无需重新整改。"))
    fields = ["status", "signed_off_at", "signed_off_by", "completed_on", "submitted_at", "recheck_on"]
    if workflow.takes_deadline(measure):
        if due_on is None or due_on < today:
            raise ValidationError(_("请设定不早于今天的新完成时限。"))
        measure.due_on = due_on
        fields.append("due_on")
    _decide(current, user, ReCheck.State.REOPENED, note)
    with record_language():
        text = _("回头看发现问题反弹，重新整改：") + note
    add_entry(measure, user, ProgressEntry.Kind.RECHECK, text, MeasureStatus.DONE, MeasureStatus.IN_PROGRESS)
    measure.status = MeasureStatus.IN_PROGRESS
    measure.signed_off_at = measure.signed_off_by = measure.completed_on = measure.submitted_at = None
    measure.recheck_on = None  # the next sign-off schedules the next re-check
    save_measure(measure, user, fields)
    with record_language():
        message = _("回头看发现「{title}」问题反弹，已重新整改，请抓紧落实。").format(title=measure.title[:60])
    notify(
        recipients=measure_people(measure),
        kind=Kind.REOPENED,
        message=message,
        key=f"reopened:{current.pk}",
        measure=measure,
    )
    return current
