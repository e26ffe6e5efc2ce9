"""The bulletin: the secretary's editor with a live preview, the draft's PDF, publishing,
the version list; and the public pages (no login) of published versions only."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..documents.fonts import missing_glyphs, resolve_faces
from ..documents.kinds.bulletin import bulletin_document, bulletin_render, draft_notes
from ..documents.kinds.bulletin_internal import internal_bulletin_render
from ..documents.writers import CONTENT_TYPES
from ..forms.bulletins import BulletinForm, PublishForm, WithdrawForm
from ..models import Inspection
from ..services.bulletins import BulletinConflictError, BulletinRenderError, BulletinWithdrawError
from .bulletin_common import DOCUMENT_CSP, bulletin_inspection
from .bulletin_review import review_context

logger = logging.getLogger(__name__)

EDIT = "rectification.edit_bulletin"


def _document_response(html: str) -> HttpResponse:
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = DOCUMENT_CSP
    return response


def _pdf_response(pdf: bytes, filename: str, etag: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["ETag"] = f'"{etag}"'
    return response


def _docx_response(docx: bytes, filename: str, etag: str) -> HttpResponse:
    """A download (a Word file is edited, not viewed in the browser)."""
    response = HttpResponse(docx, content_type=CONTENT_TYPES["docx"])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["ETag"] = f'"{etag}"'
    return response


def _filename(inspection: Inspection, suffix: str) -> str:
    return f"{inspection.organisation.short_name}-巡察整改进展情况通报{suffix}"


# --- the secretary's pages -------------------------------------------------------------


@login_required
@require_GET
def bulletin_index(request: HttpRequest) -> HttpResponse:
    inspections = list(selectors.inspection_list_for_user(user=request.user))
    # The editor's link only where the user may edit (the rule reads cached memberships: no query).
    editable = {i.pk for i in inspections if request.user.has_perm(EDIT, i)}
    return render(request, "bulletin/index.html", {"inspections": inspections, "editable": editable})


def _editor(request: HttpRequest, inspection: Inspection, form: BulletinForm, status: int = 200) -> HttpResponse:
    saved = selectors.bulletin_draft(inspection=inspection)
    versions = list(selectors.bulletin_versions(bulletin=saved))
    warnings = []
    if not form.is_bound:
        warnings = [str(m) for m in missing_glyphs(bulletin_document(saved).text_by_role(), resolve_faces())[:20]]
    context = {
        "inspection": inspection,
        "form": form,
        "bulletin": saved,
        "publish_form": PublishForm(initial={"expected_version": saved.version}),
        "versions": versions,
        "current_ids": selectors.current_version_ids(versions),
        "warnings": warnings,
        "notes": draft_notes(saved),
        "organisation": inspection.organisation,
        **review_context(request, inspection, saved),
    }
    return render(request, "bulletin/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = bulletin_inspection(request, pk, EDIT)
    form = BulletinForm(request.POST or None, instance=selectors.bulletin_draft(inspection=inspection))
    if request.method != "POST":
        return _editor(request, inspection, form)
    if not form.is_valid():
        return _editor(request, inspection, form, status=400)
    try:
        services.bulletin_update(
            inspection=inspection,
            user=request.user,
            expected_version=form.cleaned_data["expected_version"],
            **form.edits(),
        )
    except BulletinConflictError as exc:
        form.add_error(None, exc.messages[0])
        return _editor(request, inspection, form, status=409)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _editor(request, inspection, form, status=400)
    messages.success(request, _("通报草稿已保存。"))
    return redirect("rectification:bulletin_edit", pk=inspection.pk)


@login_required
@xframe_options_sameorigin
@require_http_methods(["GET", "POST"])
def bulletin_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as HTML for the editor's frame: GET shows the saved draft, POST the form's
    unsaved values (nothing is written)."""
    inspection = bulletin_inspection(request, pk, EDIT)
    bulletin = selectors.bulletin_draft(inspection=inspection)
    if request.method == "POST":
        form = BulletinForm(request.POST, instance=bulletin)
        if not form.is_valid():
            return render(request, "bulletin/preview_invalid.html", {"form": form}, status=400)
        bulletin = form.instance
    rendered = bulletin_render(bulletin, formats=["html"], today=timezone.localdate())
    return _document_response(rendered.html)


@login_required
@require_GET
def bulletin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as PDF, from the cache when this content was rendered before."""
    inspection = bulletin_inspection(request, pk, EDIT)
    draft = selectors.bulletin_draft(inspection=inspection)
    result = bulletin_render(draft, formats=["pdf"], today=timezone.localdate()).pdf
    response = _pdf_response(result.pdf, _filename(inspection, "（草稿）.pdf"), result.pdf_sha256)
    response["X-Bulletin-Cache"] = "hit" if result.cached else "miss"
    return response


@login_required
@require_GET
def bulletin_docx(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as a Word document (rendered each time: it takes a fraction of a second)."""
    inspection = bulletin_inspection(request, pk, EDIT)
    draft = selectors.bulletin_draft(inspection=inspection)
    rendered = bulletin_render(draft, formats=["docx"], today=timezone.localdate())
    return _docx_response(rendered.data("docx"), _filename(inspection, "（草稿）.docx"), rendered.sha256("docx"))


@login_required
@require_POST
def bulletin_publish(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = bulletin_inspection(request, pk, "rectification.publish_bulletin")
    form = PublishForm(request.POST)
    expected = form.cleaned_data["expected_version"] if form.is_valid() else None
    try:
        version = services.bulletin_publish(
            inspection=inspection, user=request.user, expected_version=expected, today=timezone.localdate()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except BulletinRenderError:
        # Nothing was written; the secretary gets a message instead of the 500 page.
        logger.exception("publishing the bulletin of inspection %s failed", inspection.pk)
        messages.error(request, _("通报未发布：生成 PDF 时出错，请稍后重试或联系管理员。"))
    else:
        messages.success(request, _("已发布第 %(n)s 版，公开网址已生效。") % {"n": version.number})
    return redirect("rectification:bulletin_edit", pk=inspection.pk)


def _versions_page(
    request: HttpRequest, inspection: Inspection, form: WithdrawForm | None = None, status: int = 200
) -> HttpResponse:
    """The record of published versions; the secretary also gets the withdrawal form
    (``form``: a bound one coming back with its errors)."""
    bulletin = selectors.bulletin_draft(inspection=inspection)
    versions = list(selectors.bulletin_versions(bulletin=bulletin))
    if form is None and request.user.has_perm("rectification.withdraw_bulletin", inspection):
        form = WithdrawForm(numbers=[v.number for v in versions if not v.withdrawn])
    context = {
        "inspection": inspection,
        "organisation": inspection.organisation,
        "versions": versions,
        "current_ids": selectors.current_version_ids(versions),
        "can_edit": request.user.has_perm(EDIT, inspection),
        # Shown while a version can be withdrawn, and always when it comes back with errors.
        "withdraw_form": form if form is not None and (form.is_bound or form.fields["number"].choices) else None,
    }
    return render(request, "bulletin/versions.html", context, status=status)


@login_required
@require_GET
def bulletin_versions(request: HttpRequest, pk: int) -> HttpResponse:
    return _versions_page(request, bulletin_inspection(request, pk, "rectification.view_bulletin"))


@login_required
@require_POST
def bulletin_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a published version (the secretary, with a reason and the confirming tick)."""
    inspection = bulletin_inspection(request, pk, "rectification.withdraw_bulletin")
    bulletin = selectors.bulletin_draft(inspection=inspection)
    numbers = [v.number for v in selectors.bulletin_versions(bulletin=bulletin) if not v.withdrawn]
    form = WithdrawForm(request.POST, numbers=numbers)
    if not form.is_valid():
        return _versions_page(request, inspection, form, status=400)
    try:
        version = services.bulletin_withdraw(
            inspection=inspection,
            user=request.user,
            number=form.cleaned_data["number"],
            reason=form.cleaned_data["reason"],
        )
    except BulletinWithdrawError as exc:
        form.add_error(None, exc.messages[0])
        return _versions_page(request, inspection, form, status=400)
    messages.success(request, _("第 %(n)s 版已撤回；其公开网址现在说明撤回的时间和原因。") % {"n": version.number})
    return redirect("rectification:bulletin_versions", pk=inspection.pk)


@login_required
@require_GET
def bulletin_internal(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The 党内通报 (PDF or Word) of the current draft: internal wording of the problems, for
    those who read the ledger; never public, never kept by a cache."""
    if fmt not in ("pdf", "docx"):
        raise Http404
    inspection = bulletin_inspection(request, pk, "rectification.export_ledger")
    draft = selectors.bulletin_draft(inspection=inspection)
    rendered = internal_bulletin_render(draft, formats=[fmt], today=timezone.localdate())
    filename = f"{inspection.organisation.short_name}-巡察整改进展情况党内通报.{fmt}"
    write = _pdf_response if fmt == "pdf" else _docx_response
    response = write(rendered.data(fmt), filename, rendered.sha256(fmt))
    response["Cache-Control"] = "private, no-store"
    return response
