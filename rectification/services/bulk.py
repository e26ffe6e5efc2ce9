"""Bulk changes from the measure list: one status, responsible person, leader or deadline
change applied to many measures at once, all or nothing, through the workflow services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Measure, Person
from ..permissions import measure_scope
from .measures import ConflictError, measure_change_status, measure_update


def _bulk_targets(user, measure_ids: Sequence[int]) -> tuple[list[Measure], list[str]]:
    """The measures to change, locked, and errors for ids the user may not see or change."""
    ids = list(dict.fromkeys(int(i) for i in measure_ids))
    if not ids:
        raise ValidationError(_("请先勾选要批量修改的整改措施。"))
    measures = list(
        Measure.objects.select_for_update(of=("self",))
        .filter(measure_scope(user), pk__in=ids)
        .select_related("finding__category__inspection__organisation", "leader")
        .order_by("pk")
    )
    errors: list[str] = []
    missing = sorted(set(ids) - {m.pk for m in measures})
    if missing:
        errors.append(_("编号为 {ids} 的措施不存在或无权查看").format(ids="、".join(map(str, missing))))
    errors += [
        _("「{title}」：无权批量修改").format(title=m.title[:30]) for m in measures if not user.has_perm(_BULK_PERM, m)
    ]
    return measures, errors


_BULK_PERM = "rectification.bulk_change_measure"


def _bulk_apply(measure: Measure, user, changes: dict, to_status: str | None, reason: str) -> None:
    # The workflow services own the rules (transitions, people, deadlines by kind) and
    # write the version, the timeline entry and the history row of each change.
    if to_status and to_status != measure.status:
        measure = measure_change_status(
            measure=measure, user=user, to_status=to_status, reason=reason, expected_version=measure.version
        )
    if changes:
        measure_update(measure=measure, user=user, expected_version=measure.version, **changes)


@transaction.atomic
def measures_bulk_update(
    *,
    user,
    measure_ids: Sequence[int],
    to_status: str | None = None,
    reason: str = "",
    owner: Person | None = None,
    leader: Person | None = None,
    due_on: dt.date | None = None,
) -> int:
    """Apply one status / responsible person / leader / deadline change to many measures.

    All or nothing: each measure goes through the workflow services (so each change is
    versioned, on the timeline and in the history); if any measure is refused, every
    change is rolled back and one ValidationError lists each refused measure.
    Returns how many measures were selected.
    """
    changes: dict = {}
    if owner is not None:
        changes["owners"] = [owner]
    if leader is not None:
        changes["leader"] = leader
    if due_on is not None:
        changes["due_on"] = due_on
    if not to_status and not changes:
        raise ValidationError(_("请选择要批量修改的内容。"))
    if to_status and to_status not in Measure.Status.values:
        raise ValidationError(_("无效的整改状态。"))
    measures, errors = _bulk_targets(user, measure_ids)
    for measure in measures:
        if not user.has_perm(_BULK_PERM, measure):
            continue
        try:
            with transaction.atomic():
                _bulk_apply(measure, user, changes, to_status, reason)
        except (ValidationError, ConflictError, PermissionDenied) as exc:
            errors.append(_("「{title}」：{reason}").format(title=measure.title[:30], reason=_message(exc)))
    if errors:
        raise ValidationError([_("未做任何修改。以下措施无法批量修改："), *errors])
    return len(measures)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return _("；").join(str(m) for m in exc.messages)
    if isinstance(exc, ConflictError):
        return _("刚被他人修改，请刷新列表后重试")
    return str(exc) or _("无权修改")
