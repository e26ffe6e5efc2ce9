"""Rounds of inspection: start a 回头看 (or a later round) from an inspection, and record
what it found of a problem it brought in (反弹 / 重复发生). The secretary's, like the rest
of the structure editor; another organisation's ids are a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms.rounds import FollowUpForm, RecurrenceForm
from ..models import Finding, Inspection
from ..services.rounds import finding_mark_recurrence, follow_up_create
from .structure import GET_POST, _attempt, _form_page, _managed, _tree_url


@login_required
@GET_POST
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    earlier = _managed(request, Inspection, pk)
    form = FollowUpForm(request.POST or None, initial={"deployed_by": earlier.deployed_by})
    if request.method == "POST":
        inspection = _attempt(form, lambda data: follow_up_create(user=request.user, earlier=earlier, **data))
        if inspection is not None:
            messages.success(request, _("已发起“回头看”，前一轮的问题已带入，请逐项标注是否反弹或重复发生。"))
            return redirect(_tree_url(inspection))
    title = _("发起“回头看”：{team} · 反馈日期 {day}").format(team=earlier.team, day=f"{earlier.feedback_on:%Y-%m-%d}")
    return _form_page(request, form, title=title, back=_tree_url(earlier))


@login_required
@require_POST
def finding_recurrence(request: HttpRequest, pk: int) -> HttpResponse:
    finding = _managed(request, Finding, pk)
    form = RecurrenceForm(request.POST)
    if form.is_valid():
        result = _attempt(
            form,
            lambda data: finding_mark_recurrence(user=request.user, finding=finding, recurrence=data["recurrence"]),
        )
        if result is not None:
            messages.success(request, _("已保存回头看结论。"))
            return redirect(_tree_url(finding, f"f{pk}"))
    for error in form.errors.get("__all__", []) + form.errors.get("recurrence", []):
        messages.error(request, error)
    return redirect(_tree_url(finding, f"f{pk}"))
