"""Login protection helpers (django-axes): whose failures count, and the lock-out page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The user name the lock-out counts failures for, cut to the longest real user name:
    axes stores it in a 255-character column, and a longer one would turn a failed login
    into a server error."""
    source = credentials if credentials else getattr(request, "POST", {})
    limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
    return str(source.get("username") or "")[:limit]


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """The lock-out page (AXES_LOCKOUT_CALLABLE) with the moment the lock ends: the last
    counted failure plus the cool-off. Attempts during a lock-out are not counted
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT off), so the moment does not move."""
    from axes.helpers import get_cool_off, get_failure_limit
    from axes.models import AccessAttempt

    username = lockout_username(request, credentials)
    cool_off = get_cool_off(request)
    last = AccessAttempt.objects.filter(username=username).aggregate(last=Max("attempt_time"))["last"]
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": username,
        "cooloff_timedelta": cool_off,
        "locked_until": timezone.localtime(last + cool_off) if last and cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)
