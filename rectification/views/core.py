from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    inspections = selectors.inspection_list_for_user(user=request.user)
    return render(request, "rectification/home.html", {"inspections": inspections})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers: answers 200 when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
