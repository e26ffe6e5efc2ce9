"""The notification list (the bell's page) with mark-read, and the re-check (回头看) list
where the secretary confirms or reopens signed-off measures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..forms.rechecks import MarkReadForm, RecheckDecisionForm
from ..models import ReCheck
from ..permissions import require
from ..selectors import notifications as sel
from ..services import notifications as notification_services
from ..services import rechecks as recheck_services
from ..services.notification_kinds import kind_label
from ..workflow import may_decide_recheck

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    rows = sel.notification_list(user=request.user, unread_only=unread_only)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for notification in page:
        notification.kind_label = kind_label(notification.kind)
    return render(request, "rectification/notification_list.html", {"page": page, "unread_only": unread_only})


@login_required
@require_POST
def notification_mark_read(request: HttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if form.is_valid():
        one = form.cleaned_data["id"]
        notification_services.notification_mark_read(user=request.user, ids=[one] if one else None)
    target = request.POST.get("next", "")
    # A path on this site only: redirect() would take a bare word for a URL name (a 500).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("rectification:notifications")


@login_required
@require_GET
def recheck_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", ReCheck.State.PENDING)
    if state not in ReCheck.State.values and state != "all":
        state = ReCheck.State.PENDING
    rows = sel.recheck_list(user=request.user, state=None if state == "all" else state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    decidable = {r.pk for r in page if may_decide_recheck(request.user, r)}
    context = {"page": page, "state": state, "states": ReCheck.State.choices, "decidable": decidable}
    return render(request, "rectification/recheck_list.html", context)


@login_required
@require_POST
def recheck_decide(request: HttpRequest, pk: int) -> HttpResponse:
    recheck = get_object_or_404(sel.recheck_list(user=request.user), pk=pk)
    require(request.user, "decide_recheck", recheck.measure)
    form = RecheckDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择核查结论并正确填写日期。"))
        return redirect("rectification:recheck_list")
    data = form.cleaned_data
    try:
        if data["decision"] == "confirm":
            recheck_services.recheck_confirm(recheck=recheck, user=request.user, note=data["note"])
            messages.success(request, _("已确认「{title}」未反弹。").format(title=recheck.measure.title[:30]))
        else:
            recheck_services.recheck_reopen(
                recheck=recheck, user=request.user, note=data["note"], today=timezone.localdate(), due_on=data["due_on"]
            )
            messages.success(request, _("「{title}」已重新整改。").format(title=recheck.measure.title[:30]))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("rectification:recheck_list")
