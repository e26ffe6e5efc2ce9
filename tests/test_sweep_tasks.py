"""The Celery side of the jobs: thin tasks that take dates, not objects; a beat schedule
whose every entry names a registered task, with times in Asia/Shanghai; the outbox drain,
which services enqueue by name, registered in every process and run eagerly when so set."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import current_app
from celery.schedules import crontab
from django.conf import settings
from django.core import mail

from fuhua.celery import app
from rectification import services, tasks
from rectification.models import Delivery, Notification
from rectification.services import outbox

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


def test_the_drain_is_registered_under_the_name_services_enqueue_it_by():
    # The lookup outbox._enqueue_drain makes: the current app's registry (the project's app,
    # or the worker tests' client app once they have run: shared tasks follow the current app).
    assert tasks.deliver_outbox.name == outbox.DRAIN_TASK == settings.CELERY_BEAT_SCHEDULE["drain-outbox"]["task"]
    assert current_app.tasks[outbox.DRAIN_TASK] is tasks.deliver_outbox._get_current_object()


def test_a_web_process_has_the_drain_registered_without_importing_tasks():
    """A web process imports views and services, never tasks.py; the app's ready() does."""
    probe = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "from rectification.services.outbox import DRAIN_TASK\n"
        "print(DRAIN_TASK in current_app.tasks)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fuhua.settings_test"}
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", probe], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "True", done.stderr


@pytest.fixture
def always_eager():
    """CELERY_TASK_ALWAYS_EAGER, as a development set-up without a worker uses it."""
    original = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = original


@pytest.mark.django_db
def test_with_always_eager_the_drain_runs_after_the_commit(
    always_eager, personas, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_EMAIL_ENABLED, settings.NOTIFY_WEBHOOK_URL = True, ""
    personas.secretary_a.email = "shuji@example.cn"
    personas.secretary_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipients=[personas.secretary_a], kind="submitted", message="请审核。", key="k")
        assert mail.outbox == []
    assert Delivery.objects.get().state == Delivery.State.SENT
    assert [m.to for m in mail.outbox] == [["shuji@example.cn"]]
