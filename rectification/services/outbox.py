"""The outbox: notifications leave by e-mail, by a group-chat robot webhook and as personal
work messages on the government platform (work_messages.py).

Each new notification gets one Delivery row per enabled channel, in the same transaction
(deliveries_queue). After the commit the drain task is queued; the beat schedule and the
daily sweep drain too, so a delivery that could not be queued (broker down) or failed
(mail server down) is sent later, with exponential backoff, until it is given up with a
logged error after NOTIFY_MAX_ATTEMPTS.

A channel is off when it is not configured: e-mail needs NOTIFY_EMAIL_ENABLED (and the
recipient's e-mail address), the webhook needs NOTIFY_WEBHOOK_URL, work messages need
WORK_MESSAGE_BASE_URL, _CORP_ID and _SECRET (and the recipient's work-platform id).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Delivery, Notification
from .notification_kinds import Kind, kind_label, notification_url
from .sql import chunks, insert_select
from .work_messages import WorkMessageChannel

logger = logging.getLogger(__name__)

# The Celery task that drains the outbox. tasks.py registers it under this name and the
# services enqueue it by the name, through the app's registry: tasks.py imports the
# services, so they must not import it. (The beat schedule in settings names it too.)
DRAIN_TASK = "rectification.tasks.deliver_outbox"
# A group chat sees every message; personal summaries stay out of it.
WEBHOOK_SKIPS_KINDS = frozenset({Kind.DIGEST})
# A claimed delivery is not offered to another worker for this long (a killed worker's
# claim runs out and the delivery is tried again).
CLAIM_LEASE = dt.timedelta(minutes=10)
MAX_BACKOFF = dt.timedelta(hours=6)


# ---------------------------------------------------------------------------- channels


class Channel(Protocol):
    name: str

    def enabled(self) -> bool: ...

    def eligible(self, notifications: QuerySet[Notification]) -> QuerySet[Notification]: ...

    def send(self, notification: Notification) -> None:
        """Deliver or raise; any exception counts as a failed attempt."""


class EmailChannel:
    name = Delivery.Channel.EMAIL

    def enabled(self) -> bool:
        return bool(settings.NOTIFY_EMAIL_ENABLED)

    def eligible(self, notifications: QuerySet[Notification]) -> QuerySet[Notification]:
        return notifications.exclude(recipient__email="")

    def send(self, notification: Notification) -> None:
        body = notification.message
        link = notification_url(notification)
        if link:
            body += "\n\n" + link
        body += "\n\n" + _("（本邮件由巡察整改管理系统自动发送，请勿回复。）")
        subject = _("【巡察整改】{label}").format(label=kind_label(notification.kind))
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notification.recipient.email], fail_silently=False)


class WebhookChannel:
    """A group-chat robot (企业微信 / 钉钉 style): JSON {"msgtype": "text", "text": {"content": …}}."""

    name = Delivery.Channel.WEBHOOK

    def enabled(self) -> bool:
        return bool(settings.NOTIFY_WEBHOOK_URL)

    def eligible(self, notifications: QuerySet[Notification]) -> QuerySet[Notification]:
        return notifications.exclude(kind__in=WEBHOOK_SKIPS_KINDS)

    def send(self, notification: Notification) -> None:
        who = notification.recipient.first_name or notification.recipient.username
        content = f"【{kind_label(notification.kind)}】@{who} {notification.message}"
        link = notification_url(notification)
        if link:
            content += f"\n{link}"
        body = json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            settings.NOTIFY_WEBHOOK_URL, data=body, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        with urllib.request.urlopen(request, timeout=settings.NOTIFY_WEBHOOK_TIMEOUT) as response:
            answer = response.read()
        # These robots answer HTTP 200 with {"errcode": 93000, …} when they refuse a message.
        try:
            errcode = json.loads(answer or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            errcode = 0
        if errcode:
            raise RuntimeError(f"webhook refused the message: {answer[:200]!r}")


CHANNELS: dict[str, Channel] = {
    channel.name: channel for channel in (EmailChannel(), WebhookChannel(), WorkMessageChannel())
}


def enabled_channels() -> list[Channel]:
    return [channel for channel in CHANNELS.values() if channel.enabled()]


# ---------------------------------------------------------------------------- filling the outbox


# While set (deliveries_held), new notifications wait here instead of getting deliveries:
# the sweep first folds several notices to one person into one summary (sweep_summary.py).
_HELD: ContextVar[list[int] | None] = ContextVar("outbox_held", default=None)


@contextmanager
def deliveries_held() -> Iterator[list[int]]:
    """Collect the ids of the notifications created inside, without queueing their
    deliveries; the caller queues (deliveries_queue) those that are to go out."""
    held: list[int] = []
    token = _HELD.set(held)
    try:
        yield held
    finally:
        _HELD.reset(token)


def deliveries_queue(notification_ids: Sequence[int]) -> int:
    """Outbox rows for new notifications, one per enabled channel; the drain is queued
    for after the commit. Returns how many rows were added (none while held)."""
    held = _HELD.get()
    if held is not None:
        held.extend(notification_ids)
        return 0
    added = 0
    now = timezone.now()
    for channel in enabled_channels():
        for chunk in chunks(list(notification_ids)):
            source = (
                channel.eligible(Notification.objects.filter(pk__in=chunk))
                .order_by()
                .annotate(
                    d_channel=Value(channel.name),
                    d_state=Value(Delivery.State.PENDING),
                    d_attempts=Value(0),
                    d_next=Value(now),
                    d_error=Value(""),
                )
                .values_list("pk", "d_channel", "d_state", "d_attempts", "d_next", "d_error")
            )
            columns = ["notification", "channel", "state", "attempts", "next_attempt_at", "last_error"]
            added += insert_select(Delivery, columns, source)
    if added:
        _enqueue_drain_on_commit()
    return added


def _enqueue_drain_on_commit() -> None:
    # One drain per transaction is enough, however many notify calls it made.
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(func is _enqueue_drain for _sids, func, _robust in conn.run_on_commit):
        return
    transaction.on_commit(_enqueue_drain)


def _enqueue_drain() -> None:
    # The registered task object, not send_task(): its delay() honours
    # CELERY_TASK_ALWAYS_EAGER. Every process has it registered, as the app's ready()
    # imports tasks.py.
    try:
        current_app.tasks[DRAIN_TASK].delay()
    except Exception:  # the broker is down or unreachable: the rows wait in the outbox
        logger.warning(
            "could not queue the outbox drain (broker unavailable?); pending deliveries stay in the "
            "outbox and are sent by the next scheduled drain or sweep",
            exc_info=True,
        )


# ---------------------------------------------------------------------------- draining it


@dataclass
class DrainReport:
    sent: int = 0
    retrying: int = 0
    given_up: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retrying {self.retrying}, given up {self.given_up}"


def outbox_drain(*, limit: int = 500) -> DrainReport:
    """Send what is due in the outbox, at most ``limit`` deliveries.

    Each delivery is claimed first (a conditional UPDATE that exactly one worker wins),
    then sent outside any transaction, then marked; so two drains never send the same row,
    and a worker killed while sending leaves a claim that runs out (CLAIM_LEASE) and is
    retried. A message may then go out twice; it is never lost."""
    report = DrainReport()
    for _attempt_no in range(limit):
        delivery = _claim_next()
        if delivery is None:
            break
        _attempt(delivery, report)
    return report


def _claim_next() -> Delivery | None:
    while True:
        now = timezone.now()
        with transaction.atomic():
            row = (
                Delivery.objects.select_for_update(skip_locked=True)
                .filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "pk")
                .values_list("pk", "attempts")
                .first()
            )
            if row is None:
                return None
            pk, attempts = row
            won = Delivery.objects.filter(pk=pk, state=Delivery.State.PENDING, attempts=attempts).update(
                attempts=attempts + 1, next_attempt_at=now + CLAIM_LEASE
            )
        if won:
            return Delivery.objects.select_related("notification__recipient").get(pk=pk)


def _attempt(delivery: Delivery, report: DrainReport) -> None:
    channel = CHANNELS.get(delivery.channel)
    if channel is None or not channel.enabled():
        logger.warning("outbox: channel %s is not configured; delivery %s dropped", delivery.channel, delivery.pk)
        _mark(delivery, state=Delivery.State.FAILED, last_error="channel not configured")
        report.given_up += 1
        return
    try:
        channel.send(delivery.notification)
    except Exception as exc:  # whatever a mail server or webhook does wrong is retried
        _failed(delivery, exc, report)
    else:
        _mark(delivery, state=Delivery.State.SENT, sent_at=timezone.now(), last_error="")
        report.sent += 1


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt ``attempts + 1``: NOTIFY_RETRY_SECONDS doubled each time, capped."""
    base = dt.timedelta(seconds=settings.RECTIFICATION["NOTIFY_RETRY_SECONDS"])
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def _failed(delivery: Delivery, exc: Exception, report: DrainReport) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts >= settings.RECTIFICATION["NOTIFY_MAX_ATTEMPTS"]:
        logger.error(
            "outbox: giving up %s delivery %s (notification %s to user %s) after %s attempts: %s",
            delivery.channel,
            delivery.pk,
            delivery.notification_id,
            delivery.notification.recipient_id,
            delivery.attempts,
            error,
        )
        _mark(delivery, state=Delivery.State.FAILED, last_error=error)
        report.given_up += 1
        return
    wait = backoff(delivery.attempts)
    logger.warning(
        "outbox: %s delivery %s failed (attempt %s), retrying in %ss: %s",
        delivery.channel,
        delivery.pk,
        delivery.attempts,
        int(wait.total_seconds()),
        error,
    )
    _mark(delivery, next_attempt_at=timezone.now() + wait, last_error=error)
    report.retrying += 1


def _mark(delivery: Delivery, **fields: Any) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(**fields)
