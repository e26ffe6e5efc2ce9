"""Template filters of the measure workflow pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def who(user) -> str:
    """A user as people know them: the name, else the login; no user means the system."""
    if user is None:
        return _("系统")
    return user.first_name or user.username
