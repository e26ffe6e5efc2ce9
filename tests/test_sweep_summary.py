"""One notice per person per sweep: several notices to one person become one summary,
sent alone by e-mail; a single notice goes out as it is; a second run adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from rectification.models import Delivery, Measure, Notification
from rectification.services.sweep import sweep_run

from . import factories as f

DAY = dt.date(2025, 7, 1)  # a Tuesday, a working day


@pytest.mark.django_db
def test_several_notices_to_one_person_become_one_summary(personas, settings):
    settings.NOTIFY_EMAIL_ENABLED, settings.NOTIFY_WEBHOOK_URL = True, ""
    for user in (personas.staff_a, personas.staff_b, personas.secretary_a):
        user.email = f"{user.username}@example.cn"
        user.save()
    for i in range(3):  # three overdue measures of staff_a
        f.measure_in(
            personas.tree.a, title=f"超期{i}", due_on=dt.date(2025, 6, 1 + i), owners=[personas.person_staff_a]
        )
    f.measure_in(personas.tree.b, title="岗厦的一项", due_on=dt.date(2025, 6, 10), owners=[personas.person_staff_b])
    with time_machine.travel(dt.datetime(2025, 7, 1, 6, 30, tzinfo=dt.UTC), tick=False):
        report = sweep_run(today=DAY, drain=False)
    assert "summary notices" in str(report)
    unread = {
        user.username: list(Notification.objects.filter(recipient=user, read_at__isnull=True))
        for user in (personas.staff_a, personas.staff_b)
    }
    # staff_a: one unread summary, the single notices kept (read) as the record.
    (summary,) = unread["staff_a"]
    assert summary.kind == "summary" and "条新的整改提醒" in summary.message
    assert Notification.objects.filter(recipient=personas.staff_a).exclude(kind="summary").count() >= 3
    # staff_b had one notice: it stays as it is.
    assert [n.kind for n in unread["staff_b"]] != ["summary"] and len(unread["staff_b"]) == 1
    # Only the summary and the single notice go out by e-mail.
    sent_to = sorted(Delivery.objects.values_list("notification__recipient__username", "notification__kind"))
    assert ("staff_a", "summary") in sent_to
    assert [who for who, _kind in sent_to].count("staff_a") == 1
    assert [who for who, _kind in sent_to].count("staff_b") == 1

    before = Notification.objects.count(), Delivery.objects.count()
    with time_machine.travel(dt.datetime(2025, 7, 1, 7, 30, tzinfo=dt.UTC), tick=False):
        sweep_run(today=DAY, drain=False)
    assert (Notification.objects.count(), Delivery.objects.count()) == before
    assert Measure.objects.filter(overdue_since__isnull=False).count() == 4
