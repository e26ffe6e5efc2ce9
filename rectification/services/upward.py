"""Writes for the documents handed upward (整改方案, 整改情况报告): open the draft, edit it,
submit it signed as true (签字背书), and the supervisor's review (return with comments, or
approve).

Which state follows which and why a step is refused are workflow.py's; who may do what is
permissions.py's; the document's sections, its files and its plain text are the document
kind's (documents/kinds/upward.py). Every write locks the document row: the draft's
``version`` is its optimistic lock and moves on with every change, a state change
included, so a form shown before someone else acted is refused rather than applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import workflow
from ..documents.kinds.upward import SECTIONS, missing_sections, upward_render, upward_text
from ..models import Inspection, Review, SubmittedVersion, UpwardDocument
from ..permissions import require
from ..text import CONTROL_CHARS, strip_control
from . import notifications
from .audit import Kind as AuditKind
from .audit import audit_record

Kind = UpwardDocument.Kind
State = UpwardDocument.State

# The statement the secretary confirms when submitting, stored with each version as
# signed. Stored in Chinese, the language of the record, whatever the signer's UI shows.
ATTESTATION = "本人已审核上述内容，确认真实、准确、完整，签字背书。"
# Limits of what the editor takes: a text section is a few pages at most; a list entry a line.
MAX_TEXT = 20_000
MAX_LINES = 100
MAX_LINE = 300
MAX_COMMENTS = 5_000
# Dates a document may name: anything else is a typing slip (the year 20255).
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
# A report series (整改进展情况报告) may grow one by one; nothing beyond the next one opens.
MAX_SEQUENCE = 20


class UpwardConflictError(ValidationError):
    """The document changed since the form was shown; ``current`` is the row as saved now."""

    def __init__(self, *, current: UpwardDocument) -> None:
        super().__init__(_("文书已被他人修改或已变更状态，请刷新页面后再试。"))
        self.current = current


class UpwardRenderError(RuntimeError):
    """A writer failed while freezing a version; nothing was written (``__cause__`` says why)."""


# ---------------------------------------------------------------------------- opening


def upward_document_open(*, inspection: Inspection, kind: str, sequence: int = 1, user) -> UpwardDocument:
    """The inspection's document of ``kind`` number ``sequence``; its empty draft is
    created on first use (``due_on`` is left as it is). A plan is one; a report may be
    the next of its series, never further. ValueError for anything else (a 404 to views)."""
    require(user, "view_upward", inspection)
    if kind not in Kind.values or not 1 <= sequence <= MAX_SEQUENCE or (kind == Kind.PLAN and sequence != 1):
        raise ValueError(f"no {kind} document {sequence}")
    existing = UpwardDocument.objects.filter(inspection=inspection, kind=kind, sequence=sequence).first()
    if existing is None:
        if (
            sequence > 1
            and not UpwardDocument.objects.filter(inspection=inspection, kind=kind, sequence=sequence - 1).exists()
        ):
            raise ValueError(f"{kind} {sequence - 1} does not exist yet")
        # get_or_create: two first visits at once make one row (the unique constraint).
        existing, _created = UpwardDocument.objects.get_or_create(inspection=inspection, kind=kind, sequence=sequence)
    existing.inspection = inspection  # the caller's instance, organisation loaded
    return existing


# ---------------------------------------------------------------------------- content


def _clean_text(value: Any) -> str:
    return strip_control(str(value or ""), CONTROL_CHARS).strip()


def _clean_section(section, value: Any) -> Any:
    """One section's value as stored, or ValidationError with a message for its field."""
    if section.kind == "date":
        if value in (None, ""):
            return ""
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(_("请填写有效的日期，如 2025-03-31。")) from None
        if not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
            raise ValidationError(_("日期超出合理范围。"))
        return day.isoformat()
    if section.kind == "lines":
        raw = value.splitlines() if isinstance(value, str) else list(value or [])
        lines = [line for line in (_clean_text(v) for v in raw) if line]
        if len(lines) > MAX_LINES:
            raise ValidationError(_("最多 %(n)s 行。") % {"n": MAX_LINES})
        if any(len(line) > MAX_LINE for line in lines):
            raise ValidationError(_("每行最多 %(n)s 个字。") % {"n": MAX_LINE})
        return lines
    text = _clean_text(value)
    if len(text) > MAX_TEXT:
        raise ValidationError(_("最多 %(n)s 个字（现有 %(len)s 个）。") % {"n": MAX_TEXT, "len": len(text)})
    return text


def upward_clean_content(*, kind: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """``content`` checked against the kind's sections: each value typed, trimmed, within
    its limits. A ValidationError maps section keys to their messages (forms show them
    beside the fields); keys the schema does not know are a programming error."""
    sections = {section.key: section for section in SECTIONS[kind]}
    unknown = set(content) - set(sections)
    if unknown:
        raise ValueError(f"not sections of {kind}: {sorted(unknown)}")
    cleaned, errors = {}, {}
    for key, value in content.items():
        try:
            cleaned[key] = _clean_section(sections[key], value)
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


# ---------------------------------------------------------------------------- writes


def _locked(document: UpwardDocument, expected_version: int | None) -> UpwardDocument:
    """The document's row locked for this transaction; a conflict when it moved past
    ``expected_version``."""
    current = UpwardDocument.objects.select_for_update().get(pk=document.pk)
    current.inspection = document.inspection
    if expected_version is not None and current.version != expected_version:
        raise UpwardConflictError(current=current)
    return current


def _save(document: UpwardDocument, user) -> None:
    document.version += 1
    document._history_user = user  # django-simple-history: who changed it
    document.save()


@transaction.atomic
def upward_update(
    *, document: UpwardDocument, user, content: Mapping[str, Any], expected_version: int
) -> UpwardDocument:
    """Save the draft's sections (those given; the others stay as they are)."""
    require(user, "edit_upward", document)
    cleaned = upward_clean_content(kind=document.kind, content=content)
    current = _locked(document, expected_version)
    if not workflow.document_is_editable(current):
        raise ValidationError(_("已报送或已审核通过的文书不能修改。"))
    current.content = {**(current.content or {}), **cleaned}
    _save(current, user)
    return current


def _frozen_files(document: UpwardDocument, today: dt.date) -> dict[str, Any]:
    """What a submitted version keeps: the files as the reviewer reads them, their
    checksums, the plain text (for what changed between versions) and the content."""
    rendered = upward_render(document, formats=("html", "pdf", "docx"), today=today)
    return {
        "html": rendered.html,
        "pdf": rendered.data("pdf"),
        "sha256": rendered.sha256("pdf"),
        "docx": rendered.data("docx"),
        "docx_sha256": rendered.sha256("docx"),
        "text": upward_text(document, today=today),
        "content": dict(document.content or {}),
    }


def upward_submit(
    *,
    document: UpwardDocument,
    user,
    attestation_confirmed: bool,
    expected_version: int,
    today: dt.date | None = None,
) -> SubmittedVersion:
    """Freeze the draft as the next version, signed by ``user``, and send it up.

    Checked first and again under the row lock: the attestation, the state (not already
    submitted or approved), the version the secretary looked at, the required sections.
    The files are rendered between the two checks, outside the transaction (a second or
    so), so a slow render holds no lock; the locked check then insists the draft is still
    the one rendered. Of two submissions at once one makes the version, the other is
    refused as already submitted."""
    require(user, "submit_upward", document)
    if not attestation_confirmed:
        raise ValidationError(_("报送前请确认签字背书声明。"))
    today = today or timezone.localdate()
    draft = UpwardDocument.objects.get(pk=document.pk)
    draft.inspection = document.inspection
    _check_submittable(draft, expected_version)
    try:
        files = _frozen_files(draft, today)
    except Exception as exc:  # any writer's failure: one message for all of them
        raise UpwardRenderError(f"rendering upward document {document.pk} failed") from exc
    return _write_version(document, user, draft.version, files)


def _check_submittable(document: UpwardDocument, expected_version: int | None) -> None:
    # The state first: a second click on 「报送」 hears "already submitted", not "stale".
    refusal = workflow.document_submit_refusal(document, missing_sections(document.kind, document.content or {}))
    if refusal:
        raise ValidationError(refusal)
    if expected_version is not None and document.version != expected_version:
        raise UpwardConflictError(current=document)


@transaction.atomic
def _write_version(document: UpwardDocument, user, rendered_version: int, files: dict[str, Any]) -> SubmittedVersion:
    current = UpwardDocument.objects.select_for_update().get(pk=document.pk)
    current.inspection = document.inspection
    _check_submittable(current, rendered_version)
    last = current.versions.aggregate(last=Max("number"))["last"] or 0
    version = SubmittedVersion.objects.create(
        document=current,
        number=last + 1,
        attestation=ATTESTATION,
        signed_by=user,
        signed_at=timezone.now(),
        **files,
    )
    current.state = workflow.document_step("submit").target
    _save(current, user)
    notifications.notice_upward_submitted(current, version)
    return version


@transaction.atomic
def upward_review(*, submitted_version: SubmittedVersion, user, decision: str, comments: str = "") -> Review:
    """The supervisor's decision on a submitted version: ``decision`` is a Review.Decision
    (returned needs comments). Only the latest version of a document under review, once."""
    require(user, "review_upward", submitted_version)
    if decision not in Review.Decision.values:
        raise ValidationError(_("请选择审核意见。"))
    comments = _clean_text(comments)
    if decision == Review.Decision.RETURNED and not comments:
        raise ValidationError(_("退回修改时请填写意见，说明需要修改的内容。"))
    if len(comments) > MAX_COMMENTS:
        raise ValidationError(_("意见最多 %(n)s 个字。") % {"n": MAX_COMMENTS})
    document = _locked(submitted_version.document, None)
    latest = document.versions.aggregate(last=Max("number"))["last"]
    decided = Review.objects.filter(submitted=submitted_version).exists()
    refusal = workflow.review_refusal(document, submitted_version, latest, decided)
    if refusal:
        raise ValidationError(refusal)
    review = Review.objects.create(
        submitted=submitted_version, decision=decision, comments=comments, reviewer=user, decided_at=timezone.now()
    )
    document.state = workflow.document_step(workflow.REVIEW_STEPS[decision]).target
    _save(document, user)
    notifications.notice_upward_reviewed(document, submitted_version, review)
    audit_record(AuditKind.DECISION, actor=user, target=document, detail=f"review {decision}")
    return review
