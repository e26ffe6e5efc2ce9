"""One notice per person per sweep: when a sweep has several notices for one person (a
secretary's first sweep asked for 24 re-checks and accountability letters one by one), the
person gets one summary instead. The single notices stay in the notification list, marked
read, as the record (and as the sweep's own memory of what it already sent); only the
summary is sent by e-mail or webhook and counts on the bell.

Set-based: three statements however many people and notices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import CharField, Count, F, Min, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Notification
from .notification_kinds import Kind
from .notifications import notify_rows
from .sql import sql_format


@transaction.atomic
def notices_summarise(*, notification_ids: Sequence[int], today: dt.date) -> tuple[int, list[int]]:
    """Fold the notifications ``notification_ids`` (created by one sweep) per recipient:
    whoever has more than one gets one summary and theirs are marked read. Returns how
    many summaries were created and the ids whose deliveries are to be queued (the
    summaries and the single notices)."""
    ids = list(notification_ids)
    if not ids:
        return 0, []
    rows = Notification.objects.filter(pk__in=ids)
    per_person = rows.filter(recipient=OuterRef("pk")).order_by().values("recipient")
    count = Subquery(per_person.annotate(n=Count("pk")).values("n"))
    first = Subquery(per_person.annotate(first=Min("pk")).values("first"))
    several = get_user_model().objects.alias(n=count, first=first).filter(n__gt=1)
    n_text = Cast(F("n"), CharField())
    created = notify_rows(
        several,
        recipient=F("pk"),
        # Keyed by the day and the first notice folded: a second run the same day that
        # folds nothing new creates nothing.
        key=sql_format("summary:" + today.isoformat() + ":{first}", first=Cast(F("first"), CharField())),
        kind=Kind.SUMMARY,
        message=sql_format(
            _("今天有 {n} 条新的整改提醒（临期、超期、督办、回头看等），已汇总在待办和通知列表中，请登录查看。"),
            n=n_text,
        ),
    )
    folded = rows.filter(recipient__in=several.values("pk"))
    folded_ids = set(folded.values_list("pk", flat=True))
    folded.update(read_at=timezone.now())
    summaries = [pk for pk, _measure in created]
    return len(summaries), summaries + [pk for pk in ids if pk not in folded_ids]
