"""Notifications: in the app (Notification rows), by e-mail and by a group-chat robot webhook.

Every notification has a ``key``; (recipient, key) is unique, so whoever creates
notifications (a view, the sweep, two sweeps at once) can simply try again: the database
keeps the first and ignores the rest. Nothing here counts on luck or on a lock held in
Python.

External channels go through an outbox: each new notification gets one Delivery row per
enabled channel, in the same transaction. After the commit a task drains the outbox; the
beat schedule and the daily sweep drain it too, so a delivery that could not be queued
(broker down) or failed (mail server down) is sent later, with exponential backoff, until
it is given up with a logged error after NOTIFY_MAX_ATTEMPTS.

A channel is off when it is not configured: e-mail needs NOTIFY_EMAIL_ENABLED (and the
recipient's e-mail address), the webhook needs NOTIFY_WEBHOOK_URL.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.core.mail import send_mail
from django.db import connection, models, transaction
from django.db.models import BigIntegerField, Expression, F, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Delivery, Measure, Notification
from .record import in_record_language

logger = logging.getLogger(__name__)


class Kind:
    """Notification kinds used by this app (the column is free text, so others may add)."""

    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    STALE = "stale"
    RECHECK = "recheck"
    REOPENED = "reopened"
    DIGEST = "digest"
    SUBMITTED = "submitted"
    SIGNED_OFF = "signed_off"
    SENT_BACK = "sent_back"
    EXTENSION = "extension"


KIND_LABELS = {
    Kind.DUE_SOON: gettext_lazy("临期提醒"),
    Kind.OVERDUE: gettext_lazy("超期提醒"),
    Kind.ESCALATION: gettext_lazy("督办升级"),
    Kind.STALE: gettext_lazy("长期未更新"),
    Kind.RECHECK: gettext_lazy("回头看"),
    Kind.REOPENED: gettext_lazy("重新整改"),
    Kind.DIGEST: gettext_lazy("每周汇总"),
    Kind.SUBMITTED: gettext_lazy("提请销号"),
    Kind.SIGNED_OFF: gettext_lazy("已销号"),
    Kind.SENT_BACK: gettext_lazy("退回"),
    Kind.EXTENSION: gettext_lazy("延期"),
}

# A group chat sees every message; personal summaries stay out of it.
WEBHOOK_SKIPS_KINDS = frozenset({Kind.DIGEST})
# A claimed delivery is not offered to another worker for this long (a killed worker's
# claim runs out and the delivery is tried again).
CLAIM_LEASE = dt.timedelta(minutes=10)
MAX_BACKOFF = dt.timedelta(hours=6)
_CHUNK = 500


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


# ---------------------------------------------------------------------------- set-based SQL


def _columns(model: type[models.Model], names: Sequence[str]) -> str:
    """The quoted database columns of ``model``'s fields ``names``, comma-separated."""
    qn = connection.ops.quote_name
    return ", ".join(qn(model._meta.get_field(name).column) for name in names)


def _insert_statement(model: type[models.Model], columns: Sequence[str], source: QuerySet) -> tuple[str, tuple]:
    """INSERT INTO <model> (<columns>) SELECT … FROM <source> ON CONFLICT DO NOTHING.

    ``source`` is a values_list() whose columns match ``columns`` in order. Rows are
    inserted in the order of their first two columns, which for our unique constraints is
    the order of the unique index: two sweeps inserting the same keys wait for each other
    instead of deadlocking. Raises EmptyResultSet when the source can match nothing."""
    sql, params = source.query.sql_with_params()
    # "WHERE 1 = 1" keeps SQLite from reading ON CONFLICT as a join constraint.
    statement = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({_columns(model, columns)}) "
        f"SELECT * FROM ({sql}) AS src WHERE 1 = 1 "
        "ORDER BY 1, 2 ON CONFLICT DO NOTHING"
    )
    return statement, params


def insert_select(model: type[models.Model], columns: Sequence[str], source: QuerySet) -> int:
    """Insert the rows ``source`` yields, skipping those that violate a unique constraint;
    returns how many were inserted. One statement, however many rows."""
    try:
        statement, params = _insert_statement(model, columns, source)
    except EmptyResultSet:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def insert_select_returning(
    model: type[models.Model], columns: Sequence[str], source: QuerySet, returning: Sequence[str]
) -> list[tuple]:
    """Like insert_select, returning ``returning`` of the rows actually inserted: the
    database decides who acts, so a concurrent run that lost the race gets nothing."""
    try:
        statement, params = _insert_statement(model, columns, source)
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} RETURNING {_columns(model, returning)}", params)
        return cursor.fetchall()


def insert_rows_returning(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], returning: Sequence[str]
) -> list[tuple]:
    """Insert ``rows`` (Python values in the order of ``columns``), skipping those that
    violate a unique constraint; returns ``returning`` of the rows actually inserted. Rows
    go in sorted by their first two columns, as _insert_statement's do, so that concurrent
    runs wait for each other instead of deadlocking."""
    fields = [model._meta.get_field(c) for c in columns]
    head = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({_columns(model, columns)}) VALUES "
    tail = f" ON CONFLICT DO NOTHING RETURNING {_columns(model, returning)}"
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted: list[tuple] = []
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(rows, key=lambda row: tuple(row[:2]))):
            params = [
                f.get_db_prep_save(value, connection) for row in chunk for f, value in zip(fields, row, strict=True)
            ]
            cursor.execute(head + ", ".join([one_row] * len(chunk)) + tail, params)
            inserted += cursor.fetchall()
    return inserted


def sql_format(template: str, **parts: Expression) -> Expression:
    """A message or key template such as "「{title}」将于 {due} 到期" as one SQL expression,
    so that the database fills it in for every row."""
    pieces = re.split(r"\{(\w+)\}", template)
    exprs: list[Expression] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            exprs.append(parts[piece])
        elif piece:
            exprs.append(Value(piece))
    if len(exprs) == 1:
        return exprs[0]
    return Concat(*exprs, output_field=TextField())


def chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------- creating notifications


# What the set-based notify functions insert, in this order.
_NOTIFICATION_COLUMNS = ("recipient", "key", "kind", "message", "measure", "created_at")


@transaction.atomic
def notify_rows(
    rows: QuerySet,
    *,
    recipient: Expression,
    key: Expression,
    kind: str,
    message: Expression,
    measure: Expression | None = None,
) -> list[tuple[int, int | None]]:
    """Set-based notify: one notification per row of ``rows``, the expressions evaluated
    on that row. Returns (notification id, measure id) of those newly created; existing
    (recipient, key) pairs are left alone. Creates their outbox deliveries."""
    no_measure = Cast(Value(None), output_field=BigIntegerField())
    source = (
        rows.order_by()
        .annotate(
            n_recipient=recipient,
            n_key=key,
            n_kind=Value(kind),
            n_message=message,
            n_measure=measure if measure is not None else no_measure,
            n_created=Value(timezone.now()),
        )
        .values_list("n_recipient", "n_key", "n_kind", "n_message", "n_measure", "n_created")
    )
    created = insert_select_returning(Notification, _NOTIFICATION_COLUMNS, source, returning=("id", "measure"))
    deliveries_queue([pk for pk, _measure in created])
    return created


@transaction.atomic
def notify_each(messages: Iterable[tuple[int, str]], *, kind: str, key: str) -> int:
    """Give each (user id, message) its notification, once per ``key`` as notify() does;
    the caller has picked active users. Returns how many notifications were created."""
    now = timezone.now()
    rows = [(user_id, key, kind, message, None, now) for user_id, message in messages]
    created = insert_rows_returning(Notification, _NOTIFICATION_COLUMNS, rows, returning=("id",))
    deliveries_queue([pk for (pk,) in created])
    return len(created)


def notify(*, recipients: Iterable, kind: str, message: str, key: str, measure: Measure | None = None) -> int:
    """Notify each of ``recipients`` (users) once per ``key``: calling again with the same
    key creates nothing. Returns how many notifications were created. E-mail and webhook
    deliveries are queued after the transaction commits."""
    ids = sorted({user.pk for user in recipients if user is not None})
    if not ids:
        return 0
    users = get_user_model().objects.filter(pk__in=ids, is_active=True)
    created = notify_rows(
        users,
        recipient=F("pk"),
        key=Value(key),
        kind=kind,
        message=Value(message),
        measure=Value(measure.pk, output_field=BigIntegerField()) if measure is not None else None,
    )
    return len(created)


@transaction.atomic
def notification_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: those in ``ids``, or all when None. Another
    user's ids are silently ignored (they are not the caller's to mark)."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


# ---------------------------------------------------------------------------- channels


class Channel(Protocol):
    name: str

    def enabled(self) -> bool: ...

    def eligible(self, notifications: QuerySet[Notification]) -> QuerySet[Notification]: ...

    def send(self, notification: Notification) -> None:
        """Deliver or raise; any exception counts as a failed attempt."""


# Where a notification about several measures leads, by kind: a view and its query.
_LIST_LINKS = {Kind.OVERDUE: ("rectification:measure_list", "?mine=1&overdue=1")}


def notification_path(notification: Notification) -> str:
    """The page a notification leads to: its measure's, or for a notice about several
    measures (the weekly overdue reminder) the list of them; "" when there is none."""
    if notification.measure_id:
        return reverse("rectification:measure_detail", args=[notification.measure_id])
    view, query = _LIST_LINKS.get(notification.kind, ("", ""))
    return reverse(view) + query if view else ""


def _link(notification: Notification) -> str:
    if not settings.SITE_URL:
        return ""
    try:
        return settings.SITE_URL + (notification_path(notification) or reverse("rectification:notifications"))
    except NoReverseMatch:
        return settings.SITE_URL


class EmailChannel:
    name = Delivery.Channel.EMAIL

    def enabled(self) -> bool:
        return bool(settings.NOTIFY_EMAIL_ENABLED)

    def eligible(self, notifications: QuerySet[Notification]) -> QuerySet[Notification]:
        return notifications.exclude(recipient__email="")

    def send(self, notification: Notification) -> None:
        body = notification.message
        link = _link(notification)
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
        link = _link(notification)
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


CHANNELS: dict[str, Channel] = {channel.name: channel for channel in (EmailChannel(), WebhookChannel())}


def enabled_channels() -> list[Channel]:
    return [channel for channel in CHANNELS.values() if channel.enabled()]


# ---------------------------------------------------------------------------- the outbox


def deliveries_queue(notification_ids: Sequence[int]) -> int:
    """Outbox rows for new notifications, one per enabled channel; the drain is queued
    for after the commit. Returns how many rows were added."""
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
    from ..tasks import deliver_outbox

    try:
        deliver_outbox.delay()
    except Exception:  # the broker is down or unreachable: the rows wait in the outbox
        logger.warning(
            "could not queue the outbox drain (broker unavailable?); pending deliveries stay in the "
            "outbox and are sent by the next scheduled drain or sweep",
            exc_info=True,
        )


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


# ---------------------------------------------------------------------------- workflow notices


def measure_people(measure: Measure) -> list:
    """The users who answer for ``measure``: its responsible people and leader."""
    users = [person.user for person in measure.owners.select_related("user") if person.user]
    if measure.leader_id and measure.leader.user_id:
        users.append(measure.leader.user)
    return users


def measure_secretaries(measure: Measure) -> list:
    from ..models import Membership

    organisation_id = measure.finding.category.inspection.organisation_id
    rows = Membership.objects.filter(organisation_id=organisation_id, role=Membership.Role.SECRETARY)
    return [row.user for row in rows.select_related("user")]


def _title(measure: Measure) -> str:
    return measure.title[:60]


@in_record_language
def notice_submitted(measure: Measure) -> int:
    """提请销号 → the organisation's secretary (once per submission: the key has the version)."""
    message = _("「{title}」已提请销号，请审核。").format(title=_title(measure))
    key = f"submitted:{measure.pk}:{measure.version}"
    return notify(
        recipients=measure_secretaries(measure), kind=Kind.SUBMITTED, message=message, key=key, measure=measure
    )


@in_record_language
def notice_decided(measure: Measure, sign_off) -> int:
    """销号 or 退回 → the responsible people and leader."""
    if sign_off.decision == sign_off.Decision.APPROVED:
        kind, message = Kind.SIGNED_OFF, _("「{title}」已销号。").format(title=_title(measure))
    else:
        kind = Kind.SENT_BACK
        message = _("「{title}」被退回：{reason}").format(title=_title(measure), reason=sign_off.reason)
    return notify(
        recipients=measure_people(measure), kind=kind, message=message, key=f"{kind}:{sign_off.pk}", measure=measure
    )


@in_record_language
def notice_extension(extension) -> int:
    """A request → the secretary; a decision → whoever asked."""
    measure = extension.measure
    if extension.state == extension.State.PENDING:
        message = _("「{title}」申请延期至 {day}，请审批。").format(title=_title(measure), day=extension.new_due_on)
        recipients, key = measure_secretaries(measure), f"extension:{extension.pk}"
    else:
        message = _("「{title}」的延期申请（{day}）{state}。").format(
            title=_title(measure), day=extension.new_due_on, state=extension.get_state_display()
        )
        recipients, key = [extension.requested_by], f"extension_decided:{extension.pk}"
    return notify(recipients=recipients, kind=Kind.EXTENSION, message=message, key=key, measure=measure)
