"""Notifications in the app (Notification rows): creating them, once per key, and the
notices the workflow sends.

Every notification has a ``key``; (recipient, key) is unique, so whoever creates
notifications (a view, the sweep, two sweeps at once) can simply try again: the database
keeps the first and ignores the rest. Each new notification also gets its outbox
deliveries (e-mail, webhook) in the same transaction: see outbox.py. The kinds, their
names and links are in notification_kinds.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Exists, Expression, F, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Measure, Membership, Notification
from ..permissions import secretary_filter, secretary_memberships
from .notification_kinds import Kind
from .outbox import deliveries_queue
from .record import in_record_language
from .sql import insert_rows_returning, insert_select_returning, sql_format

_ORG = "finding__category__inspection__organisation"

# Who hears about a measure, for the set-based notify_measures: a filter that picks the
# people, and the column naming them. "Secretaries" are permissions.py's, as everywhere.
AUDIENCES: dict[str, tuple[dict, str]] = {
    "owners": ({"owners__user__is_active": True}, "owners__user_id"),
    "leader": ({"leader__user__is_active": True}, "leader__user_id"),
    "secretaries": (secretary_filter(f"{_ORG}__memberships__"), f"{_ORG}__memberships__user_id"),
}

# What the set-based notify functions insert, in this order.
_NOTIFICATION_COLUMNS = ("recipient", "key", "kind", "message", "measure", "created_at")


# ---------------------------------------------------------------------------- creating notifications


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


# ---------------------------------------------------------------------------- notices about measures, set-based


def _fmt(template: str, ref: type[F] = F) -> Expression:
    """A template over a Measure row: {id}, {due}, {title}, {stale}, {recheck}; with
    ``ref=OuterRef`` over the outer row of a subquery."""
    return sql_format(
        template,
        id=Cast(ref("pk"), CharField()),
        due=Cast(ref("due_on"), CharField()),
        title=Substr(ref("title"), 1, 60),
        stale=Cast(ref("stale_since"), CharField()),
        recheck=Cast(ref("recheck_on"), CharField()),
    )


def notify_measures(measures: QuerySet[Measure], audience: str, *, kind: str, key: str, message: str) -> list[tuple]:
    """Notify ``audience`` ("owners", "leader", "secretaries") of each measure; ``key`` and
    ``message`` are templates filled in per row (see _fmt).

    Measures that already have the notice are left out first (an index lookup on the
    notification's measure), so a daily step costs what it sends, not what it sent before;
    the unique key still guards against a concurrent run. A notice goes to the people the
    measure has when it is first sent."""
    people, column = AUDIENCES[audience]
    sent = Notification.objects.filter(measure=OuterRef("pk"), kind=kind, key=_fmt(key, OuterRef))
    return notify_rows(
        measures.exclude(Exists(sent)).filter(**people),
        recipient=F(column),
        key=_fmt(key),
        kind=kind,
        message=_fmt(message),
        measure=F("pk"),
    )


# ---------------------------------------------------------------------------- workflow notices


def measure_people(measure: Measure) -> list:
    """The users who answer for ``measure``: its responsible people and leader."""
    users = [person.user for person in measure.owners.select_related("user") if person.user]
    if measure.leader_id and measure.leader.user_id:
        users.append(measure.leader.user)
    return users


def measure_secretaries(measure: Measure) -> list:
    """``measure``'s secretaries (提请销号, a request for an extension), by the one rule of
    permissions.secretary_memberships: the people who may sign it off are the ones told."""
    organisation_id = measure.finding.category.inspection.organisation_id
    return [row.user for row in secretary_memberships([organisation_id]).select_related("user")]


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
def notice_acceptance(measure: Measure, sign_off) -> int:
    """验收通过 or 验收退回 → the responsible people and leader, and the secretary who signed
    it off (a return reopens the measure in their organisation)."""
    if sign_off.decision == sign_off.Decision.APPROVED:
        kind, message = Kind.SIGNED_OFF, _("「{title}」已通过上级验收。").format(title=_title(measure))
    else:
        kind = Kind.SENT_BACK
        message = _("「{title}」验收未通过，已退回重新整改：{reason}").format(
            title=_title(measure), reason=sign_off.reason
        )
    recipients = {user.pk: user for user in [*measure_people(measure), *measure_secretaries(measure)]}
    return notify(
        recipients=recipients.values(), kind=kind, message=message, key=f"acceptance:{sign_off.pk}", measure=measure
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


# ---------------------------------------------------------------------------- documents handed upward


def upward_reviewers(organisation) -> list:
    """Who hears of a submission: the supervisors of the nearest organisation up the tree
    (the organisation itself first) that has supervisor accounts. A community's plan goes
    to its street first, as on paper (via the street's 党工委); the district hears only
    where no street supervisor exists, so it is not told of every community's drafts.
    Every supervisor above may still review it (permissions.review_upward). One query."""
    ancestor_ids = [int(part) for part in organisation.path.strip("/").split("/") if part]
    rows = Membership.objects.filter(
        organisation_id__in=ancestor_ids, role=Membership.Role.SUPERVISOR, user__is_active=True
    ).select_related("user")
    by_org: dict[int, list] = {}
    for row in rows:
        by_org.setdefault(row.organisation_id, []).append(row.user)
    nearest = next((pk for pk in reversed(ancestor_ids) if pk in by_org), None)
    return by_org.get(nearest, [])


def _document_name(document) -> str:
    return f"{document.inspection.organisation.short_name}《{document.label}》"


@in_record_language
def notice_upward_submitted(document, version) -> int:
    """A submission → the reviewing supervisors (see upward_reviewers)."""
    message = _("{document}第 {n} 版已报送，请审核。").format(document=_document_name(document), n=version.number)
    key = f"{Kind.UPWARD_SUBMITTED}:{document.pk}:{version.number}"
    recipients = upward_reviewers(document.inspection.organisation)
    return notify(recipients=recipients, kind=Kind.UPWARD_SUBMITTED, message=message, key=key)


@in_record_language
def notice_upward_reviewed(document, version, review) -> int:
    """A return (with the comments) or an approval → the organisation's secretary."""
    name, n = _document_name(document), version.number
    if review.decision == review.Decision.RETURNED:
        kind = Kind.UPWARD_RETURNED
        message = _("{document}第 {n} 版被退回修改：{comments}").format(document=name, n=n, comments=review.comments)
    else:
        kind, message = Kind.UPWARD_APPROVED, _("{document}第 {n} 版已审核通过。").format(document=name, n=n)
    recipients = [
        row.user for row in secretary_memberships([document.inspection.organisation_id]).select_related("user")
    ]
    return notify(recipients=recipients, kind=kind, message=message, key=f"{kind}:{document.pk}:{n}")


# ---------------------------------------------------------------------------- changes to an approved plan


def _change_subject(change) -> str:
    """What a change is about, in a notice: the action and the measure's title (or, for
    an addition, the proposed title)."""
    title = change.measure.title if change.measure_id else str(change.proposal.get("title", ""))
    return f"{change.get_action_display()}「{title[:60]}」"


@in_record_language
def notice_plan_change_requested(change) -> int:
    """A change to an approved plan → the reviewing supervisors, as a submission is
    (upward_reviewers)."""
    plan = change.plan
    message = _("{document}申请方案调整：{subject}，请审批。").format(
        document=_document_name(plan), subject=_change_subject(change)
    )
    key = f"{Kind.PLAN_CHANGE_REQUESTED}:{plan.pk}:{change.pk}"
    recipients = upward_reviewers(plan.inspection.organisation)
    return notify(recipients=recipients, kind=Kind.PLAN_CHANGE_REQUESTED, message=message, key=key)


@in_record_language
def notice_plan_change_decided(change) -> int:
    """The decision on a change → the organisation's secretary (and whoever asked)."""
    plan = change.plan
    message = _("{document}的方案调整（{subject}）{state}。").format(
        document=_document_name(plan), subject=_change_subject(change), state=change.get_state_display()
    )
    if change.decision_note:
        message += _("意见：{note}").format(note=change.decision_note)
    recipients = [row.user for row in secretary_memberships([plan.inspection.organisation_id]).select_related("user")]
    recipients.append(change.requested_by)
    key = f"{Kind.PLAN_CHANGE_DECIDED}:{plan.pk}:{change.pk}"
    return notify(recipients=recipients, kind=Kind.PLAN_CHANGE_DECIDED, message=message, key=key)


# ---------------------------------------------------------------------------- the bulletin's review


@in_record_language
def notice_bulletin_submitted(inspection, review) -> int:
    """The bulletin draft submitted for review → the reviewing supervisors, as a document
    handed upward is (upward_reviewers)."""
    message = _("{organisation}的整改进展通报（第 {n} 次报审）已提交，请审核。").format(
        organisation=inspection.organisation.short_name, n=review.number
    )
    key = f"{Kind.BULLETIN_SUBMITTED}:{review.pk}"
    recipients = upward_reviewers(inspection.organisation)
    return notify(recipients=recipients, kind=Kind.BULLETIN_SUBMITTED, message=message, key=key)


@in_record_language
def notice_bulletin_reviewed(inspection, review) -> int:
    """A return (with the comments) or an approval → the organisation's secretary."""
    if review.state == review.State.RETURNED:
        kind = Kind.BULLETIN_RETURNED
        message = _("整改进展通报第 {n} 次报审被退回修改：{comments}").format(n=review.number, comments=review.comments)
    else:
        kind = Kind.BULLETIN_APPROVED
        message = _("整改进展通报第 {n} 次报审已审核通过，可以发布。").format(n=review.number)
    recipients = [row.user for row in secretary_memberships([inspection.organisation_id]).select_related("user")]
    return notify(recipients=recipients, kind=kind, message=message, key=f"{kind}:{review.pk}")


# ---------------------------------------------------------------------------- urging from above (督办)


@in_record_language
def notice_urging_issued(letter) -> int:
    """A 督办函 → the organisation's secretary."""
    message = _("{issuer}督办函（{number}）：{subject}，请于 {day} 前书面回复。").format(
        issuer=letter.issuer.short_name, number=letter.number, subject=letter.subject, day=letter.reply_due_on
    )
    recipients = [row.user for row in secretary_memberships([letter.organisation_id]).select_related("user")]
    key = f"{Kind.URGING_ISSUED}:{letter.pk}"
    return notify(recipients=recipients, kind=Kind.URGING_ISSUED, message=message, key=key)


@in_record_language
def notice_urging_changed(letter) -> int:
    """A letter revised or withdrawn before its reply → the organisation's secretary."""
    if letter.is_withdrawn:
        message = _("{issuer}已撤回督办函（{number}），无需回复。理由：{reason}")
        stamp = "withdrawn"
    else:
        message = _("{issuer}修改了督办函（{number}）：{subject}，请于 {day} 前书面回复。")
        stamp = f"{letter.revised_at:%Y%m%d%H%M%S%f}"
    message = message.format(
        issuer=letter.issuer.short_name,
        number=letter.number,
        reason=letter.withdrawal_reason,
        subject=letter.subject,
        day=letter.reply_due_on,
    )
    recipients = [row.user for row in secretary_memberships([letter.organisation_id]).select_related("user")]
    key = f"{Kind.URGING_ISSUED}:{letter.pk}:{stamp}"
    return notify(recipients=recipients, kind=Kind.URGING_ISSUED, message=message, key=key)


@in_record_language
def notice_urging_replied(letter) -> int:
    """A reply → the supervisor who issued the letter."""
    message = _("{organisation}已回复督办函（{number}）。").format(
        organisation=letter.organisation.short_name, number=letter.number
    )
    key = f"{Kind.URGING_REPLIED}:{letter.pk}"
    return notify(recipients=[letter.issued_by], kind=Kind.URGING_REPLIED, message=message, key=key)


# ---------------------------------------------------------------------------- the acceptance's conclusion


@in_record_language
def notice_acceptance_opinion(opinion) -> int:
    """An issued 整改验收意见 → the organisation's secretary."""
    inspection = opinion.inspection
    if opinion.conclusion == opinion.Conclusion.PASSED:
        message = _("{issuer}整改验收意见（{number}）：{team}反馈问题整改通过验收。")
    else:
        message = _("{issuer}整改验收意见（{number}）：{team}反馈问题限期二次整改，请于 {day} 前完成。")
    message = message.format(
        issuer=opinion.issuer.short_name, number=opinion.number, team=inspection.team, day=opinion.second_due_on
    )
    recipients = [row.user for row in secretary_memberships([inspection.organisation_id]).select_related("user")]
    key = f"{Kind.ACCEPTANCE_OPINION}:{inspection.pk}:{opinion.round}"
    return notify(recipients=recipients, kind=Kind.ACCEPTANCE_OPINION, message=message, key=key)
