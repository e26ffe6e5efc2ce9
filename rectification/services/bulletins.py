"""Writes for the bulletin: edit the draft, publish a frozen version (where the district
requires it, only the approved text: services/bulletin_review.py), withdraw one."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ..documents.kinds.bulletin import bulletin_render
from ..models import Bulletin, BulletinVersion, Inspection
from ..permissions import require
from ..selectors.public import forget_public_version
from ..text import CONTROL_CHARS, strip_control
from .audit import Kind as AuditKind
from .audit import audit_record
from .bulletin_review import bulletin_publish_gate, changed_since_approval

# What the secretary may edit; everything else of the row is bookkeeping.
EDITABLE_FIELDS = frozenset(
    {
        "title",
        "intro",
        "section1_heading",
        "section1_text",
        "section2_heading",
        "section3_heading",
        "section3_text",
        "show_statistics",
        "statistics_text",
        "statistics_place",
        "category_heading_style",
        "item_numbering",
        "zero_counts",
        "signature",
        "issued_on",
        # The closing contact paragraph and the comment window (models/contact.py).
        "contact_phone",
        "contact_hours",
        "contact_address",
        "contact_email",
        "comment_until",
    }
)


class BulletinConflictError(ValidationError):
    """The draft changed since the form was shown; ``current`` is the row as saved now."""

    def __init__(self, *, current: Bulletin, expected_version: int) -> None:
        super().__init__(
            _("通报草稿已被他人修改（当前为第 %(v)s 次修改），请刷新页面后再试。") % {"v": current.version}
        )
        self.current = current
        self.expected_version = expected_version


class BulletinRenderError(RuntimeError):
    """A writer (WeasyPrint, the .docx writer) failed while publishing; nothing was written.
    The original exception is chained as ``__cause__``."""


def _locked_draft(inspection: Inspection, expected_version: int | None) -> Bulletin:
    """The draft row locked for this transaction (created on first use); a conflict when
    it moved past ``expected_version``."""
    Bulletin.objects.get_or_create(inspection=inspection)
    bulletin = Bulletin.objects.select_for_update().get(inspection=inspection)
    bulletin.inspection = inspection
    if expected_version is not None and bulletin.version != expected_version:
        raise BulletinConflictError(current=bulletin, expected_version=expected_version)
    return bulletin


@transaction.atomic
def bulletin_update(*, inspection: Inspection, user, expected_version: int, **fields: Any) -> Bulletin:
    """Save the draft's editable fields; refuses a stale form (optimistic concurrency)."""
    require(user, "edit_bulletin", inspection)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    bulletin = _locked_draft(inspection, expected_version)
    for name, value in fields.items():
        setattr(bulletin, name, value)
    bulletin.full_clean(validate_unique=False)
    bulletin.version += 1
    bulletin.save()
    return bulletin


def _frozen_outputs(bulletin: Bulletin, today: dt.date) -> dict[str, Any]:
    """The files of a published version, rendered from the draft as it is now. Add a
    writer here and its columns are frozen with the others."""
    rendered = bulletin_render(bulletin, formats=["html", "pdf", "docx"], today=today)
    return {
        "html": rendered.html,
        "html_sha256": rendered.sha256("html"),
        "pdf": rendered.data("pdf"),
        "sha256": rendered.sha256("pdf"),
        "docx": rendered.data("docx"),
        "docx_sha256": rendered.sha256("docx"),
    }


def bulletin_publish(
    *, inspection: Inspection, user, expected_version: int | None = None, today: dt.date | None = None
) -> BulletinVersion:
    """Freeze the current draft as the next version (1, 2, …).

    Rendering happens before the transaction, so a failure of any writer writes nothing;
    the version number is taken under the draft's row lock, and a draft edited since the
    secretary looked at it (``expected_version``) is refused rather than published unseen.
    """
    require(user, "publish_bulletin", inspection)
    today = today or timezone.localdate()
    draft = Bulletin.objects.filter(inspection=inspection).first() or Bulletin(inspection=inspection)
    draft.inspection = inspection
    if expected_version is not None and draft.version != expected_version:
        raise BulletinConflictError(current=draft, expected_version=expected_version)
    # Where the district requires a review, only the approved text goes public, rendered
    # with the date it was approved with (a blank 成文日期 prints that date).
    approved = bulletin_publish_gate(inspection=inspection)
    try:
        outputs = _frozen_outputs(draft, approved.rendered_on if approved else today)
    except Exception as exc:  # any writer's failure: the view shows one message for all of them
        raise BulletinRenderError(f"rendering bulletin of inspection {inspection.pk} failed") from exc
    if approved is not None and outputs["html_sha256"] != approved.html_sha256:
        raise changed_since_approval()
    return _write_version(
        inspection, user, draft.version if draft.pk else expected_version, outputs, approved.pk if approved else None
    )


@transaction.atomic
def _write_version(
    inspection: Inspection, user, rendered_version: int | None, outputs: dict, approved_id: int | None
) -> BulletinVersion:
    bulletin = _locked_draft(inspection, rendered_version)
    # Under the lock: the approval read before rendering is still the latest submission.
    if (
        approved_id is not None
        and bulletin.reviews.order_by("-number").values_list("pk", flat=True).first() != approved_id
    ):
        raise changed_since_approval()
    last = bulletin.versions.aggregate(last=Max("number"))["last"] or 0
    version = BulletinVersion.objects.create(
        bulletin=bulletin, number=last + 1, published_by=user, published_at=timezone.now(), **outputs
    )
    audit_record(AuditKind.PUBLICATION, actor=user, target=inspection, detail=f"published version {version.number}")
    return version


# A reason long enough to say what was wrong, short enough to stand on the public page.
WITHDRAWAL_REASON_MAX = 500


class BulletinWithdrawError(ValidationError):
    """The withdrawal was refused (no reason, unknown or already withdrawn version); nothing
    was written."""


@transaction.atomic
def bulletin_withdraw(*, inspection: Inspection, user, number: int, reason: str) -> BulletinVersion:
    """Withdraw (撤回) published version ``number`` of the inspection's bulletin.

    Nothing is deleted: the version keeps its text and files and is marked withdrawn with
    who, when and why; its public addresses then say so instead of showing it. The row is
    locked, so two withdrawals at once give one withdrawal and one "already withdrawn".
    """
    require(user, "withdraw_bulletin", inspection)
    reason = strip_control(reason or "", CONTROL_CHARS).strip()
    if not reason:
        raise BulletinWithdrawError(_("请填写撤回原因：公开页面会向查阅者说明该版本为何撤回。"))
    if len(reason) > WITHDRAWAL_REASON_MAX:
        raise BulletinWithdrawError(_("撤回原因请控制在 %(n)s 字以内。") % {"n": WITHDRAWAL_REASON_MAX})
    version = (
        BulletinVersion.objects.select_for_update()
        .defer("html", "pdf", "docx")
        .filter(bulletin__inspection=inspection, number=number)
        .first()
    )
    if version is None:
        raise BulletinWithdrawError(_("第 %(n)s 版不存在。") % {"n": number})
    if version.withdrawn_at is not None:
        raise BulletinWithdrawError(
            _("第 %(n)s 版已于 %(at)s 撤回，无需再次撤回。")
            % {"n": number, "at": timezone.localtime(version.withdrawn_at).strftime("%Y-%m-%d %H:%M")}
        )
    version.withdrawn_at = timezone.now()
    version.withdrawn_by = user
    version.withdrawal_reason = reason
    version.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit_record(AuditKind.PUBLICATION, actor=user, target=inspection, detail=f"withdrew version {number}")
    # The public pages keep what a version's addresses need in the cache (selectors/public.py).
    slug = inspection.organisation.slug
    transaction.on_commit(
        lambda: forget_public_version(slug=slug, bulletin_id=version.bulletin_id, number=version.number)
    )
    return version
