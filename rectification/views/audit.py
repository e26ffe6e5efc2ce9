"""The security audit trail for the auditor (审计管理员) alone: the list with filters and
its export. Both reads are themselves audited."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..forms.audit import AuditFilterForm
from ..ledger.audit import write_audit
from ..permissions import require_administrator
from ..selectors.audit import audit_events
from ..services.audit import Kind, audit_record
from .ledger import xlsx_response

EXPORT_LIMIT = 100_000


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    require_administrator(request.user, "auditor")
    form = AuditFilterForm(request.GET or None)
    selected = form.audit_filter()
    page = Paginator(audit_events(selected), 50).get_page(request.GET.get("page"))
    audit_record(Kind.AUDIT_READ, detail=request.GET.urlencode()[:500])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "rectification/audit_list.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    require_administrator(request.user, "auditor")
    form = AuditFilterForm(request.GET or None)
    events = audit_events(form.audit_filter())[:EXPORT_LIMIT]
    audit_record(Kind.EXPORT, target="audit trail", detail=request.GET.urlencode()[:500])
    return xlsx_response(write_audit(events.iterator()), f"审计记录-{timezone.localdate():%Y%m%d}.xlsx")
