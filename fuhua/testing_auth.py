"""Test-only authentication backend (named in settings_test.py, never in production).

Django's test client calls ``authenticate(**credentials)`` without a request, which
django-axes refuses outright. Web logins always carry the request, so lock-out stays
fully active for every login that goes through a view, in tests as in production.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class RequestOptionalAxesBackend(AxesStandaloneBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
