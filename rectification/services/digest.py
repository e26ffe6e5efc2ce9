"""The weekly digest: each person's open, due-soon and overdue measures, and each
secretary's snapshot of the organisation; once per ISO week (the key has the week).

Overdue and due soon are the models' overdue_q and due_within_q: the rules the sweep's
flags, the lists and the dashboard use.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Measure, MeasureStatus, due_within_q, overdue_q
from ..permissions import secretary_memberships
from .notification_kinds import Kind
from .notifications import notify


def _counts(rows: QuerySet, person: str, today: dt.date) -> dict[int, dict[str, int]]:
    """Open / overdue / due-soon measure counts per user, over ``rows`` grouped by ``person``."""
    soon_days = settings.RECTIFICATION["DUE_SOON_DAYS"]
    grouped = (
        rows.open()
        .filter(**{f"{person}__user__is_active": True})
        .order_by()
        .values(f"{person}__user_id")
        .annotate(
            open=Count("pk", distinct=True),
            overdue=Count("pk", filter=overdue_q(today), distinct=True),
            due_soon=Count("pk", filter=due_within_q(today, soon_days), distinct=True),
        )
    )
    return {row[f"{person}__user_id"]: row for row in grouped}


@transaction.atomic
def digest_send(*, today: dt.date) -> int:
    """The weekly digest: each person's open, due-soon and overdue measures (as responsible
    person and as leader); each secretary's snapshot of the organisation. Once per ISO week."""
    year, week, _weekday = today.isocalendar()
    key = f"digest:{year}-W{week:02d}"
    owned = _counts(Measure.objects.all(), "owners", today)
    led = _counts(Measure.objects.all(), "leader", today)
    line = _("{role}：未完成 {open} 项，其中超期 {overdue} 项、{days} 天内到期 {due_soon} 项。")
    days = settings.RECTIFICATION["DUE_SOON_DAYS"]
    created = 0
    with translation.override(settings.LANGUAGE_CODE):
        for user_id in sorted(owned.keys() | led.keys()):
            parts = [line.format(role=_("您负责的措施"), days=days, **owned[user_id])] if user_id in owned else []
            parts += [line.format(role=_("您分管的措施"), days=days, **led[user_id])] if user_id in led else []
            created += _digest_one(user_id, key, _("本周整改情况：") + " ".join(parts))
        for user_id, text in _secretary_snapshots(today).items():
            created += _digest_one(user_id, f"{key}:organisation", text)
    return created


def _digest_one(user_id: int, key: str, message: str) -> int:
    user = get_user_model()(pk=user_id)
    return notify(recipients=[user], kind=Kind.DIGEST, message=message, key=key)


def _secretary_snapshots(today: dt.date) -> dict[int, str]:
    """Secretary user id -> the snapshot of their organisations' measures (2 queries)."""
    org_id = "finding__category__inspection__organisation_id"
    figures = {
        row[org_id]: row
        for row in Measure.objects.order_by()
        .values(org_id)
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=MeasureStatus.DONE)),
            awaiting=Count("pk", filter=Q(status=MeasureStatus.AWAITING_SIGN_OFF)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
    }
    text = _("{org}整改概况：措施 {total} 项，已完成 {done} 项，待销号 {awaiting} 项，超期 {overdue} 项。")
    out: dict[int, list[str]] = {}
    secretaries = secretary_memberships(figures).values_list("user_id", "organisation_id", "organisation__short_name")
    for user_id, org, name in secretaries:
        out.setdefault(user_id, []).append(text.format(org=name, **figures[org]))
    return {user_id: " ".join(lines) for user_id, lines in out.items()}
