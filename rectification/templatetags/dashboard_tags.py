"""Cells the dashboard repeats hundreds of times (every count of its tables links to the
measure list; the burn-down table has a row per week), as tags rather than included
templates or per-cell filters.

Counts are plain integers and deadlines plain dates, printed as ``str(n)`` and ISO dates:
what ``{{ n }}`` and ``|date:"Y-m-d"`` print with ``USE_THOUSAND_SEPARATOR`` off, at a
tenth of the cost (``localize`` looks up the active language's formats on every call,
about 10 µs; this page prints several hundred numbers). For the same reason the cells are
f-strings: integers, ISO dates and fixed markup need no escaping, and the rest (labels,
URLs) goes through ``escape``; ``format_html`` escapes every argument (~15 µs a cell)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .links import percent

register = template.Library()


@register.simple_tag
def count_cell(n: int, url: str = "") -> SafeString:
    """A count linking to the list of exactly its rows; zero (or no list) is plain text."""
    if url and n:
        return mark_safe(f'<a href="{escape(url)}">{int(n)}</a>')
    return mark_safe(str(int(n)))


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
    return mark_safe(  # dates and integers only
        "\n".join(
            f'<tr><th scope="row">{_day(w.start)}</th><td class="num">{int(w.due)}</td>'
            f'<td class="num">{int(w.done)}</td><td class="num">{int(w.planned_left)}</td>'
            f'<td class="num">{"—" if w.actual_left is None else int(w.actual_left)}</td></tr>'
            for w in weeks
        )
    )


@register.simple_tag
def activity_time(value: dt.datetime) -> SafeString:
    """``<time>`` with the ISO timestamp and "m-d H:i" in local time (two ``|date``
    filters converted the time zone twice per line)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    # The year only when it is not this year's: across New Year "12-30" would read as ahead.
    shown = "%m-%d %H:%M" if local.year == timezone.localdate().year else "%Y-%m-%d %H:%M"
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime(shown))


# The count columns of a breakdown table: the full table (per category) and the compact
# one beside another (per leader, per person). Each cell links to the list of its rows.
FULL_COLUMNS = ("total", "done", "awaiting", "in_progress", "not_started", "overdue")
COMPACT_COLUMNS = ("total", "done", "open", "overdue", "due_soon")


def _rate(rate: float | None) -> str:
    """As ``|floatformat:"-1"`` with a percent sign: 57.1%, 50%; a dash for none."""
    return percent(rate) or "—"


def _rate_cell(c) -> str:
    """The completion rate with its basis beside it ("100% 4/4"), so that a row of six
    measures, two of them ongoing, does not read "4 done, 2 open, 100%" unexplained."""
    basis = _("已销号 {done} 项 ÷ 设有完成时限 {bounded} 项").format(done=c.bounded_done, bounded=c.bounded)
    if c.ongoing:
        basis += _("；长期坚持 {n} 项不计入").format(n=c.ongoing)
    return (
        f'<td class="num rate" title="{escape(basis)}">{_rate(c.rate)}'
        f' <span class="rate-basis">{int(c.bounded_done)}/{int(c.bounded)}</span></td>'
    )


@register.simple_tag
def group_rows(groups, compact: bool = False) -> SafeString:
    """The rows of a breakdown table (dashboard_breakdown.html): label, the counts, each
    linking to its rows, overdue counts marked, and the completion rate."""
    rows = []
    for g in groups:
        c, links = g.counts, g.links
        cells = "".join(
            f'<td class="num{" danger" if key == "overdue" and c.overdue else ""}">'
            f"{count_cell(getattr(c, key), links.get(key, ''))}</td>"
            for key in (COMPACT_COLUMNS if compact else FULL_COLUMNS)
        )
        marked = ' class="has-overdue"' if c.overdue else ""
        rows.append(f'<tr{marked}><th scope="row">{escape(g.label)}</th>{cells}{_rate_cell(c)}</tr>')
    return mark_safe("\n".join(rows))  # labels escaped, the rest integers and fixed markup
