"""The Celery side of the jobs: thin tasks that take dates, not objects; a beat schedule
whose every entry names a registered task, with times in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings

from fuhua.celery import app
from rectification import tasks
from rectification.models import Notification

from . import factories as f


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
    assert app.conf.timezone == "Asia/Shanghai"
    daily = settings.CELERY_BEAT_SCHEDULE["daily-sweep"]["schedule"]
    assert isinstance(daily, crontab) and daily.hour == {6} and daily.minute == {30}


def test_tasks_are_late_acknowledged():
    """A worker killed mid-task leaves the message to be delivered again (see
    test_celery_worker.py for the real thing)."""
    for task in (tasks.daily_sweep, tasks.deliver_outbox, tasks.weekly_digest):
        assert task.acks_late
    assert app.conf.task_reject_on_worker_lost


@pytest.mark.django_db
def test_daily_sweep_task_defaults_to_today_in_shanghai(personas):
    m = f.measure_in(personas.tree.a, due_on=dt.date(2025, 6, 30), owners=[personas.person_staff_a])
    # 17:00 UTC on 30 June is already 1 July in Shanghai: the deadline has passed.
    with time_machine.travel(dt.datetime(2025, 6, 30, 17, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        result = tasks.daily_sweep.apply().get()
    assert "sweep 2025-07-01: measures flagged overdue: 1" in result
    m.refresh_from_db()
    assert m.overdue_since == dt.date(2025, 7, 1)
    assert tasks.daily_sweep.apply(args=["2025-07-01"]).get().endswith("nothing new to do")


@pytest.mark.django_db
def test_weekly_digest_and_drain_tasks(personas):
    f.measure_in(personas.tree.a, due_on=dt.date(2025, 7, 30), owners=[personas.person_staff_a])
    assert tasks.weekly_digest.apply(args=["2025-07-07"]).get() == "weekly digest: 2 notifications"
    assert Notification.objects.filter(kind="digest").count() == 2  # staff_a, secretary_a
    assert tasks.deliver_outbox.apply().get() == "sent 0, retrying 0, given up 0"
