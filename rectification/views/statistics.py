"""The district statistics (巡察整改统计) for supervisors: per organisation below theirs (of
one round when chosen) and per round, as a page and as the workbook. Read-only; the same
scope as the roll-up (``view_rollup``); another organisation's id is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..ledger.statistics import write_statistics
from ..models import Organisation
from ..permissions import denial_message, require, rollup_roots
from ..selectors.counting import COUNTING_RULES
from ..selectors.statistics import Figures, StatisticsData, statistics_columns, statistics_data
from .dashboard import _int_param
from .ledger import xlsx_response


def _load(request: HttpRequest) -> tuple[list[Organisation], StatisticsData]:
    require(request.user, "view_rollup")
    roots = list(rollup_roots(request.user))
    if not roots:
        raise PermissionDenied(denial_message("view_rollup"))
    root_id = _int_param(request, "organisation")
    root = roots[0] if root_id is None else next((r for r in roots if r.pk == root_id), None)
    if root is None:
        raise Http404
    return roots, statistics_data(root=root, today=timezone.localdate(), round_no=_int_param(request, "round"))


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    roots, data = _load(request)
    columns = statistics_columns()

    def cells(figures: Figures) -> list:
        return [figures.value(key) for key, _label in columns]

    context = {
        "roots": roots,
        "data": data,
        "columns": columns,
        "org_rows": [(r, cells(r.figures)) for r in data.rows],
        "org_total": cells(data.total),
        "round_rows": [(r, cells(r.figures)) for r in data.round_rows],
        "round_total": cells(data.round_total),
        "heading_rows": [(r, cells(r.figures)) for r in data.heading_rows],
        "heading_total": cells(data.heading_total),
        "rules": [str(rule).format(days=settings.RECTIFICATION["DUE_SOON_DAYS"]) for rule in COUNTING_RULES],
        "query": request.GET.urlencode(),
    }
    return render(request, "rectification/statistics.html", context)


@login_required
@require_GET
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    _roots, data = _load(request)
    suffix = f"-round{data.round_no}" if data.round_no is not None else ""
    return xlsx_response(write_statistics(data), f"statistics-{data.root.slug}{suffix}-{data.today:%Y%m%d}.xlsx")
