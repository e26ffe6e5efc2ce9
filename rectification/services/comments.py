"""Writes of the register of comments from the public (意见建议登记簿): a comment sent from a
bulletin's public page (no login, within the comment window), one the secretary logs from a
phone call, letter, e-mail or visit, and its handling: assigning, answering, closing.

Who may is permissions.py's (handle_comment). The public form's abuse limits (rate per
address, honeypot, size) are the view's (views/public.py): what reaches
``comment_receive`` is one real comment. Each handling step locks the comment's row, so
two people answering at once, or a double submit, cannot overwrite one another silently.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import COMMENT_MAX_CHARS, BulletinVersion, Membership, Organisation, PublicComment
from ..permissions import require
from ..selectors.comments import contact_window
from ..text import CONTROL_CHARS, strip_control

MAX_NAME = 60
MAX_CONTACT = 100


class CommentWindowClosed(ValidationError):
    """The bulletin takes no comments (none asked for, or after the deadline)."""


def _clean(value: str | None, *, limit: int, label: str, required: bool = False) -> str:
    text = strip_control(str(value or ""), CONTROL_CHARS).strip()
    if required and not text:
        raise ValidationError(_("请填写{label}。").format(label=label))
    if len(text) > limit:
        raise ValidationError(_("{label}最多 {n} 个字。").format(label=label, n=limit))
    return text


@transaction.atomic
def comment_receive(
    *, version: BulletinVersion, body: str, name: str = "", contact: str = "", today: dt.date | None = None
) -> PublicComment:
    """A comment sent from ``version``'s public page. Refused (CommentWindowClosed) when the
    version was withdrawn or its bulletin's comment window is not open today."""
    bulletin = version.bulletin
    organisation = bulletin.inspection.organisation
    today = today or timezone.localdate()
    if version.withdrawn or not contact_window(bulletin=bulletin, organisation=organisation).open_on(today):
        raise CommentWindowClosed(_("本通报的意见征集已经结束，感谢您的关注。"))
    return PublicComment.objects.create(
        organisation=organisation,
        bulletin=bulletin,
        channel=PublicComment.Channel.WEB,
        name=_clean(name, limit=MAX_NAME, label=_("姓名")),
        contact=_clean(contact, limit=MAX_CONTACT, label=_("联系方式")),
        body=_clean(body, limit=COMMENT_MAX_CHARS, label=_("意见建议"), required=True),
    )


@transaction.atomic
def comment_log(
    *,
    user,
    organisation: Organisation,
    channel: str,
    body: str,
    name: str = "",
    contact: str = "",
    received_on: dt.date | None = None,
) -> PublicComment:
    """A comment that came by phone, letter, e-mail or in person, logged by the secretary."""
    require(user, "handle_comment", organisation)
    if channel not in PublicComment.Channel.values or channel == PublicComment.Channel.WEB:
        raise ValidationError(_("请选择来源（电话、信件、电子邮件或来访）。"))
    now = timezone.now()
    received_at = now
    if received_on is not None:
        if received_on > timezone.localdate():
            raise ValidationError(_("收到日期不能晚于今天。"))
        received_at = timezone.make_aware(dt.datetime.combine(received_on, dt.time(12, 0)))
    return PublicComment.objects.create(
        organisation=organisation,
        channel=channel,
        name=_clean(name, limit=MAX_NAME, label=_("姓名")),
        contact=_clean(contact, limit=MAX_CONTACT, label=_("联系方式")),
        body=_clean(body, limit=COMMENT_MAX_CHARS, label=_("意见建议"), required=True),
        received_at=min(received_at, now),
        logged_by=user,
    )


def _locked(comment: PublicComment) -> PublicComment:
    return PublicComment.objects.select_for_update().select_related("organisation").get(pk=comment.pk)


def assignable_users(organisation: Organisation):
    """Who a comment may be assigned to: the organisation's own active members (any role)."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation=organisation,
            memberships__role__in=[r for r in Membership.Role.values if r != Membership.Role.SUPERVISOR],
        )
        .distinct()
        .order_by("first_name", "username")
    )


@transaction.atomic
def comment_answer(*, user, comment: PublicComment, answer: str, assignee_id: int | None = None) -> PublicComment:
    """Record (or correct) the answer and who handles it; refused once closed."""
    require(user, "handle_comment", comment)
    locked = _locked(comment)
    if locked.closed_at:
        raise ValidationError(_("该意见建议已办结，不能再修改。"))
    text = _clean(answer, limit=COMMENT_MAX_CHARS, label=_("答复情况"))
    if assignee_id is not None:
        assignee = assignable_users(locked.organisation).filter(pk=assignee_id).first()
        if assignee is None:
            raise ValidationError(_("承办人须是本党组织的成员。"))
        locked.assignee = assignee
    if text:
        locked.answer = text
        locked.answered_at = timezone.now()
        locked.answered_by = user
    locked.save()
    return locked


@transaction.atomic
def comment_close(*, user, comment: PublicComment) -> PublicComment:
    """Close an answered comment (办结); a second close finds it closed and says so."""
    require(user, "handle_comment", comment)
    locked = _locked(comment)
    if locked.closed_at:
        raise ValidationError(_("该意见建议已办结。"))
    if not locked.answered_at:
        raise ValidationError(_("请先记录答复情况，再办结。"))
    locked.closed_at = timezone.now()
    locked.closed_by = user
    locked.save(update_fields=["closed_at", "closed_by"])
    return locked
