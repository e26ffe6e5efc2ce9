"""The 整改验收意见 of an inspection: its page (the issued opinions for whoever reads the
organisation's correspondence upward; the draft's form for the supervisors who may
conclude), saving and issuing the draft, and the files (PDF, Word) of a draft or an
issued opinion.

Another organisation's inspection or opinion is a 404; a reader without the right is a
403 (permissions.py decides); a refusal of the service shows the form again with its
message (400) and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ..documents.kinds.acceptance_opinion import acceptance_opinion_render
from ..forms.acceptance_opinion import AcceptanceOpinionForm
from ..models import AcceptanceOpinion, Inspection
from ..permissions import require, visible_organisations
from ..selectors import acceptance_opinions as sel
from ..services import acceptance_opinions as service
from .upward import _file_response

VIEW = "rectification.view_acceptance_opinion"
CONCLUDE = "rectification.conclude_acceptance"


def _initial(draft: AcceptanceOpinion | None) -> dict:
    if draft is None:
        return {"conclusion": AcceptanceOpinion.Conclusion.PASSED}
    return {
        "conclusion": draft.conclusion,
        "second_due_on": draft.second_due_on,
        "text": draft.text,
        "version": draft.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def acceptance_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        Inspection.objects.filter(organisation__in=visible_organisations(request.user)).select_related("organisation"),
        pk=pk,
    )
    require(request.user, VIEW, inspection)
    user = request.user
    can_conclude = user.has_perm(CONCLUDE, inspection)
    if request.method == "POST":
        require(user, CONCLUDE, inspection)
    today = timezone.localdate()
    opinions = sel.inspection_opinions(inspection=inspection)
    latest = opinions[-1] if opinions else None
    draft = latest if latest is not None and not latest.is_issued else None
    concluded = latest is not None and latest.is_issued and latest.conclusion == AcceptanceOpinion.Conclusion.PASSED
    measures = sel.measures_for_choice(inspection=inspection) if can_conclude and not concluded else []
    form = None
    status = 200
    if can_conclude and not concluded:
        form = AcceptanceOpinionForm(
            request.POST if request.method == "POST" else None,
            measure_ids=[m.pk for m in measures],
            initial=_initial(draft),
        )
    if request.method == "POST":
        if form is None:
            messages.error(request, _("该巡察已通过验收，验收意见已签发，不能再次出具。"))
            return redirect("rectification:acceptance_opinion", pk=inspection.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                opinion = service.acceptance_opinion_save(
                    user=user,
                    inspection=inspection,
                    conclusion=data["conclusion"],
                    second_due_on=data["second_due_on"],
                    measure_ids=data["measures"],
                    text=data["text"],
                    expected_version=data["version"] if draft is not None else None,
                    issue=request.POST.get("action") == "issue",
                    today=today,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if opinion.is_issued:
                    messages.success(
                        request, _("整改验收意见 {number} 已签发，已通知该党组织书记。").format(number=opinion.number)
                    )
                else:
                    messages.success(request, _("验收意见草稿已保存。"))
                return redirect("rectification:acceptance_opinion", pk=inspection.pk)
        status = 400
    if request.method == "POST":
        chosen = {str(v) for v in request.POST.getlist("measures")}
    else:
        chosen = {str(m.pk) for m in draft.measures.all()} if draft else set()
    context = {
        "inspection": inspection,
        "organisation": inspection.organisation,
        "issued": [o for o in opinions if o.is_issued],
        "draft": draft,
        "concluded": concluded,
        "can_conclude": can_conclude,
        "form": form,
        "measures": measures,
        "chosen": chosen,
        "figures": sel.opinion_figures(inspection=inspection, today=today) if can_conclude else None,
    }
    return render(request, "acceptance/opinion.html", context, status=status)


def _opinion_file(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    try:
        opinion = sel.acceptance_opinion(pk=pk, organisations=visible_organisations(request.user))
    except AcceptanceOpinion.DoesNotExist:
        raise Http404 from None
    # A draft is its drafters' (those who may conclude); an issued opinion is the record.
    require(request.user, VIEW if opinion.is_issued else CONCLUDE, opinion)
    today = timezone.localdate()
    figures = sel.figures_of(opinion, today=today)
    rendered = acceptance_opinion_render(opinion, figures, today=today, formats=(fmt,))
    label = f"{opinion.year}-{opinion.serial}" if opinion.is_issued else "草稿"
    filename = f"整改验收意见-{opinion.inspection.organisation.short_name}-{label}.{fmt}"
    return _file_response(rendered.data(fmt), fmt, filename, rendered.sha256(fmt))


@login_required
@require_GET
def acceptance_opinion_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _opinion_file(request, pk, "pdf")


@login_required
@require_GET
def acceptance_opinion_docx(request: HttpRequest, pk: int) -> HttpResponse:
    return _opinion_file(request, pk, "docx")
