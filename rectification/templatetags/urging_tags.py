"""The colour warning of urging from above (督办) as a badge on measure lists and pages:
the rule is rectification/urge_colour.py; this only draws it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ..urge_colour import GREEN, RED, YELLOW, urge_colour

register = template.Library()

LABELS = {RED: _("红色预警"), YELLOW: _("黄色预警"), GREEN: _("绿色提示")}


@register.simple_tag
def urge_badge(measure: Any) -> SafeString | str:
    """「红色预警」 etc. for a measure (or a list row with ``due_on`` and ``status``) on
    today's date; nothing when it has no colour."""
    colour = urge_colour(measure.due_on, timezone.localdate(), done=measure.status == "done")
    if colour is None:
        return ""
    return format_html('<span class="badge urge urge-{}">{}</span>', colour, LABELS[colour])
