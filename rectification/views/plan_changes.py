"""Changes to an approved plan (方案调整): the supervisor's decision (listed on the review
queue and on the plan's page), and the helpers the structure editor uses to say that an
edit became a request."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import workflow
from ..forms.upward import PlanChangeDecisionForm
from ..models import Inspection, PlanChange
from ..permissions import visible_organisations
from ..selectors.plan_changes import plan_fixes_measures
from ..services import plan_changes as service
from .upward import document_page

DECIDE = "rectification.decide_plan_change"


def plan_fixed(inspection: Inspection) -> bool:
    """Whether the inspection's approved plan fixes its measures (1 query): the structure
    editor's forms then ask for the reason of a 方案调整."""
    return plan_fixes_measures(inspection_id=inspection.pk)


def say_requested(request: HttpRequest, change: PlanChange) -> None:
    """The secretary's edit became a request: say so, and that it awaits the supervisor."""
    messages.warning(request, workflow.plan_change_requested_message(change.action))


def _back(request: HttpRequest, change: PlanChange, candidate: str) -> str:
    """Where the decision came from (the queue or the plan's page), a path on this site."""
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, request.is_secure()
    ):
        return candidate
    return reverse("rectification:upward_document", args=[change.plan_id]) + "#changes"


@login_required
@require_POST
def plan_change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (the change is applied) or refuse (with a note). Another organisation's
    change is a 404, a reader who does not decide gets a 403; a refusal of the service
    (decided already, a measure that can no longer be deleted …) shows the plan's page
    with the message and changes nothing."""
    scoped = PlanChange.objects.filter(plan__inspection__organisation__in=visible_organisations(request.user))
    change = get_object_or_404(scoped.select_related("plan__inspection__organisation"), pk=pk)
    if not request.user.has_perm(DECIDE, change):
        raise PermissionDenied
    form = PlanChangeDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return document_page(request, change.plan, status=400)
    approve = form.cleaned_data["decision"] == form.APPROVE
    try:
        decided = service.plan_change_decide(
            change=change, user=request.user, approve=approve, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return document_page(request, change.plan, status=400)
    label = workflow.plan_change_label(decided.action)
    done = _("已同意方案调整：%(what)s。") if approve else _("已不同意方案调整：%(what)s。")
    messages.success(request, done % {"what": label})
    return redirect(_back(request, decided, form.cleaned_data["next"]))
