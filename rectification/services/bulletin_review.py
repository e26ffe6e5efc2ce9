"""Writes for the bulletin's review before publication (where the district requires it)
and for the problems held back from publication (不予公开).

The secretary submits the draft; the text is rendered and frozen with its SHA-256 and the
date it was rendered with. A supervisor above approves or returns it with comments.
Publishing (services/bulletins.py) asks ``bulletin_publish_gate`` first and then insists
that the text it renders is the approved one: an edit after the approval (of the draft,
the measures' data or the held-back items) is a different text, which needs approval again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .. import workflow
from ..documents.kinds.bulletin import bulletin_render
from ..models import Bulletin, BulletinReview, Finding, Inspection, WithheldFinding
from ..permissions import require
from ..selectors.bulletin_review import bulletin_review_required, latest_bulletin_review, withheld_findings
from ..selectors.bulletins import bulletin_draft
from ..text import CONTROL_CHARS, strip_control
from . import notifications
from .audit import Kind as AuditKind
from .audit import audit_record

State = BulletinReview.State
MAX_COMMENTS = 5_000
MAX_REASON = 1_000
MAX_AGREED_BY = 200
# An edit saved while the secretary looked at the page (services/bulletins.py says the same).
STALE = _lazy("通报草稿已被他人修改，请刷新页面后再试。")


def _clean(value: Any) -> str:
    return strip_control(str(value or ""), CONTROL_CHARS).strip()


def _html(draft: Bulletin, today: dt.date) -> tuple[str, str]:
    rendered = bulletin_render(draft, formats=["html"], today=today)
    return rendered.html, rendered.sha256("html")


def bulletin_review_status(
    *, inspection: Inspection, draft: Bulletin | None = None
) -> tuple[workflow.BulletinReviewStatus, BulletinReview | None]:
    """Where the draft stands (see workflow.BulletinReviewStatus) and its latest submission.
    Reads only: whether the draft as rendered now is the submitted text is a render with
    the submission's date, compared by hash. Queries: 2, plus the render's 3 when there is
    a submission to compare with."""
    required = bulletin_review_required(organisation=inspection.organisation)
    latest = latest_bulletin_review(inspection=inspection)
    if latest is None:
        return workflow.BulletinReviewStatus(required=required, latest_state=None, matches=False), None
    draft = draft if draft is not None else bulletin_draft(inspection=inspection)
    matches = _html(draft, latest.rendered_on)[1] == latest.html_sha256
    return workflow.BulletinReviewStatus(required=required, latest_state=latest.state, matches=matches), latest


def bulletin_review_submit(
    *, inspection: Inspection, user, expected_version: int | None = None, today: dt.date | None = None
) -> BulletinReview:
    """Submit the saved draft for review: its text is rendered (outside the transaction,
    so a slow render holds no lock) and frozen; the reviewing supervisors are told.
    Refused when the district requires no review, while a submission waits, when the
    current text is already approved, and when the draft moved past ``expected_version``."""
    require(user, "submit_bulletin_review", inspection)
    today = today or timezone.localdate()
    draft = bulletin_draft(inspection=inspection)
    if draft.pk is not None and expected_version is not None and draft.version != expected_version:
        raise ValidationError(STALE)
    status, _latest = bulletin_review_status(inspection=inspection, draft=draft)
    refusal = workflow.bulletin_submit_refusal(status)
    if refusal:
        raise ValidationError(refusal)
    html, sha256 = _html(draft, today)
    withheld = [
        {"heading": w.finding.heading, "reason": w.reason, "agreed_by": w.agreed_by}
        for w in withheld_findings(inspection=inspection)
    ]
    return _write_review(inspection, user, draft.version if draft.pk else None, html, sha256, today, withheld)


@transaction.atomic
def _write_review(
    inspection: Inspection, user, rendered_version: int | None, html: str, sha256: str, today: dt.date, withheld: list
) -> BulletinReview:
    Bulletin.objects.get_or_create(inspection=inspection)
    bulletin = Bulletin.objects.select_for_update().get(inspection=inspection)
    # The text rendered must be the draft's as locked: an edit in between is refused.
    if rendered_version is not None and bulletin.version != rendered_version:
        raise ValidationError(STALE)
    # Under the draft's lock: of two submissions at once, the second hears "already submitted".
    if bulletin.reviews.filter(state=State.SUBMITTED).exists():
        raise ValidationError(_("通报草稿已报审，正在等待审核，不能重复报审。"))
    last = bulletin.reviews.aggregate(last=Max("number"))["last"] or 0
    review = BulletinReview.objects.create(
        bulletin=bulletin,
        number=last + 1,
        html=html,
        html_sha256=sha256,
        rendered_on=today,
        withheld=withheld,
        submitted_by=user,
        submitted_at=timezone.now(),
    )
    notifications.notice_bulletin_submitted(inspection, review)
    return review


@transaction.atomic
def bulletin_review_decide(*, review: BulletinReview, user, decision: str, comments: str = "") -> BulletinReview:
    """The supervisor's decision on a submission: ``decision`` is "approved" or "returned"
    (a return needs comments). Each submission is decided once: the row is locked, so of
    two decisions at once the second is refused. The secretary is told."""
    require(user, "review_bulletin", review)
    if decision not in (State.APPROVED, State.RETURNED):
        raise ValidationError(_("请选择审核意见。"))
    comments = _clean(comments)
    if decision == State.RETURNED and not comments:
        raise ValidationError(_("退回修改时请填写意见，说明需要修改的内容。"))
    if len(comments) > MAX_COMMENTS:
        raise ValidationError(_("意见最多 %(n)s 个字。") % {"n": MAX_COMMENTS})
    locked = (
        BulletinReview.objects.select_for_update(of=("self",))
        .defer("html")
        .select_related("bulletin__inspection__organisation")
        .get(pk=review.pk)
    )
    refusal = workflow.bulletin_review_refusal(locked)
    if refusal:
        raise ValidationError(refusal)
    locked.state, locked.comments = decision, comments
    locked.decided_by, locked.decided_at = user, timezone.now()
    locked.save(update_fields=["state", "comments", "decided_by", "decided_at"])
    notifications.notice_bulletin_reviewed(locked.bulletin.inspection, locked)
    audit_record(
        AuditKind.DECISION, actor=user, target=locked.bulletin.inspection, detail=f"bulletin review {decision}"
    )
    return locked


def bulletin_publish_gate(*, inspection: Inspection) -> BulletinReview | None:
    """Before publishing: None when the district requires no review; else the approved
    latest submission, whose date the publication renders with (the caller then compares
    the text with it). A ValidationError saying why otherwise. Queries: 2."""
    if not bulletin_review_required(organisation=inspection.organisation):
        return None
    latest = latest_bulletin_review(inspection=inspection)
    state = latest.state if latest is not None else None
    if state != State.APPROVED:
        status = workflow.BulletinReviewStatus(required=True, latest_state=state, matches=False)
        raise ValidationError(workflow.bulletin_publish_refusal(status))
    return latest


def changed_since_approval() -> ValidationError:
    status = workflow.BulletinReviewStatus(required=True, latest_state=State.APPROVED, matches=False)
    return ValidationError(workflow.bulletin_publish_refusal(status))


# ---------------------------------------------------------------------------- 不予公开


@transaction.atomic
def bulletin_withhold(*, inspection: Inspection, user, finding_id: int, reason: str, agreed_by: str) -> WithheldFinding:
    """Hold a problem of the inspection (with its sub-problems and measures) back from the
    public bulletin, with the reason and who agreed. Another inspection's problem, a blank
    reason or agreement, or a problem already held back is refused; nothing is written."""
    require(user, "edit_bulletin", inspection)
    reason, agreed_by = _clean(reason), _clean(agreed_by)
    if not reason:
        raise ValidationError(_("请填写不予公开的理由。"))
    if not agreed_by:
        raise ValidationError(_("请填写同意不予公开的负责人。"))
    if len(reason) > MAX_REASON or len(agreed_by) > MAX_AGREED_BY:
        raise ValidationError(_("理由最多 %(r)s 个字，同意人最多 %(a)s 个字。") % {"r": MAX_REASON, "a": MAX_AGREED_BY})
    # Locked, so two secretaries holding back the same problem at once give one record.
    finding = Finding.objects.select_for_update().filter(pk=finding_id, category__inspection=inspection).first()
    if finding is None:
        raise ValidationError(_("所选问题不属于本次巡察。"))
    if WithheldFinding.objects.filter(finding=finding).exists():
        raise ValidationError(_("该问题已列为不予公开。"))
    return WithheldFinding.objects.create(
        finding=finding, reason=reason, agreed_by=agreed_by, recorded_by=user, recorded_at=timezone.now()
    )


@transaction.atomic
def bulletin_release(*, inspection: Inspection, user, withheld_id: int) -> None:
    """Let a held-back problem appear in the bulletin again (e.g. the investigation is
    closed). The history keeps the record; a bulletin under review then needs approval
    again, as its text changes."""
    require(user, "edit_bulletin", inspection)
    row = (
        WithheldFinding.objects.select_for_update()
        .filter(pk=withheld_id, finding__category__inspection=inspection)
        .first()
    )
    if row is None:
        raise ValidationError(_("该不予公开事项不存在或已恢复公开。"))
    row.delete()
