"""The register of comments from the public (意见建议登记簿): the list of the organisations
whose register the user reads, logging a comment that came by phone or letter, and a
comment's page where the secretary assigns, answers and closes it.

Another organisation's comment is a 404; a member who may read but not handle it gets the
page without the forms and a 403 on a POST (permissions.py decides); a refusal of the
service shows the page again with its message and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..forms.comments import CommentAnswerForm, CommentLogForm
from ..models import Organisation, PublicComment
from ..permissions import comment_register_organisations, denial_message, require, visible_organisations
from ..selectors.comments import comment_counts, comment_register
from ..services import comments as service

HANDLE = "rectification.handle_comment"


def _organisations(request: HttpRequest) -> list[Organisation]:
    require(request.user, "view_comment_register")
    organisations = list(comment_register_organisations(request.user))
    if not organisations:
        raise PermissionDenied(denial_message("rectification.view_comment_register"))
    return organisations


@login_required
@require_GET
def comment_list(request: HttpRequest) -> HttpResponse:
    """The register: every comment of the user's organisations (or one of them, or only the
    open / answered ones: the same rules as the counts), newest first."""
    organisations = _organisations(request)
    org_id = request.GET.get("organisation", "")
    chosen = [o for o in organisations if str(o.pk) == org_id] or organisations
    state = request.GET.get("state", "")
    ids = [o.pk for o in chosen]
    context = {
        "organisations": organisations,
        "chosen": chosen[0] if len(chosen) == 1 else None,
        "state": state,
        "comments": list(comment_register(organisation_ids=ids, state=state)[:500]),
        "counts": comment_counts(organisation_ids=ids),
        "loggable": [o for o in chosen if request.user.has_perm(HANDLE, o)],
    }
    totals = _totals(context["counts"].values())
    context["totals"] = totals
    return render(request, "comments/list.html", context)


def _totals(rows) -> dict[str, int]:
    rows = list(rows)
    return {name: sum(getattr(r, name) for r in rows) for name in ("received", "answered", "open")}


@login_required
@require_http_methods(["GET", "POST"])
def comment_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Log a comment that came by phone, letter, e-mail or in person (the secretary)."""
    organisation = get_object_or_404(visible_organisations(request.user), pk=pk)
    require(request.user, HANDLE, organisation)
    form = CommentLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            comment = service.comment_log(user=request.user, organisation=organisation, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("意见建议已登记。"))
            return redirect("rectification:comment_detail", pk=comment.pk)
    status = 400 if form.is_bound else 200
    return render(request, "comments/new.html", {"organisation": organisation, "form": form}, status=status)


def _comment(request: HttpRequest, pk: int) -> PublicComment:
    """A comment of an organisation the user reads (else 404) whose register they read (else 403)."""
    scoped = comment_register(organisation_ids=visible_organisations(request.user).values("pk"))
    comment = get_object_or_404(scoped, pk=pk)
    require(request.user, "view_comments", comment)
    return comment


def _detail(request: HttpRequest, comment: PublicComment, form=None, status: int = 200) -> HttpResponse:
    can_handle = request.user.has_perm(HANDLE, comment)
    if form is None and can_handle:
        initial = {"assignee": comment.assignee_id, "answer": comment.answer}
        form = CommentAnswerForm(initial=initial, users=service.assignable_users(comment.organisation))
    context = {"comment": comment, "form": form if can_handle else None, "can_handle": can_handle}
    return render(request, "comments/detail.html", context, status=status)


@login_required
@require_GET
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _comment(request, pk))


@login_required
@require_POST
def comment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    require(request.user, HANDLE, comment)
    form = CommentAnswerForm(request.POST, users=service.assignable_users(comment.organisation))
    if form.is_valid():
        try:
            service.comment_answer(
                user=request.user,
                comment=comment,
                answer=form.cleaned_data["answer"],
                assignee_id=form.cleaned_data["assignee"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("已保存。"))
            return redirect("rectification:comment_detail", pk=comment.pk)
    return _detail(request, comment, form, status=400)


@login_required
@require_POST
def comment_close(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment(request, pk)
    require(request.user, HANDLE, comment)
    try:
        service.comment_close(user=request.user, comment=comment)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已办结。"))
    return redirect("rectification:comment_detail", pk=comment.pk)
