"""Celery tasks. Thin: each takes ids, never model instances, and calls one service.

Every task here may run twice (acks_late: a worker killed mid-task leaves its message to
be delivered again) and beside a copy of itself; the services make that harmless.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from .services import audit, digest, outbox, sweep


def _day(today: str | None) -> dt.date:
    return dt.date.fromisoformat(today) if today else timezone.localdate()


# A deadlock or a dropped connection (two sweeps racing on PostgreSQL, a database
# restart) is worth another go; the steps already committed are not redone.
_RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": 30, "max_retries": 3}


@shared_task(acks_late=True, **_RETRY)
def daily_sweep(today: str | None = None) -> str:
    """The daily sweep for ``today`` (ISO date; default: today in Asia/Shanghai)."""
    return str(sweep.sweep_run(today=_day(today)))


@shared_task(name=outbox.DRAIN_TASK, acks_late=True, **_RETRY)
def deliver_outbox() -> str:
    """Send what is due in the outbox (e-mail, webhook)."""
    return str(outbox.outbox_drain())


@shared_task(acks_late=True, **_RETRY)
def weekly_digest(today: str | None = None) -> str:
    return f"weekly digest: {digest.digest_send(today=_day(today))} notifications"


@shared_task(acks_late=True, **_RETRY)
def prune_audit_trail() -> str:
    """Deletes audit events past AUDIT_RETENTION_DAYS; each run is itself an event."""
    return f"audit trail: {audit.audit_prune()} events pruned"
