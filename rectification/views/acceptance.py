"""Acceptance (验收): the supervisor's queue of signed-off measures awaiting acceptance, and
the decision on one (accept, or return with a reason). Another organisation's measure is a
404; a reader without the right is a 403; a stale form or a measure that moved on is a
message, never a change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..models import Measure
from ..permissions import measure_scope, require
from ..selectors import acceptance as sel
from ..services import ConflictError
from ..services import acceptance as service
from ..text import strip_control

QUEUE_PAGE = 30


@login_required
@require_GET
def acceptance_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("rectification.view_acceptance_queue"):
        raise PermissionDenied
    page = Paginator(sel.acceptance_queue_rows(user=request.user), QUEUE_PAGE).get_page(request.GET.get("page"))
    return render(request, "rectification/acceptance_queue.html", {"page": page})


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


@login_required
@require_POST
def measure_acceptance(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_object_or_404(Measure.objects.filter(measure_scope(request.user)), pk=pk)
    require(request.user, "accept_measure", measure)
    # Decided from the measure's own page: back to it; from the queue: back to the queue.
    back = redirect("rectification:measure_detail", pk=measure.pk) if request.POST.get("back") == "measure" else None
    decision = request.POST.get("decision")
    # The reason goes on the timeline and into notices: no control characters, bounded.
    reason = strip_control(request.POST.get("reason", ""))[:2000]
    version = _version(request)
    if decision not in ("accept", "return") or version is None:
        messages.error(request, _("请求不完整，请刷新页面后重试。"))
        return back or redirect("rectification:acceptance_queue")
    try:
        if decision == "accept":
            service.measure_accept(measure=measure, user=request.user, expected_version=version, note=reason)
            messages.success(request, _("「{title}」已验收通过。").format(title=measure.title[:40]))
        else:
            service.measure_return_acceptance(
                measure=measure, user=request.user, expected_version=version, reason=reason
            )
            messages.success(
                request, _("「{title}」已退回重新整改，责任人已收到通知。").format(title=measure.title[:40])
            )
    except ConflictError:
        messages.error(request, _("该措施刚被他人修改过，请查看最新情况后再决定。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return back or redirect("rectification:acceptance_queue")
