"""Template filters of the measure workflow pages; the rules themselves are workflow.py's."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from .. import workflow

register = template.Library()


@register.filter
def who(user) -> str:
    """A user as people know them: the name, else the login; no user means the system."""
    if user is None:
        return _("系统")
    return user.first_name or user.username


@register.filter
def takes_deadline(measure) -> bool:
    """workflow.takes_deadline: whether the measure has (and, reopened, needs) a deadline."""
    return workflow.takes_deadline(measure)
