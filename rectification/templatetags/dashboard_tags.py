"""Cells the dashboard repeats hundreds of times (every count of its tables links to the
measure list; the burn-down table has a row per week), as tags rather than included
templates or per-cell filters.

Counts are plain integers and deadlines plain dates, printed as ``str(n)`` and ISO dates:
what ``{{ n }}`` and ``|date:"Y-m-d"`` print with ``USE_THOUSAND_SEPARATOR`` off, at a
tenth of the cost (``localize`` looks up the active language's formats on every call,
about 10 µs; this page prints several hundred numbers)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def count_cell(n: int, url: str = "") -> SafeString:
    """A count linking to the list of exactly its rows; zero (or no list) is plain text."""
    if url and n:
        return format_html('<a href="{}">{}</a>', url, n)
    return format_html("{}", n)


def _day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


@register.simple_tag
def due_cell(measure) -> SafeString:
    """A measure's deadline; an extended one also shows its original deadline."""
    due = format_html('<span class="nowrap">{}</span>', _day(measure.due_on))
    if not measure.is_extended:
        return due
    original = _day(measure.original_due_on)
    return format_html(
        '{} <span class="badge ext" title="{} {}">{}</span><div class="muted small">{} {}</div>',
        due,
        _("原定时限"),
        original,
        _("已延期"),
        _("原定"),
        original,
    )


@register.simple_tag
def trend_rows(weeks) -> SafeString:
    """The burn-down table's rows (one per week with something due or done; a long
    inspection has a hundred)."""
    return format_html_join(
        "\n",
        '<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td></tr>',
        (
            (_day(w.start), w.due, w.done, w.planned_left, "—" if w.actual_left is None else w.actual_left)
            for w in weeks
        ),
    )
