"""The ledger (整改台账): upload -> preview -> confirm, the template, and the exports.

The uploaded file waits between preview and confirmation in private storage under a
random token held in the session (ledger/uploads.py); confirming re-checks its SHA-256
and re-plans inside the import transaction, so what is written is what the file says now.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..forms.ledger import LedgerUploadForm
from ..ledger.uploads import StoredUpload, upload_discard, upload_load, upload_store
from ..ledger.writer import write_inspection_ledger, write_selection_ledger, write_template
from ..models import Inspection, Organisation
from ..permissions import ledger_import_organisations, require, visible_organisations
from ..selectors.comments import comment_export_rows
from ..services.audit import Kind as AuditKind
from ..services.audit import audit_record
from .measures import _list_filters  # the list's own defaults, so an export holds exactly the rows shown

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START = "rectification.start_ledger_import"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def ledger_import(request: HttpRequest) -> HttpResponse:
    require(request.user, START)
    organisations = ledger_import_organisations(request.user)
    form = LedgerUploadForm(request.POST or None, request.FILES or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        org, inspection = form.cleaned_data["organisation"], form.cleaned_data["inspection"]
        token = upload_store(
            request.session,
            data=upload.read(),
            name=upload.name,
            organisation_id=org.pk if org else None,
            inspection_id=inspection.pk if inspection else None,
        )
        return redirect("rectification:ledger_import_preview", token=token)
    status = 400 if form.is_bound else 200
    return render(request, "rectification/ledger_import.html", {"form": form}, status=status)


def _upload_and_target(request: HttpRequest, token: str) -> tuple[StoredUpload, Organisation | None, Inspection | None]:
    """The user's own upload and its target, re-checked against today's scope; else 404."""
    require(request.user, START)
    upload = upload_load(request.session, token)
    if upload is None:
        raise Http404(_("上传的文件已失效，请重新上传。"))
    organisations = ledger_import_organisations(request.user)
    org = get_object_or_404(organisations, pk=upload.organisation_id) if upload.organisation_id else None
    inspection = None
    if upload.inspection_id:
        inspection = get_object_or_404(
            Inspection.objects.filter(organisation__in=organisations).select_related("organisation"),
            pk=upload.inspection_id,
        )
    return upload, org, inspection


@login_required
@require_GET
def ledger_import_preview(request: HttpRequest, token: str) -> HttpResponse:
    upload, org, inspection = _upload_and_target(request, token)
    plan = services.ledger_preview(data=upload.data, user=request.user, organisation=org, inspection=inspection)
    if plan.organisation is not None:
        require(request.user, "import_ledger", plan.organisation)
    context = {"plan": plan, "upload": upload, "can_confirm": not plan.errors and plan.actions is not None}
    return render(request, "rectification/ledger_preview.html", context)


@login_required
@require_POST
def ledger_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    upload, org, inspection = _upload_and_target(request, token)
    try:
        plan = services.ledger_import(
            data=upload.data,
            user=request.user,
            organisation=org,
            inspection=inspection,
            expected_sha256=upload.sha256,
            today=timezone.localdate(),
        )
    except ValidationError as exc:
        for message in exc.messages[:20]:
            messages.error(request, message)
        return redirect("rectification:ledger_import_preview", token=token)
    upload_discard(request.session, token)
    messages.success(
        request,
        _("整改台账已导入：新增整改措施 %(new)d 条，更新 %(updated)d 条。")
        % {"new": len(plan.new_measures), "updated": len(plan.updated_measures)},
    )
    return redirect("rectification:inspection_detail", pk=plan.inspection.pk)


@login_required
@require_GET
def ledger_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(write_template(), "巡察整改台账模板.xlsx")


@login_required
@require_GET
def ledger_export(request: HttpRequest, pk: int) -> HttpResponse:
    scoped = Inspection.objects.filter(organisation__in=visible_organisations(request.user))
    inspection = get_object_or_404(scoped.select_related("organisation"), pk=pk)
    require(request.user, "export_ledger", inspection)
    today = timezone.localdate()
    # The register of comments from the public rides along for those who read it.
    comments = None
    if request.user.has_perm("rectification.view_comments", inspection.organisation):
        comments = comment_export_rows(organisation_id=inspection.organisation_id)
    export = selectors.ledger_export_for_inspection(inspection=inspection, today=today)
    data = write_inspection_ledger(export, comments=comments)
    audit_record(AuditKind.EXPORT, actor=request.user, target=inspection, detail="ledger")
    return xlsx_response(data, f"{inspection.organisation.short_name}巡察整改台账-{today:%Y%m%d}.xlsx")


@login_required
@require_GET
def measure_export(request: HttpRequest) -> HttpResponse:
    """The measure list's current selection (same query string, same rows) as a ledger."""
    today = timezone.localdate()
    filters = _list_filters(request)
    filterset = selectors.measure_filterset(user=request.user, filters=filters, today=today)
    export = selectors.ledger_export_for_measures(measures=filterset.qs, today=today)
    # The 巡察信息 sheet says what was selected in words, in Chinese as the whole ledger.
    with translation.override("zh-hans"):
        description = "；".join(filterset.describe()) or "全部可见"
    data = write_selection_ledger(export, description=description)
    audit_record(AuditKind.EXPORT, actor=request.user, target="measures", detail=f"measure list: {description}")
    return xlsx_response(data, f"整改措施-{today:%Y%m%d}.xlsx")
