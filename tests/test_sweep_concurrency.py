"""Two sweeps, or two outbox drains, at the same moment on PostgreSQL: the database's unique
constraints, conditional UPDATEs and SKIP LOCKED claims keep every flag, record and
message single. Real threads, real connections, committed data."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from rectification import services
from rectification.models import Delivery, Escalation, Measure, Notification, ProgressEntry
from rectification.services import workdays

from . import factories as f
from .test_notifications_delivery import Robot

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL: run with DATABASE_URL=postgres://…")


def _together(n: int, work) -> list:
    """Run ``work`` in ``n`` threads released at the same instant; return their results."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work()
        except BaseException as exc:  # reported below, with the thread's traceback lost otherwise
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def _world(personas, n: int) -> None:
    people = [personas.person_staff_a, personas.person_member_a]
    for i in range(n):
        f.measure_in(
            personas.tree.a,
            due_on=dt.date(2025, 6, 2) + dt.timedelta(days=i % 25),
            leader=personas.person_member_a,
            owners=people[: 1 + i % 2],
        )


def test_three_sweeps_at_once_flag_record_and_notify_once(settings, personas):
    _world(personas, 30)
    today = dt.date(2025, 7, 1)
    reports = _together(3, lambda: services.sweep_run(today=today, drain=False))

    overdue = Measure.objects.overdue(today).count()
    assert sum(r.done.get("measures flagged overdue", 0) for r in reports) == overdue == 30
    entries = Counter(ProgressEntry.objects.filter(kind="system").values_list("measure_id", flat=True))
    assert set(entries.values()) == {1} and len(entries) == overdue
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys))
    created = sum(n for r in reports for what, n in r.done.items() if "notice" in what or "reminder" in what)
    assert created == len(keys)  # each notification was reported by exactly one run
    steps = Counter(Escalation.objects.values_list("measure_id", "step"))
    assert set(steps.values()) == {1}
    late = [workdays.workdays_between(d, today) for d in Measure.objects.values_list("due_on", flat=True)]
    rules = settings.RECTIFICATION
    assert Counter(step for _m, step in steps) == {
        "warning": sum(n >= rules["ESCALATE_PERSON_AFTER_WORKDAYS"] for n in late),
        "guidance": sum(n >= rules["ESCALATE_LEADER_AFTER_WORKDAYS"] for n in late),
        "accountability": sum(n >= rules["ESCALATE_SECRETARY_AFTER_WORKDAYS"] for n in late),
    }
    # And a fourth run finds nothing left to do.
    assert services.sweep_run(today=today, drain=False).nothing_new


def test_three_drains_at_once_send_each_message_once(settings, personas):
    robot = Robot()
    settings.NOTIFY_WEBHOOK_URL = robot.url
    try:
        for i in range(24):
            services.notify(recipients=[personas.staff_a], kind="overdue", message=f"第{i}条", key=f"k{i}")
        reports = _together(3, services.outbox_drain)
    finally:
        robot.close()
    assert sum(r.sent for r in reports) == 24
    texts = [payload["text"]["content"] for payload in robot.received]
    assert len(texts) == 24 and len(set(texts)) == 24
    assert set(Delivery.objects.values_list("state", "attempts")) == {("sent", 1)}
