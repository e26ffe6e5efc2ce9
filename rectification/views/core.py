"""The start pages: the to-do home (待办) of a signed-in person, the list of inspections,
the public start page of the published bulletins, the user guide, and the health check."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import selectors


def _url(route: str, params: dict[str, Any]) -> str:
    return reverse(route) + ("?" + urlencode(params) if params else "")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What waits for the signed-in person, most urgent first; a visitor who is not signed
    in is shown the published bulletins (the only pages open to the public)."""
    if not request.user.is_authenticated:
        return redirect("rectification:public_index")
    today = timezone.localdate()
    todo = selectors.todo_for(user=request.user, today=today)
    for item in todo.items:
        if item.documents:  # documents handed upward: each has its page, the item leads to the first
            item.url = reverse("rectification:upward_document", args=[item.documents[0].pk])
        elif item.letters:  # 督办函: the same, each letter's page
            item.url = reverse("rectification:urging_letter", args=[item.letters[0].pk])
        else:
            item.url = _url(item.route, item.params) + (f"#{item.anchor}" if item.anchor else "")
    for row in todo.late_organisations:
        row.url = _url("rectification:measure_list", row.params)
    if todo.awaiting_review is not None:
        request.review_queue_count = todo.awaiting_review  # the menu shows the same number
    return render(request, "rectification/home.html", {"todo": todo, "today": today})


@login_required
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    inspections = selectors.inspection_list_for_user(user=request.user)
    return render(request, "rectification/inspection_list.html", {"inspections": inspections})


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    """The user guide (使用说明), one section per role, open to everyone: its pictures are
    screenshots of the real pages taken by tests/test_guide_browser.py (``make guide``)."""
    return render(request, "guide.html")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: answers 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
