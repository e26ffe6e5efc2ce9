"""The review queue's rows (「报送审核」: the documents, the changes to approved plans and the
bulletin drafts awaiting a supervisor, 25 of each a page), as tags rather than template
markup, as the roll-up's rows are (rollup_tags): as markup, each row's dozen variable
lookups, phone labels (``data-label``) and ``blocktranslate`` cost more than the page's
SQL. The texts are the msgids the template had; the column labels are translated once a
page (``queue_labels``), not once a cell."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _

from .links import clip, id_url, ymd, ymd_hm

register = template.Library()

NONE = '<span class="muted">—</span>'


@register.simple_tag
def queue_labels() -> dict[str, str]:
    """The lists' column labels in the active language, escaped: the header and every
    row's ``data-label`` (the phone layout prints it before the cell)."""
    labels = {
        "org": _("党组织"),
        "doc": _("文书"),
        "version": _("版本"),
        "submitted": _("报送"),
        "due": _("报送期限"),
        "review": _("审核"),
        "change": _("调整内容"),
        "reason": _("调整理由"),
        "asked": _("申请"),
        "decide": _("审批"),
        "round": _("报审"),
    }
    return {key: escape(text) for key, text in labels.items()}


def _organisation(short_name: str, team: str) -> str:
    return f'{escape(short_name)}<br><small class="muted">{escape(team)}</small>'


def _who_when(first_name: str, username: str, at) -> str:
    return f"{escape(first_name or username)} · {ymd_hm(template_localtime(at))}"


@register.simple_tag
def document_row(d, labels: dict[str, str]) -> SafeString:
    """A document awaiting review (selectors.reviews.review_queue_rows): organisation and
    inspection team, the document, its version, who signed and when, its due date."""
    version = _("第 %(n)s 版") % {"n": d.version_number}
    due = ymd(d.due_on) if d.due_on else NONE
    return mark_safe(
        f'<tr id="d{int(d.pk)}">'
        f'<td data-label="{labels["org"]}">{_organisation(d.organisation_name, d.team)}</td>'
        f'<td data-label="{labels["doc"]}">{escape(d.label)}</td>'
        f'<td data-label="{labels["version"]}">{escape(version)}</td>'
        f'<td data-label="{labels["submitted"]}">'
        f"{_who_when(d.submitted_by, d.submitted_by_username, d.submitted_at)}</td>"
        f'<td data-label="{labels["due"]}">{due}</td>'
        f'<td><a class="btn btn-small" href="{id_url(d.pk, "rectification:upward_document")}#review">'
        f"{labels['review']}</a></td></tr>"
    )


@register.simple_tag
def plan_change_row(c, labels: dict[str, str]) -> SafeString:
    """A change asked of an approved plan (selectors.plan_changes.described rows): what
    it changes, why, who asked and when; decided on the plan's page."""
    detail = f"<br><small>{escape(c.detail)}</small>" if c.detail else ""
    reason = clip(c.reason, 80)
    href = f"{id_url(c.plan_id, 'rectification:upward_document')}#pc{int(c.pk)}"
    return mark_safe(
        f'<tr id="pc{int(c.pk)}" class="plan-change-row">'
        f'<td data-label="{labels["org"]}">{_organisation(c.organisation_name, c.team)}</td>'
        f'<td data-label="{labels["change"]}"><strong>{escape(c.action_label)}</strong> {escape(c.title)}{detail}</td>'
        f'<td data-label="{labels["reason"]}">{escape(reason)}</td>'
        f'<td data-label="{labels["asked"]}">'
        f"{_who_when(c.requested_by_name, c.requested_by_username, c.requested_at)}</td>"
        f'<td><a class="btn btn-small plan-change-open" href="{href}">{labels["decide"]}</a></td></tr>'
    )


@register.simple_tag
def bulletin_review_row(r, labels: dict[str, str]) -> SafeString:
    """A bulletin draft awaiting approval before publication: which submission, who
    submitted it and when."""
    round_ = _("第 %(n)s 次") % {"n": r.number}
    return mark_safe(
        f'<tr id="br{int(r.pk)}" class="bulletin-review-row">'
        f'<td data-label="{labels["org"]}">{_organisation(r.organisation_name, r.team)}</td>'
        f'<td data-label="{labels["round"]}">{escape(round_)}</td>'
        f'<td data-label="{labels["submitted"]}">'
        f"{_who_when(r.submitted_by_name, r.submitted_by_username, r.submitted_at)}</td>"
        f'<td><a class="btn btn-small bulletin-review-open" href="{id_url(r.pk, "rectification:bulletin_review")}'
        f'#decide">{labels["review"]}</a></td></tr>'
    )
