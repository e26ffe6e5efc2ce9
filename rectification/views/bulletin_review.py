"""The bulletin's review before publication: the secretary submits the draft from the
editor, the supervisor above reads the frozen text and approves or returns it; and the
problems held back from publication (不予公开), recorded from the editor.

The submitted text is internal until published: its page and file are sent
``Cache-Control: private, no-store``. Another organisation's ids are a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from ..forms.bulletins import BulletinReviewDecisionForm, PublishForm, WithholdForm
from ..models import Bulletin, BulletinReview, Inspection
from ..permissions import require, visible_organisations
from ..selectors import bulletin_review as sel
from ..services import bulletin_review as service
from .bulletin_common import DOCUMENT_CSP, bulletin_inspection


def _review(request: HttpRequest, pk: int, perm: str) -> BulletinReview:
    try:
        review = sel.bulletin_review_page(pk=pk, visible=visible_organisations(request.user))
    except BulletinReview.DoesNotExist:
        raise Http404 from None
    require(request.user, perm, review)
    return review


def review_context(request: HttpRequest, inspection: Inspection, draft: Bulletin) -> dict:
    """What the bulletin editor shows of the review and the held-back problems (the
    editor's view adds it to its context)."""
    status, latest = service.bulletin_review_status(inspection=inspection, draft=draft)
    return {
        "review_status": status,
        "latest_review": latest,
        "reviews": sel.bulletin_reviews_of(inspection=inspection) if latest is not None else [],
        "withheld": sel.withheld_findings(inspection=inspection),
        "withhold_form": WithholdForm(findings=sel.withholdable_findings(inspection=inspection)),
        "can_submit_review": status.required
        and request.user.has_perm("rectification.submit_bulletin_review", inspection),
    }


@login_required
@require_POST
def bulletin_review_submit(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = bulletin_inspection(request, pk, "rectification.submit_bulletin_review")
    form = PublishForm(request.POST)
    expected = form.cleaned_data["expected_version"] if form.is_valid() else None
    try:
        review = service.bulletin_review_submit(
            inspection=inspection, user=request.user, expected_version=expected, today=timezone.localdate()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("通报草稿已报审（第 %(n)s 次），审核通过后方可发布。") % {"n": review.number})
    return redirect("rectification:bulletin_edit", pk=inspection.pk)


def _review_page(request: HttpRequest, review: BulletinReview, form=None, status: int = 200) -> HttpResponse:
    inspection = review.bulletin.inspection
    may_decide = review.state == BulletinReview.State.SUBMITTED and request.user.has_perm(
        "rectification.review_bulletin", review
    )
    context = {
        "review": review,
        "inspection": inspection,
        "organisation": inspection.organisation,
        "form": form or (BulletinReviewDecisionForm() if may_decide else None),
        "can_edit": request.user.has_perm("rectification.edit_bulletin", inspection),
    }
    response = render(request, "bulletin/review.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def bulletin_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _review(request, pk, "rectification.view_bulletin_review"))


@login_required
@require_GET
@never_cache
@xframe_options_sameorigin
def bulletin_review_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The submitted text, exactly as frozen (the reviewer's frame)."""
    review = _review(request, pk, "rectification.view_bulletin_review")
    html = BulletinReview.objects.values_list("html", flat=True).get(pk=review.pk)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = DOCUMENT_CSP
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def bulletin_review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk, "rectification.review_bulletin")
    form = BulletinReviewDecisionForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review, form, status=400)
    try:
        decided = service.bulletin_review_decide(
            review=review,
            user=request.user,
            decision=form.cleaned_data["decision"],
            comments=form.cleaned_data["comments"],
        )
    except ValidationError as exc:
        form.add_error(None, " ".join(exc.messages))
        return _review_page(request, review, form, status=400)
    if decided.state == BulletinReview.State.APPROVED:
        messages.success(request, _("已审核通过，书记可以发布这一文本。"))
    else:
        messages.success(request, _("已退回修改，书记会收到您的意见。"))
    return redirect("rectification:bulletin_review", pk=review.pk)


@login_required
@require_POST
def bulletin_withhold(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = bulletin_inspection(request, pk, "rectification.edit_bulletin")
    form = WithholdForm(request.POST, findings=sel.withholdable_findings(inspection=inspection))
    if not form.is_valid():
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, _("未能列为不予公开：%(e)s") % {"e": " ".join(errors)})
        return redirect(f"{_editor_url(inspection)}#withheld")
    try:
        service.bulletin_withhold(
            inspection=inspection,
            user=request.user,
            finding_id=form.cleaned_data["finding"],
            reason=form.cleaned_data["reason"],
            agreed_by=form.cleaned_data["agreed_by"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已列为不予公开：该问题及其措施不会出现在公开的通报中。"))
    return redirect(f"{_editor_url(inspection)}#withheld")


@login_required
@require_POST
def bulletin_release(request: HttpRequest, pk: int, withheld_id: int) -> HttpResponse:
    inspection = bulletin_inspection(request, pk, "rectification.edit_bulletin")
    try:
        service.bulletin_release(inspection=inspection, user=request.user, withheld_id=withheld_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已恢复公开：该问题将出现在通报中。"))
    return redirect(f"{_editor_url(inspection)}#withheld")


def _editor_url(inspection: Inspection) -> str:
    return reverse("rectification:bulletin_edit", args=[inspection.pk])
