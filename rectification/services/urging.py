"""Writes of urging from above (督办): issuing a numbered 督办函, the secretary's written
reply with its attachments, and recording a talk (约谈).

Who may is permissions.py's (issue_urging, reply_urging, record_talk). A letter's
number is handed out under a lock on the issuing organisation's row, so two letters
issued at once get consecutive numbers, never the same; a reply locks its letter, so a
double submit finds it answered. Attachments are checked and stored as evidence is
(services/evidence.py): by content, under a random name in the private storage.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Inspection, Measure, Organisation, Talk, UrgingAttachment, UrgingLetter, UrgingReply
from ..permissions import require, supervising_organisation
from ..text import CONTROL_CHARS, strip_control
from . import notifications
from .audit import Kind as AuditKind
from .audit import audit_record
from .evidence import sanitise_name, upload_sha256, validate_uploads

MAX_SUBJECT = 200
MAX_TEXT = 5_000
MAX_NAME = 200
# The longest reply period a letter may give; anything further is a typing slip.
MAX_REPLY_DAYS = 366
# Trailing words of an organisation's short name left out of its number's prefix
# (「福田街道」→「福田巡督」).
_PREFIX_TRIM = re.compile(r"(街道党工委|街道|党工委|区委巡察办|巡察办|区委|党委|社区)$")


def _clean(value: str | None, *, limit: int, label: str, required: bool = True) -> str:
    text = strip_control(str(value or ""), CONTROL_CHARS).strip()
    if required and not text:
        raise ValidationError(_("请填写{label}。").format(label=label))
    if len(text) > limit:
        raise ValidationError(_("{label}最多 {n} 个字。").format(label=label, n=limit))
    return text


def issuer_prefix(issuer: Organisation, suffix: str) -> str:
    """The issuing organisation's code in a document's number: its short name shortened,
    then the kind's word (「巡督」 for a 督办函, 「巡验」 for a 验收意见)."""
    return f"{_PREFIX_TRIM.sub('', issuer.short_name) or issuer.short_name}{suffix}"


def urging_prefix(issuer: Organisation) -> str:
    """The issuing organisation's code in a letter's number: 「福田巡督」."""
    return issuer_prefix(issuer, "巡督")


def _content(
    inspection: Inspection,
    measure_ids: Sequence[int],
    subject: str,
    text: str,
    reply_due_on: dt.date | None,
    today: dt.date,
) -> tuple[str, str, list[Measure]]:
    """A letter's subject, text and measures, checked: the reply deadline today or later,
    within a year; the measures open ones of the inspection."""
    subject = _clean(subject, limit=MAX_SUBJECT, label=_("事由"))
    text = _clean(text, limit=MAX_TEXT, label=_("督办内容"))
    if reply_due_on is None:
        raise ValidationError(_("请填写回复期限。"))
    if not today <= reply_due_on <= today + dt.timedelta(days=MAX_REPLY_DAYS):
        raise ValidationError(_("回复期限应在今天至一年内。"))
    ids = sorted({int(pk) for pk in measure_ids})
    measures = list(Measure.objects.filter(pk__in=ids, finding__category__inspection=inspection))
    if len(measures) != len(ids):
        raise ValidationError(_("所选措施不属于该巡察，请刷新页面后重新选择。"))
    if any(m.is_done for m in measures):
        raise ValidationError(_("已销号的措施无需督办，请重新选择。"))
    return subject, text, measures


@transaction.atomic
def urging_issue(
    *,
    user,
    inspection: Inspection,
    measure_ids: Sequence[int],
    subject: str,
    text: str,
    reply_due_on: dt.date | None,
    token: str = "",
    today: dt.date | None = None,
) -> UrgingLetter:
    """Issue a 督办函 to the inspection's organisation about the chosen measures (none: the
    whole inspection). Measures must be open ones of that inspection; the reply deadline
    today or later, within a year. A form sent twice (same ``token``) returns the letter
    the first made."""
    organisation = inspection.organisation
    require(user, "issue_urging", organisation)
    today = today or timezone.localdate()
    if token:
        existing = UrgingLetter.objects.filter(token=token).first()
        if existing is not None:
            return existing
    subject, text, measures = _content(inspection, measure_ids, subject, text, reply_due_on, today)
    issuer = supervising_organisation(user, organisation)
    if issuer is None:  # require() above holds only with such a membership
        raise ValidationError(_("您没有督办该党组织的权限。"))
    # The issuer's row lock serialises numbering: the next serial of its year, once.
    Organisation.objects.select_for_update().filter(pk=issuer.pk).first()
    year = today.year
    last = UrgingLetter.objects.filter(issuer=issuer, year=year).aggregate(n=Max("serial"))["n"] or 0
    letter = UrgingLetter.objects.create(
        issuer=issuer,
        organisation=organisation,
        inspection=inspection,
        prefix=urging_prefix(issuer),
        year=year,
        serial=last + 1,
        subject=subject,
        text=text,
        reply_due_on=reply_due_on,
        issued_by=user,
        issued_at=timezone.now(),
        token=token[:40],
    )
    letter.measures.set(measures)
    notifications.notice_urging_issued(letter)
    audit_record(AuditKind.DECISION, actor=user, target=letter, detail="urging letter issued")
    return letter


@transaction.atomic
def urging_reply(*, user, letter: UrgingLetter, text: str, files: Sequence[UploadedFile] = ()) -> UrgingReply:
    """The secretary's written reply, once per letter, with optional attachments (checked
    all before any is stored; a failure leaves no file behind)."""
    require(user, "reply_urging", letter)
    text = _clean(text, limit=MAX_TEXT, label=_("回复内容"))
    types = validate_uploads(files) if files else []
    current = UrgingLetter.objects.select_for_update().select_related("organisation", "issued_by").get(pk=letter.pk)
    if current.is_withdrawn:
        raise ValidationError(_("该督办函已撤回，无需回复。"))
    if UrgingReply.objects.filter(letter=current).exists():
        raise ValidationError(_("该督办函已回复，不能重复回复。"))
    reply = UrgingReply.objects.create(letter=current, text=text, replied_by=user, replied_at=timezone.now())
    stored: list[str] = []
    try:
        for upload, file_type in zip(files, types, strict=True):
            attachment = UrgingAttachment(
                reply=reply,
                original_name=sanitise_name(upload.name or "", file_type),
                content_type=file_type.content_type,
                size=upload.size,
                sha256=upload_sha256(upload),
            )
            attachment.file.save(attachment.original_name, upload, save=False)
            stored.append(attachment.file.name)
            attachment.save()
    except BaseException:
        # The rows roll back with the transaction; the files must go by hand.
        for path in stored:
            default_storage.delete(path)
        raise
    notifications.notice_urging_replied(current)
    return reply


def _open_letter(user, letter: UrgingLetter) -> UrgingLetter:
    """The letter locked, for a change by the supervisors above: not answered, not withdrawn."""
    require(user, "issue_urging", letter)
    current = UrgingLetter.objects.select_for_update().select_related("organisation", "issuer").get(pk=letter.pk)
    if UrgingReply.objects.filter(letter=current).exists():
        raise ValidationError(_("该督办函已回复，不能再修改或撤回。"))
    if current.is_withdrawn:
        raise ValidationError(_("该督办函已撤回。"))
    return current


@transaction.atomic
def urging_revise(
    *,
    user,
    letter: UrgingLetter,
    measure_ids: Sequence[int],
    subject: str,
    text: str,
    reply_due_on: dt.date | None,
    today: dt.date | None = None,
) -> UrgingLetter:
    """Correct a letter before the secretary replies: its subject, text, deadline and
    measures (checked as when issued); its number stays. The secretary is told again."""
    current = _open_letter(user, letter)
    today = today or timezone.localdate()
    inspection = Inspection.objects.get(pk=current.inspection_id)
    current.subject, current.text, measures = _content(inspection, measure_ids, subject, text, reply_due_on, today)
    current.reply_due_on = reply_due_on
    current.revised_at = timezone.now()
    current.save(update_fields=["subject", "text", "reply_due_on", "revised_at"])
    current.measures.set(measures)
    notifications.notice_urging_changed(current)
    return current


@transaction.atomic
def urging_withdraw(*, user, letter: UrgingLetter, reason: str) -> UrgingLetter:
    """Withdraw (撤回) a letter not yet answered: kept on record as withdrawn, with who,
    when and why; it asks for no reply any more. The secretary is told."""
    reason = _clean(reason, limit=500, label=_("撤回理由"))
    current = _open_letter(user, letter)
    current.withdrawn_at = timezone.now()
    current.withdrawn_by = user
    current.withdrawal_reason = reason
    current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    notifications.notice_urging_changed(current)
    return current


@transaction.atomic
def urging_close(*, user, letter: UrgingLetter) -> UrgingLetter:
    """The supervisor above has read the reply and closes the matter (办结)."""
    require(user, "issue_urging", letter)
    current = UrgingLetter.objects.select_for_update().get(pk=letter.pk)
    if not UrgingReply.objects.filter(letter=current).exists():
        raise ValidationError(_("该督办函尚未回复，不能办结。"))
    if current.closed_at is not None:
        raise ValidationError(_("该督办函已办结。"))
    current.closed_at = timezone.now()
    current.closed_by = user
    current.save(update_fields=["closed_at", "closed_by"])
    return current


@transaction.atomic
def talk_record(
    *,
    user,
    organisation: Organisation,
    inspection: Inspection | None = None,
    held_on: dt.date | None,
    talked_by: str,
    talked_with: str,
    reason: str,
    promises: str = "",
    follow_up: str = "",
    today: dt.date | None = None,
) -> Talk:
    """Record a talk (约谈) held with the organisation: not in the future."""
    require(user, "record_talk", organisation)
    today = today or timezone.localdate()
    if inspection is not None and inspection.organisation_id != organisation.pk:
        raise ValidationError(_("所选巡察不属于该党组织。"))
    if held_on is None:
        raise ValidationError(_("请填写约谈日期。"))
    if held_on > today:
        raise ValidationError(_("约谈日期不能晚于今天。"))
    if held_on.year < 2000:
        raise ValidationError(_("日期超出合理范围。"))
    issuer = supervising_organisation(user, organisation)
    if issuer is None:
        raise ValidationError(_("您没有督办该党组织的权限。"))
    audit_record(AuditKind.DECISION, actor=user, target=organisation, detail="talk recorded")
    return Talk.objects.create(
        issuer=issuer,
        organisation=organisation,
        inspection=inspection,
        held_on=held_on,
        talked_by=_clean(talked_by, limit=MAX_NAME, label=_("约谈人")),
        talked_with=_clean(talked_with, limit=MAX_NAME, label=_("约谈对象")),
        reason=_clean(reason, limit=MAX_TEXT, label=_("约谈事由")),
        promises=_clean(promises, limit=MAX_TEXT, label=_("表态承诺"), required=False),
        follow_up=_clean(follow_up, limit=MAX_TEXT, label=_("后续跟进"), required=False),
        recorded_by=user,
    )
