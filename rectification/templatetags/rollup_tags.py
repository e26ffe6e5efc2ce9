"""The roll-up's rows (one per organisation: 110 for a district), as a tag rather than
template markup: as markup, with an included template for each supervising cell and a
``{% url %}`` and ``{% blocktranslate %}``s inside them, the district's page took 340 M
instructions a request, 150 M this way (BENCHMARKS.md). The texts are the msgids the
templates had, so their translations stand; they are translated outside f-strings, which
makemessages does not read. As in dashboard_tags, counts print as ``str(n)``, dates as ISO
dates, and the rest goes through ``escape``."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from ..selectors.acceptance_opinions import ConclusionCounts
from ..selectors.comments import CommentCounts
from ..selectors.deadlines import LateDocument
from ..selectors.rollup import RollupRow
from ..selectors.urging import UrgingCounts
from .links import id_url, percent, ymd

register = template.Library()

NONE = '<span class="muted">—</span>'


@register.simple_tag
def rollup_row(r: RollupRow, dashboard_url: str, sort_column: str) -> SafeString:
    """One organisation's ``<tr>``: its name, its own inspections and measures (巡察, 整改措施,
    已完成, 完成率, 超期, 最近进展), then the supervising cells (文书超期, 督办, 约谈, 验收结论,
    群众意见), in the order of the roll-up's header."""
    cells = (
        _organisation_cell(r, dashboard_url, with_parent=sort_column != "org"),
        _progress_cells(r),
        _late_documents_cell(r.late_documents),
        _urging_cells(r.organisation.pk, r.urging),
        conclusions_cell(r.conclusions),
        comments_cell(r.comments),
    )
    overdue = " has-overdue" if r.counts.overdue else ""
    return mark_safe(f'<tr class="depth-{int(r.depth)}{overdue}">' + "\n".join(cells) + "</tr>")


def _organisation_cell(r: RollupRow, dashboard_url: str, *, with_parent: bool) -> str:
    """The name, linking to its dashboard when it has inspections; out of tree order, its
    parent's name under it."""
    name = escape(r.organisation.short_name)
    if r.inspections:
        name = f'<a href="{escape(dashboard_url)}?organisation={int(r.organisation.pk)}">{name}</a>'
    if with_parent and r.parent_name:
        name += f'<div class="muted small">{escape(r.parent_name)}</div>'
    return f'<th scope="row" class="org">{name}</th>'


def _progress_cells(r: RollupRow) -> str:
    """Inspections (with the latest feedback date), measures, done, the completion rate
    (a meter), overdue, the last progress report."""
    c = r.counts
    latest = ""
    if r.latest_feedback:
        label = _("最近反馈")
        latest = f'<div class="muted small">{escape(label)} {ymd(r.latest_feedback)}</div>'
    rate = NONE
    if c.rate is not None:
        shown = percent(c.rate)
        meter = f'<span class="meter meter-inline" aria-hidden="true"><span style="width: {shown}"></span></span>'
        rate = f"{meter} {shown}"
    last = ymd(template_localtime(r.last_progress)) or "—"  # as `|ymd` gets it (expects_localtime)
    return (
        f'<td class="num">{int(r.inspections)}{latest}</td>\n'
        f'<td class="num">{int(c.total)}</td>\n<td class="num">{int(c.done)}</td>\n<td class="rate">{rate}</td>\n'
        f'<td class="num{" danger" if c.overdue else ""}">{int(c.overdue)}</td>\n<td>{last}</td>'
    )


def _late_documents_cell(documents: list[LateDocument]) -> str:
    """「整改方案 超期 5 天」 for each document the organisation is late with, or a dash."""
    if not documents:
        return f'<td class="late-docs-cell">{NONE}</td>'
    text = _("%(document)s 超期 %(days)s 天")
    items = "".join(f"<li>{escape(text % {'document': d.label, 'days': int(d.days)})}</li>" for d in documents)
    return f'<td class="late-docs-cell is-late"><ul class="late-docs">{items}</ul></td>'


def _urging_cells(organisation_pk: int, u: UrgingCounts) -> str:
    """Two cells linking to the organisation's urging page: its letters (open, answered,
    late) and the number of talks held."""
    url = escape(id_url(organisation_pk, "rectification:urging_organisation"))
    if u.open or u.answered:
        text = escape(_("待回复 %(open)s · 已回复 %(answered)s") % {"open": int(u.open), "answered": int(u.answered)})
        if u.late:
            late = _("逾期 %(late)s") % {"late": int(u.late)}
            text += f'<div class="danger small">{escape(late)}</div>'
    else:
        text = escape(_("督办"))
    marked = " is-late" if u.late else ""
    return (
        f'<td class="urging-cell{marked}"><a href="{url}">{text}</a></td>\n'
        f'<td class="num"><a href="{url}#talks">{int(u.talks)}</a></td>'
    )


@register.simple_tag
def conclusions_cell(k: ConclusionCounts) -> SafeString:
    """Inspections whose standing conclusion is 通过验收 and 限期二次整改 (and how many of
    those are past their date), or a dash. A row's cell and the total line's."""
    parts = []
    if k.passed:
        parts.append(_("通过 %(n)s") % {"n": int(k.passed)})
    if k.second_round:
        parts.append(_("二次整改 %(n)s") % {"n": int(k.second_round)})
    text = " · ".join(f'<span class="nowrap">{escape(part)}</span>' for part in parts) or NONE
    if k.second_round and k.second_late:
        late = _("逾期 %(n)s") % {"n": int(k.second_late)}
        text += f'<div class="danger small">{escape(late)}</div>'
    marked = " is-late" if k.second_late else ""
    return mark_safe(f'<td class="conclusions-cell{marked}">{text}</td>')


@register.simple_tag
def comments_cell(k: CommentCounts) -> SafeString:
    """The register of comments from the public: received, answered, open. A row's cell
    and the total line's."""
    text = _("收到 %(received)s · 已答复 %(answered)s · 未办结 %(open)s") % {
        "received": int(k.received),
        "answered": int(k.answered),
        "open": int(k.open),
    }
    return mark_safe(f'<td class="comments-cell">{escape(text)}</td>')
