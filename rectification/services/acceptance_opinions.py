"""Writes of the 整改验收意见: a supervisor who accepts an organisation's measures drafts the
conclusion on a whole inspection (通过验收, or 限期二次整改 by a date on the measures
concerned), edits its narrative, and issues it; the organisation's secretary is told.

Who may is permissions.py's (``conclude_acceptance``: a real supervisor membership above
at the district's acceptance level). Rules kept here:
- one opinion per round; once a round's opinion is issued passed, the inspection is
  concluded and nothing more is drafted; after a second-round opinion a new round opens;
- a draft is saved under a lock on the inspection and refused when the form was opened
  on an older version; an issued opinion never changes (issuing twice is refused);
- 通过验收 only when every measure of the inspection is accepted (已验收, the counting
  rule); 限期二次整改 needs a date after today (within a year) and at least one measure of
  the inspection;
- the number is handed out on issue under a lock on the issuing organisation, as a
  督办函's is (services/urging.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AcceptanceOpinion, Inspection, Measure, Organisation, accepted_q
from ..permissions import require, supervising_organisation
from ..selectors.acceptance_opinions import opinion_figures
from ..text import CONTROL_CHARS, strip_control
from . import notifications
from .urging import issuer_prefix

Conclusion = AcceptanceOpinion.Conclusion
MAX_TEXT = 5_000
# The longest second round the opinion may give; anything further is a typing slip.
MAX_SECOND_ROUND_DAYS = 366


def _clean_text(text: str | None) -> str:
    # Line breaks are paragraphs; every other control character goes.
    value = strip_control(str(text or ""), CONTROL_CHARS).strip()
    if len(value) > MAX_TEXT:
        raise ValidationError(_("验收情况最多 {n} 个字。").format(n=MAX_TEXT))
    return value


def _second_round(
    inspection: Inspection, due_on: dt.date | None, measure_ids: Sequence[int], today: dt.date
) -> list[Measure]:
    if due_on is None:
        raise ValidationError(_("限期二次整改须填写二次整改期限。"))
    if due_on <= today:
        raise ValidationError(_("二次整改期限应晚于今天。"))
    if due_on > today + dt.timedelta(days=MAX_SECOND_ROUND_DAYS):
        raise ValidationError(_("二次整改期限应在一年以内。"))
    ids = sorted({int(pk) for pk in measure_ids})
    if not ids:
        raise ValidationError(_("限期二次整改须选择需要二次整改的措施。"))
    measures = list(Measure.objects.filter(pk__in=ids, finding__category__inspection=inspection))
    if len(measures) != len(ids):
        raise ValidationError(_("所选措施不属于该巡察，请刷新页面后重新选择。"))
    return measures


def _locked_latest(inspection: Inspection) -> AcceptanceOpinion | None:
    # The inspection's row serialises drafting: two supervisors saving at once make one draft.
    Inspection.objects.select_for_update().filter(pk=inspection.pk).first()
    return AcceptanceOpinion.objects.filter(inspection=inspection).order_by("-round").first()


@transaction.atomic
def acceptance_opinion_save(
    *,
    user,
    inspection: Inspection,
    conclusion: str,
    second_due_on: dt.date | None = None,
    measure_ids: Sequence[int] = (),
    text: str = "",
    expected_version: int | None = None,
    issue: bool = False,
    today: dt.date | None = None,
) -> AcceptanceOpinion:
    """Save the draft of the inspection's current round (a new one when none is open);
    with ``issue``, issue it too, all or nothing: a refused issue leaves the draft as it was."""
    require(user, "conclude_acceptance", inspection)
    today = today or timezone.localdate()
    latest = _locked_latest(inspection)
    if latest is not None and latest.is_issued and latest.conclusion == Conclusion.PASSED:
        raise ValidationError(_("该巡察已通过验收，验收意见已签发，不能再次出具。"))
    if conclusion not in Conclusion.values:
        raise ValidationError(_("请选择验收结论：通过验收或限期二次整改。"))
    text = _clean_text(text)
    measures: list[Measure] = []
    if conclusion == Conclusion.SECOND_ROUND:
        measures = _second_round(inspection, second_due_on, measure_ids, today)
    else:
        second_due_on = None
    if latest is None or latest.is_issued:
        issuer = supervising_organisation(user, inspection.organisation)
        if issuer is None:  # require() above holds only with such a membership
            raise ValidationError(_("您没有验收该党组织整改的权限。"))
        opinion = AcceptanceOpinion(
            inspection=inspection, round=latest.round + 1 if latest else 1, issuer=issuer, drafted_by=user
        )
    else:
        opinion = latest
        if expected_version is not None and opinion.version != expected_version:
            raise ValidationError(_("该验收意见刚被他人修改过，请刷新页面查看最新内容后再保存。"))
        opinion.version += 1
    opinion.conclusion = conclusion
    opinion.second_due_on = second_due_on
    opinion.text = text
    opinion.drafted_by = user
    opinion.updated_at = timezone.now()
    opinion.save()
    opinion.measures.set(measures)
    if issue:
        return acceptance_opinion_issue(user=user, opinion=opinion, expected_version=opinion.version, today=today)
    return opinion


def _issue_refusal(opinion: AcceptanceOpinion, today: dt.date) -> str | None:
    if not opinion.text:
        return _("请先填写验收情况再签发。")
    if opinion.conclusion == Conclusion.SECOND_ROUND:
        if opinion.second_due_on is None or opinion.second_due_on <= today:
            return _("二次整改期限应晚于今天，请修改后再签发。")
        return None
    measures = Measure.objects.filter(finding__category__inspection=opinion.inspection_id)
    total = measures.count()
    if not total:
        return _("该巡察还没有整改措施，不能作出通过验收的结论。")
    waiting = measures.exclude(accepted_q()).count()
    if waiting:
        return _("尚有 {n} 项措施未验收，不能作出通过验收的结论；可先逐项验收，或作出限期二次整改的结论。").format(
            n=waiting
        )
    return None


@transaction.atomic
def acceptance_opinion_issue(
    *, user, opinion: AcceptanceOpinion, expected_version: int | None = None, today: dt.date | None = None
) -> AcceptanceOpinion:
    """Issue the draft: numbered, dated, never changed again; the secretary is told."""
    require(user, "conclude_acceptance", opinion)
    today = today or timezone.localdate()
    current = (
        AcceptanceOpinion.objects.select_for_update()
        .select_related("inspection__organisation", "issuer")
        .get(pk=opinion.pk)
    )
    if current.is_issued:
        raise ValidationError(_("该验收意见已签发，不能重复签发。"))
    if expected_version is not None and current.version != expected_version:
        raise ValidationError(_("该验收意见刚被他人修改过，请刷新页面查看最新内容后再签发。"))
    if refusal := _issue_refusal(current, today):
        raise ValidationError(refusal)
    # The issuer's row lock serialises numbering (as for 督办函): the next serial of its year.
    Organisation.objects.select_for_update().filter(pk=current.issuer_id).first()
    issued = AcceptanceOpinion.objects.filter(
        issuer_id=current.issuer_id, year=today.year, state=AcceptanceOpinion.State.ISSUED
    )
    current.prefix = issuer_prefix(current.issuer, "巡验")
    current.year = today.year
    current.serial = (issued.aggregate(n=Max("serial"))["n"] or 0) + 1
    current.state = AcceptanceOpinion.State.ISSUED
    current.issued_by = user
    current.issued_at = timezone.now()
    current.figures = opinion_figures(inspection=current.inspection, today=today).as_dict()
    current.version += 1
    current.save()
    notifications.notice_acceptance_opinion(current)
    return current
