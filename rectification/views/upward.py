"""The documents handed upward (整改方案, 整改情况报告): the document page (state, editor,
submission with the secretary's attestation, history, the supervisor's review, what
changed since the returned version), the draft's and the frozen versions' files, and the
supervisors' review queue.

These documents are internal: every file is sent ``Cache-Control: private, no-store``.
Another organisation's ids are a 404; a reader without the right is a 403.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from .. import workflow
from ..documents.kinds.upward import missing_sections, upward_render
from ..documents.writers import CONTENT_TYPES
from ..forms.upward import DocumentContentForm, ReviewForm, SubmitForm
from ..models import Inspection, SubmittedVersion, UpwardDocument
from ..permissions import visible_organisations
from ..selectors import reviews as sel
from ..selectors.bulletin_review import pending_bulletin_review_rows
from ..selectors.plan_changes import described, pending_plan_change_rows, plan_changes_of
from ..services import upward as service
from ..services.record import record_language
from .bulletins import DOCUMENT_CSP

logger = logging.getLogger(__name__)

VIEW = "rectification.view_upward"
QUEUE_PAGE = 25  # rows of each list of the review queue per page, as the measure list
EDIT = "rectification.edit_upward"


# ---------------------------------------------------------------------------- loading


def _document(request: HttpRequest, pk: int, perm: str) -> UpwardDocument:
    """The document if its organisation is visible (else 404) and the user holds ``perm``
    on it (else 403)."""
    scoped = UpwardDocument.objects.filter(inspection__organisation__in=visible_organisations(request.user))
    document = get_object_or_404(scoped.select_related("inspection__organisation"), pk=pk)
    if not request.user.has_perm(perm, document):
        raise PermissionDenied
    return document


def _version(request: HttpRequest, pk: int, perm: str, *, files: bool = False) -> SubmittedVersion:
    """The submitted version (with its frozen files when ``files``), loaded as _document."""
    scoped = sel.version_files(pk=pk, files=files).filter(
        document__inspection__organisation__in=visible_organisations(request.user)
    )
    version = get_object_or_404(scoped)
    if not request.user.has_perm(perm, version):
        raise PermissionDenied
    return version


def _private(response: HttpResponse) -> HttpResponse:
    """Internal documents: never kept by a shared cache or the browser's."""
    response["Cache-Control"] = "private, no-store"
    return response


def _file_response(data: bytes, fmt: str, filename: str, etag: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    # PDF shown in place, Word downloaded (it is edited, not viewed in the browser).
    response["Content-Disposition"] = content_disposition_header(fmt == "docx", filename)
    response["ETag"] = f'"{etag}"'
    return _private(response)


def _filename(document: UpwardDocument, suffix: str) -> str:
    with record_language():  # file names in the record's language, like the document
        name = str(document.get_kind_display())
    sequence = f"{document.sequence}" if document.sequence > 1 else ""
    return f"{document.inspection.organisation.short_name}-{name}{sequence}{suffix}"


# ---------------------------------------------------------------------------- the document page


def _page(request: HttpRequest, document: UpwardDocument, *, status: int = 200, **forms) -> HttpResponse:
    actions = workflow.document_actions(request.user, document)
    history = sel.document_history(document=document)
    latest = history.versions[0] if history.versions else None
    context = {
        "document": document,
        "inspection": document.inspection,
        "organisation": document.inspection.organisation,
        "actions": actions,
        "history": history,
        "latest": latest,
        "today": timezone.localdate(),
    }
    if actions.edit:
        context["content_form"] = forms.get("content_form") or DocumentContentForm(document=document)
    if actions.submit:
        context["submit_form"] = forms.get("submit_form") or SubmitForm(initial={"expected_version": document.version})
        context["missing"] = missing_sections(document.kind, document.content or {})
    if actions.review:
        context["review_form"] = forms.get("review_form") or ReviewForm()
    if document.kind == UpwardDocument.Kind.PLAN:  # the changes asked of it once approved (1 query)
        context["plan_changes"] = _decidable(request, plan_changes_of(plan=document), document)
    return render(request, "upward/document.html", context, status=status)


def document_page(request: HttpRequest, document: UpwardDocument, *, status: int = 200) -> HttpResponse:
    """The document page as it is now (views/plan_changes.py shows it after a refusal)."""
    document.refresh_from_db(fields=["state", "content", "version", "due_on"])
    return _page(request, document, status=status)


def _decidable(request: HttpRequest, changes: list, plan: UpwardDocument) -> list:
    """Each change with ``can_decide``, workflow's answer for this user."""
    for change in changes:
        change.plan = plan  # the page's own, organisation loaded: no query per row
        change.can_decide = workflow.may_decide_plan_change(request.user, change)
    return changes


def _refused(
    request: HttpRequest, exc: ValidationError, document: UpwardDocument, status: int, **forms
) -> HttpResponse:
    """A service's refusal (stale form, wrong state, superseded version): the message on
    top of the page as it is now, whose forms may have changed with the state."""
    messages.error(request, " ".join(exc.messages))
    document.refresh_from_db(fields=["state", "content", "version", "due_on"])
    return _page(request, document, status=status, **forms)


@login_required
@require_GET
def upward_open(request: HttpRequest, pk: int, kind: str, sequence: int) -> HttpResponse:
    """The inspection's plan or report: its draft is opened on first visit, then its page."""
    scoped = Inspection.objects.filter(organisation__in=visible_organisations(request.user))
    inspection = get_object_or_404(scoped.select_related("organisation"), pk=pk)
    if not request.user.has_perm(VIEW, inspection):
        raise PermissionDenied
    try:
        document = service.upward_document_open(inspection=inspection, kind=kind, sequence=sequence, user=request.user)
    except ValueError:
        raise Http404 from None
    return redirect("rectification:upward_document", pk=document.pk)


@login_required
@require_GET
def upward_document(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _document(request, pk, VIEW))


@login_required
@require_POST
def upward_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk, EDIT)
    form = DocumentContentForm(request.POST, document=document)
    if not form.is_valid():
        return _page(request, document, content_form=form, status=400)
    try:
        service.upward_update(
            document=document,
            user=request.user,
            content=form.content(),
            expected_version=form.cleaned_data["expected_version"],
        )
    except service.UpwardConflictError as exc:
        return _refused(request, exc, document, 409, content_form=form)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):  # a section's value: shown beside its field
            form.add_error(None, exc)
            return _page(request, document, content_form=form, status=400)
        return _refused(request, exc, document, 400, content_form=form)
    messages.success(request, _("草稿已保存。"))
    return redirect("rectification:upward_document", pk=document.pk)


@login_required
@require_POST
def upward_submit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _document(request, pk, "rectification.submit_upward")
    form = SubmitForm(request.POST)
    if not form.is_valid():
        return _page(request, document, submit_form=form, status=400)
    try:
        version = service.upward_submit(
            document=document,
            user=request.user,
            attestation_confirmed=form.cleaned_data["attest"],
            expected_version=form.cleaned_data["expected_version"],
            today=timezone.localdate(),
        )
    except service.UpwardConflictError as exc:
        return _refused(request, exc, document, 409)
    except ValidationError as exc:
        return _refused(request, exc, document, 400)
    except service.UpwardRenderError:
        logger.exception("submitting upward document %s failed", document.pk)
        messages.error(request, _("未报送：生成 PDF 时出错，请稍后重试或联系管理员。"))
        return redirect("rectification:upward_document", pk=document.pk)
    messages.success(request, _("已签字报送第 %(n)s 版，等待上级审核。") % {"n": version.number})
    return redirect("rectification:upward_document", pk=document.pk)


@login_required
@require_POST
def upward_review(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk, "rectification.review_upward")
    document = version.document
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _page(request, document, review_form=form, status=400)
    try:
        review = service.upward_review(
            submitted_version=version,
            user=request.user,
            decision=form.cleaned_data["decision"],
            comments=form.cleaned_data["comments"],
        )
    except ValidationError as exc:
        return _refused(request, exc, document, 400, review_form=form)
    messages.success(
        request, _("第 %(n)s 版：%(decision)s。") % {"n": version.number, "decision": review.get_decision_display()}
    )
    return redirect("rectification:upward_document", pk=document.pk)


# ---------------------------------------------------------------------------- files


@login_required
@xframe_options_sameorigin
@require_GET
def upward_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The saved draft as HTML, for the editor's frame."""
    document = _document(request, pk, EDIT)
    rendered = upward_render(document, formats=["html"], today=timezone.localdate())
    response = HttpResponse(rendered.html, content_type=CONTENT_TYPES["html"])
    response["Content-Security-Policy"] = DOCUMENT_CSP
    return _private(response)


def _draft_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    document = _document(request, pk, EDIT)
    rendered = upward_render(document, formats=[fmt], today=timezone.localdate())
    return _file_response(rendered.data(fmt), fmt, _filename(document, f"（草稿）.{fmt}"), rendered.sha256(fmt))


@login_required
@require_GET
def upward_draft_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _draft_file(request, pk, "pdf")


@login_required
@require_GET
def upward_draft_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _draft_file(request, pk, "docx")


def _version_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A submitted version's frozen file, byte for byte as signed."""
    version = _version(request, pk, VIEW, files=True)
    data, sha = (version.pdf, version.sha256) if fmt == "pdf" else (version.docx, version.docx_sha256)
    filename = _filename(version.document, f"（第{version.number}版）.{fmt}")
    return _file_response(bytes(data), fmt, filename, sha)


@login_required
@require_GET
def upward_version_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_file(request, pk, "pdf")


@login_required
@require_GET
def upward_version_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _version_file(request, pk, "docx")


# ---------------------------------------------------------------------------- the review queue


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("rectification.view_review_queue"):
        raise PermissionDenied
    # A district's office may have hundreds waiting: each list in pages, oldest first.
    documents = Paginator(sel.review_queue_rows(user=request.user), QUEUE_PAGE).get_page(request.GET.get("page"))
    changes = Paginator(pending_plan_change_rows(user=request.user), QUEUE_PAGE).get_page(request.GET.get("changes"))
    bulletins = Paginator(pending_bulletin_review_rows(user=request.user), QUEUE_PAGE).get_page(
        request.GET.get("bulletins")
    )
    # The menu's count is these three lists' totals: counted once, here.
    request.review_queue_count = documents.paginator.count + changes.paginator.count + bulletins.paginator.count
    context = {
        # The third list: bulletin drafts to approve before publication.
        "bulletins_page": bulletins,
        "documents": documents,
        # The second list: changes asked of approved plans (方案调整).
        "changes_page": changes,
        # Each links to the plan's page, where it is decided (as a document row links to its page).
        "plan_changes": described(changes.object_list, where=False),
    }
    return render(request, "upward/queue.html", context)
