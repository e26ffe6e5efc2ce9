"""Loaded into the test Celery worker with ``--include tests.worker_hooks`` (never in the
app): lets tests/test_celery_worker.py stop a sweep at a known step and kill the worker
there, instead of hoping to hit the right moment.

While the file named by FUHUA_TEST_PAUSE_FILE exists, the sweep's repeated-reminder step
writes "<pause file>.reached" (holding the pool process id) and waits."""

import os
import time
from pathlib import Path

from rectification.services import sweep

PAUSE_FILE = os.environ.get("FUHUA_TEST_PAUSE_FILE")

if PAUSE_FILE:
    _original = sweep.reminders_overdue_repeat

    def _paused(**kwargs):
        pause = Path(PAUSE_FILE)
        if pause.exists():
            Path(f"{PAUSE_FILE}.reached").write_text(str(os.getpid()))
            while pause.exists():
                time.sleep(0.05)
        return _original(**kwargs)

    sweep.reminders_overdue_repeat = _paused
