"""Login protection helpers (django-axes)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest


def lockout_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The user name the lock-out counts failures for, cut to the longest real user name:
    axes stores it in a 255-character column, and a longer one would turn a failed login
    into a server error."""
    source = credentials if credentials else getattr(request, "POST", {})
    limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length
    return str(source.get("username") or "")[:limit]
