"""The secretary's dashboard, its xlsx export, and the supervisors' roll-up. Read-only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .. import workflow
from ..ledger.dashboard import write_dashboard
from ..models import Inspection, MeasureStatus, Organisation, status_label
from ..permissions import denial_message, require, rollup_roots, works_in
from ..selectors import dashboard as sel
from ..selectors import rollup as rollup_selectors
from ..selectors.comments import CommentCounts, comment_counts
from ..selectors.counting import COUNTING_RULES
from ..selectors.deadlines import inspection_deadlines
from ..services.audit import Kind as AuditKind
from ..services.audit import audit_record

# Texts the charts draw (the script has no translations of its own).
CHART_LABELS = {
    "measures": _("项措施"),
    "done": _("已完成"),
    "open_on_time": _("未完成（未超期）"),
    "overdue": _("超期"),
    "due": _("当周到期"),
    "signed_off": _("当周销号"),
    "planned": _("计划剩余"),
    "actual": _("实际剩余"),
    "today": _("今天"),
}
STATUS_SLICES = [
    ("done", MeasureStatus.DONE),
    ("awaiting", MeasureStatus.AWAITING_SIGN_OFF),
    ("in_progress", MeasureStatus.IN_PROGRESS),
    ("not_started", MeasureStatus.NOT_STARTED),
]
GROUP_CELLS = ["total", "done", "awaiting", "in_progress", "not_started", "open", "overdue", "due_soon"]


def _int_param(request: HttpRequest, name: str) -> int | None:
    """An id from the query string; anything that is not a positive integer is a 404."""
    value = request.GET.get(name, "")
    if value == "":
        return None
    if not value.isdigit() or int(value) <= 0:
        raise Http404
    return int(value)


def _default_organisation(user, organisations: list[Organisation]) -> Organisation:
    """The user's own organisation (not one they only supervise) when it has inspections."""
    own = [o for o in organisations if works_in(user, o)]
    return (own or organisations)[0]


def _choose(request: HttpRequest, organisations: list[Organisation]) -> tuple[Organisation, int | None]:
    by_id = {o.pk: o for o in organisations}
    org_id, inspection_id = _int_param(request, "organisation"), _int_param(request, "inspection")
    if org_id is not None:
        if org_id not in by_id:
            raise Http404
        return by_id[org_id], inspection_id
    if inspection_id is not None:
        owner = Inspection.objects.filter(pk=inspection_id).values_list("organisation_id", flat=True).first()
        if owner not in by_id:
            raise Http404
        return by_id[owner], inspection_id
    return _default_organisation(request.user, organisations), None


def _load(request: HttpRequest) -> dict[str, Any] | None:
    """The organisation and inspection to show, authorised; None when the user sees none.

    Another organisation's id, or an inspection of another organisation, is a 404."""
    organisations = list(sel.dashboard_organisations(user=request.user))
    if not organisations:
        return None
    organisation, inspection_id = _choose(request, organisations)
    if not request.user.has_perm("rectification.view_dashboard", organisation):
        raise Http404
    inspections = list(sel.dashboard_inspections(organisation=organisation))
    inspection = inspections[0]
    if inspection_id is not None:
        inspection = next((i for i in inspections if i.pk == inspection_id), None)
        if inspection is None:
            raise Http404
    inspection.organisation = organisation
    return {
        "organisations": organisations,
        "organisation": organisation,
        "inspections": inspections,
        "inspection": inspection,
    }


def _list_url(base: str, *parts: dict[str, Any] | None) -> str:
    params: dict[str, Any] = {}
    for part in parts:
        if part is None:
            return ""
        params.update(part)
    return base + "?" + urlencode(params, doseq=True)


def _add_links(data: sel.Dashboard) -> None:
    """Every figure and table cell links to the measure list showing exactly its rows.

    The links number in the hundreds, so the parts they share (the list's URL, the
    inspection, each cell's count) are encoded once."""
    days = data.due_soon_days
    base = reverse("rectification:measure_list")
    for figure in data.figures:
        figure.url = _list_url(base, data.base_params, figure.params)
    prefix = _list_url(base, data.base_params)
    cells = {key: urlencode(sel.count_params(key, days), doseq=True) for key in GROUP_CELLS}
    for group in [*data.by_category, *data.by_leader, *data.by_owner]:
        if group.key is None:
            group.links = dict.fromkeys(GROUP_CELLS, "")
            continue
        own = f"{prefix}&{urlencode({group.param: group.key})}"
        group.links = {key: f"{own}&{cell}" if cell else own for key, cell in cells.items()}


def _series(groups: list[sel.GroupRow]) -> dict[str, list]:
    return {
        "labels": [g.label for g in groups],
        "done": [g.counts.done for g in groups],
        "open_on_time": [g.counts.open_on_time for g in groups],
        "overdue": [g.counts.overdue for g in groups],
    }


def chart_payload(data: sel.Dashboard) -> dict[str, Any]:
    """The numbers the charts draw; the same numbers are in the tables beside them."""
    c = data.counts
    weeks = data.trend.weeks
    return {
        "labels": {key: str(label) for key, label in CHART_LABELS.items()},
        "status": [
            {"key": key, "name": status_label(status), "value": getattr(c, key)} for key, status in STATUS_SLICES
        ],
        "rate": c.rate,
        "categories": _series(data.by_category),
        "leaders": _series(data.by_leader),
        "owners": _series(data.by_owner),
        "trend": {
            "weeks": [w.start.isoformat() for w in weeks],
            "due": [w.due for w in weeks],
            "done": [w.done for w in weeks],
            "planned": [w.planned_left for w in weeks],
            "actual": [w.actual_left for w in weeks],
            "today": data.today.isoformat(),
            "deadline": data.trend.deadline.isoformat() if data.trend.deadline else None,
        },
    }


def _dashboard_data(context: dict[str, Any], acceptance: bool = False) -> sel.Dashboard:
    return sel.dashboard_data(
        inspection=context["inspection"],
        today=timezone.localdate(),
        due_soon_days=settings.RECTIFICATION["DUE_SOON_DAYS"],
        acceptance=acceptance,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _load(request)
    if context is None:
        return render(request, "rectification/dashboard_empty.html")
    today, soon = timezone.localdate(), settings.RECTIFICATION["DUE_SOON_DAYS"]
    # The documents' rule also says whether the district asks for 验收 (已验收 beside 已销号).
    deadlines = inspection_deadlines(inspection=context["inspection"], today=today, soon_days=soon)
    data = _dashboard_data(context, acceptance=workflow.requires_acceptance(deadlines.rule.acceptance_level))
    _add_links(data)
    context.update(
        data=data,
        charts=chart_payload(data),
        can_sign_off=request.user.has_perm("rectification.sign_off_measure", context["organisation"]),
        export_query=urlencode(data.base_params),
        deadlines=deadlines,
        rules=[str(rule).format(days=data.due_soon_days) for rule in COUNTING_RULES],
        **_comment_context(request, context["organisation"]),
    )
    return render(request, "rectification/dashboard.html", context)


def _comment_context(request: HttpRequest, organisation) -> dict:
    """The register's counts of the organisation (1 query), linked to the register for
    those who read it."""
    counts = comment_counts(organisation_ids=[organisation.pk]).get(organisation.pk, CommentCounts())
    url = ""
    if request.user.has_perm("rectification.view_comments", organisation):
        url = f"{reverse('rectification:comment_list')}?organisation={organisation.pk}"
    return {"comments": counts, "comment_list_url": url}


@login_required
@require_GET
def dashboard_export(request: HttpRequest) -> HttpResponse:
    context = _load(request)
    if context is None:
        raise Http404
    data = _dashboard_data(context)
    audit_record(AuditKind.EXPORT, actor=request.user, target=context["organisation"], detail="dashboard")
    response = HttpResponse(
        write_dashboard(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"dashboard-{context['organisation'].slug}-{data.today:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def rollup(request: HttpRequest) -> HttpResponse:
    require(request.user, "view_rollup")
    roots = list(rollup_roots(request.user))
    if not roots:
        raise PermissionDenied(denial_message("view_rollup"))
    root_id = _int_param(request, "organisation")
    root = roots[0] if root_id is None else next((r for r in roots if r.pk == root_id), None)
    if root is None:
        raise Http404
    sort = request.GET.get("sort", "org")
    column, descending = rollup_selectors.rollup_sort_key(sort)
    rows = rollup_selectors.rollup_rows(root=root, today=timezone.localdate(), sort=sort)
    context = {
        "roots": roots,
        "root": root,
        "rows": rows,
        "totals": rollup_selectors.rollup_totals(rows),
        "sort_column": column,
        "sort_descending": descending,
        "today": timezone.localdate(),
    }
    return render(request, "rectification/rollup.html", context)
