"""The onboarding workbook (上线名册): upload -> preview -> confirm, and the template.

The system administrator's pages (rule ``onboard``). The upload waits between preview and
confirmation as a ledger's does (ledger/uploads.py: private storage, a token in the session,
its SHA-256 checked again); confirming re-plans inside the import transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..forms.onboarding import OnboardingUploadForm
from ..ledger.onboarding import write_roster
from ..ledger.uploads import StoredUpload, upload_discard, upload_load, upload_store
from ..models import Role
from ..permissions import require
from ..services.onboarding import onboarding_import, onboarding_preview
from .ledger import xlsx_response

RULE = "onboard"


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_upload(request: HttpRequest) -> HttpResponse:
    require(request.user, RULE)
    form = OnboardingUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = upload_store(
            request.session, data=upload.read(), name=upload.name, organisation_id=None, inspection_id=None
        )
        return redirect("rectification:onboarding_preview", token=token)
    status = 400 if form.is_bound else 200
    return render(request, "rectification/onboarding_upload.html", {"form": form}, status=status)


def _upload(request: HttpRequest, token: str) -> StoredUpload:
    require(request.user, RULE)
    upload = upload_load(request.session, token)
    if upload is None:
        raise Http404(_("上传的文件已失效，请重新上传。"))
    return upload


@login_required
@require_GET
def onboarding_preview_view(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    plan = onboarding_preview(data=upload.data, user=request.user)
    role_changes = [(e, org, Role(old).label, Role(new).label) for e, org, old, new in plan.changed_roles]
    context = {
        "plan": plan,
        "upload": upload,
        "role_changes": role_changes,
        "can_confirm": not plan.errors and plan.changes > 0,
    }
    return render(request, "rectification/onboarding_preview.html", context)


@login_required
@require_POST
def onboarding_confirm(request: HttpRequest, token: str) -> HttpResponse:
    upload = _upload(request, token)
    try:
        plan = onboarding_import(data=upload.data, user=request.user, expected_sha256=upload.sha256)
    except ValidationError as exc:
        for message in exc.messages[:20]:
            messages.error(request, message)
        return redirect("rectification:onboarding_preview", token=token)
    upload_discard(request.session, token)
    messages.success(
        request,
        _("上线名册已导入：新增党组织 %(orgs)d 个、账号 %(people)d 个，角色变更 %(roles)d 处，停用账号 %(gone)d 个。")
        % {
            "orgs": len(plan.new_organisations),
            "people": len(plan.new_people),
            "roles": len(plan.new_roles) + len(plan.changed_roles) + len(plan.removed_roles),
            "gone": len(plan.deactivated),
        },
    )
    return redirect("rectification:onboarding_upload")


@login_required
@require_GET
def onboarding_template(request: HttpRequest) -> HttpResponse:
    require(request.user, RULE)
    return xlsx_response(write_roster([], []), "上线名册模板.xlsx")
