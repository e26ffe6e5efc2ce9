"""A real Celery worker (a subprocess: ``celery -A fuhua worker``) on Redis, against the
PostgreSQL test database: the daily sweep end to end with e-mail and webhook, a worker
killed in the middle of it, and the outbox drain queued only when a transaction commits.

Redis: TEST_REDIS_URL (CI: redis://127.0.0.1:6379/15), by default DB 4 on 127.0.0.1; each
run uses its own queue, so parallel runs do not take each other's tasks.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.conf import settings as django_settings
from django.db import connection, transaction

from rectification import services
from rectification.models import Delivery, Escalation, Notification, ProgressEntry

from . import factories as f
from .test_notifications_delivery import Robot

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/4")


def _database_url() -> str:
    db = connection.settings_dict  # the test database, test_<name>, once pytest-django made it
    auth = quote(db["USER"] or "postgres") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(check: Callable[[], object], what: str, timeout: float = 60) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


class Worker:
    def __init__(self, tmp: Path, robot: Robot) -> None:
        self.queue = f"fuhua-test-{uuid.uuid4().hex[:10]}"
        self.mail_dir = tmp / "mail"
        self.pause = tmp / "pause"
        self.log = tmp / "celery.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "fuhua.settings",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": REDIS_URL,
            "VAR_DIR": str(tmp / "var"),
            "EMAIL_URL": f"filemail:///{self.mail_dir}",
            "NOTIFY_EMAIL_ENABLED": "1",
            "NOTIFY_WEBHOOK_URL": robot.url,
            "FUHUA_TEST_PAUSE_FILE": str(self.pause),
        }
        command = [sys.executable, "-m", "celery", "-A", "fuhua", "worker", "-Q", self.queue, "-n", f"{self.queue}@%h"]
        command += ["--pool", "prefork", "--concurrency", "1", "--loglevel", "INFO", "--include", "tests.worker_hooks"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=django_settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_for(lambda: "ready." in self.output() or self.process.poll() is not None, "the worker to start")
        assert self.process.poll() is None, self.output()
        self.client = Celery("fuhua-test-client", broker=REDIS_URL)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def send(self, task: str, *args) -> None:
        self.client.send_task(task, args=args, queue=self.queue)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.client.close()
        redis.Redis.from_url(REDIS_URL).delete(self.queue)


@pytest.fixture(scope="module")
def robot():
    r = Robot()
    yield r
    r.close()


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, tmp_path_factory, robot):
    if connection.vendor != "postgresql":
        pytest.skip("the worker tests need the PostgreSQL test database: run with DATABASE_URL=postgres://…")
    redis.Redis.from_url(REDIS_URL).ping()  # Redis must be running (make test starts it)
    with django_db_blocker.unblock():
        w = Worker(tmp_path_factory.mktemp("worker"), robot)
    yield w
    w.stop()


@pytest.fixture
def late_measure(personas):
    """Due Monday 2025-06-30; staff_a (with an e-mail address) responsible, member_a leads."""
    personas.staff_a.email = "zhaomin@example.cn"
    personas.staff_a.save()
    return f.measure_in(
        personas.tree.a, due_on=dt.date(2025, 6, 30), leader=personas.person_member_a, owners=[personas.person_staff_a]
    )


def test_the_daily_sweep_runs_in_a_real_worker_end_to_end(worker, robot, personas, late_measure):
    robot.received.clear()
    worker.send("rectification.tasks.daily_sweep", "2025-07-01")

    delivered = wait_for(
        lambda: Delivery.objects.filter(state="sent").count() == 2 and Delivery.objects.count() == 2, "the outbox"
    )
    assert delivered
    late_measure.refresh_from_db()
    assert late_measure.overdue_since == dt.date(2025, 7, 1)
    n = Notification.objects.get()
    assert (n.recipient, n.key) == (personas.staff_a, f"escalation:warning:{late_measure.pk}:2025-06-30")
    assert [p["text"]["content"] for p in robot.received] == [f"【超期提醒】@赵敏 {n.message}"]
    (mail_file,) = worker.mail_dir.iterdir()
    assert "zhaomin@example.cn" in mail_file.read_text() and "Subject: =?utf-8?" in mail_file.read_text()
    wait_for(lambda: "rectification.tasks.daily_sweep" in worker.output() and "succeeded" in worker.output(), "the log")


def test_a_worker_killed_mid_sweep_redelivers_and_the_rerun_completes_once(worker, robot, personas, late_measure):
    """acks_late + reject_on_worker_lost: the pool process dies half-way; the message goes
    back to the queue, a fresh process runs the whole sweep again, nothing is doubled."""
    services.sweep_run(today=dt.date(2025, 7, 1), drain=False)  # last week's 告诫书
    worker.pause.write_text("pause")
    worker.send("rectification.tasks.daily_sweep", "2025-07-07")

    reached = Path(f"{worker.pause}.reached")
    wait_for(reached.exists, "the sweep to reach the paused step")
    # Steps before the pause are committed: the leader rung (5 working days) is on record.
    assert Escalation.objects.filter(step="guidance").count() == 1
    assert not Notification.objects.filter(key__startswith="overdue_repeat:").exists()
    os.kill(int(reached.read_text()), signal.SIGKILL)
    worker.pause.unlink()

    wait_for(lambda: Notification.objects.filter(key__startswith="overdue_repeat:").exists(), "the re-delivered sweep")
    wait_for(lambda: not Delivery.objects.exclude(state="sent").exists(), "the outbox to drain")
    assert "WorkerLostError" in worker.output() or "SIGKILL" in worker.output()
    keys = sorted(Notification.objects.values_list("key", flat=True))
    assert keys == sorted(
        [
            f"escalation:warning:{late_measure.pk}:2025-06-30",
            f"escalation:guidance:{late_measure.pk}:2025-06-30",
            "overdue_repeat:79",
        ]
    )
    assert Escalation.objects.count() == 2
    assert ProgressEntry.objects.filter(measure=late_measure, kind="system").count() == 1


def test_drain_is_queued_on_commit_and_the_worker_sends_it(worker, robot, personas, monkeypatch, settings):
    """The test process publishes to the worker's queue on Redis; before the commit nothing
    is queued, after it the worker drains the outbox."""
    from fuhua.celery import app
    from rectification import tasks

    robot.received.clear()
    monkeypatch.setattr(app.conf, "broker_url", REDIS_URL)
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    monkeypatch.setattr(tasks.deliver_outbox, "delay", lambda: tasks.deliver_outbox.apply_async(queue=worker.queue))
    settings.NOTIFY_WEBHOOK_URL = robot.url
    queue = redis.Redis.from_url(REDIS_URL)
    with transaction.atomic():
        services.notify(recipients=[personas.secretary_a], kind="submitted", message="请审核。", key="k")
        time.sleep(0.5)
        assert queue.llen(worker.queue) == 0 and robot.received == []
    wait_for(lambda: Delivery.objects.filter(state="sent").exists(), "the worker to send")
    assert [p["text"]["content"] for p in robot.received] == ["【提请销号】@李书记 请审核。"]
    app.pool.force_close_all()
