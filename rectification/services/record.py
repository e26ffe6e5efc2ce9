"""The language of the record.

Timeline entries and notifications are read later by other people, so they are written
in the organisation's language (settings.LANGUAGE_CODE), not in the language of whoever
happened to act. Validation errors, which only the actor sees, stay in the actor's language:
wrap only the building of record text, never a whole service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.utils import translation

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def record_language() -> Iterator[None]:
    with translation.override(settings.LANGUAGE_CODE):
        yield


def in_record_language(func: Callable[P, R]) -> Callable[P, R]:
    """For functions that only build and store record text (no user-facing errors)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with record_language():
            return func(*args, **kwargs)

    return wrapper
