"""整改验收意见: the supervisor's conclusion on a whole inspection's rectification, in the
official layout of every other document (the engine: model.py, writers.py).

Structure: the title (「关于福华社区党委 / 巡察整改情况的验收意见」), the number (顶格;
「草稿（签发时编号）」 on a draft), the organisation addressed (主送, 顶格), what was
checked, 「一、整改完成情况」 with the figures (the dashboard's counting rules: problems,
measures, signed off, accepted) and the supervisor's narrative, 「二、验收结论」 — 通过验收,
or 限期二次整改 by a date on the measures listed in 附件 二次整改事项清单 —, the issuing
organisation and the date of issue (a draft: the day it is rendered).

``build_acceptance_opinion`` reads only the opinion, what it was loaded with
(selectors.acceptance_opinions: inspection, organisation, issuer, measures and their
findings) and the figures; no query. Stored and printed in Chinese, the language of the record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from ...models import AcceptanceOpinion
from ..model import Annex, Document, Heading, Paragraph, Run, Signature, Title, parse_narrative
from ..wording import format_date, full_stop
from ..writers import FORMATS, Rendered, render
from .urging import measures_table

ANNEX_TITLE = "二次整改事项清单"
DRAFT_NUMBER = "草稿（签发时编号）"


def _figures_text(opinion: AcceptanceOpinion, figures) -> str:
    text = (
        f"{opinion.inspection.team}共反馈问题{figures.findings}个，你单位制定整改措施{figures.total}项，"
        f"已销号{figures.done}项，经验收通过{figures.accepted}项"
    )
    return text + (f"，尚有{figures.not_accepted}项未通过验收。" if figures.not_accepted else "，全部通过验收。")


def _conclusion_text(opinion: AcceptanceOpinion, n_measures: int) -> str:
    if opinion.conclusion == AcceptanceOpinion.Conclusion.PASSED:
        return (
            "经验收，你单位巡察反馈问题整改通过验收。请你单位巩固整改成果，"
            "建立健全长效机制，对整改情况开展“回头看”，防止问题反弹。"
        )
    due = format_date(opinion.second_due_on) if opinion.second_due_on else "规定期限"
    return full_stop(
        f"经验收，你单位巡察反馈问题整改尚未全部到位，验收结论为限期二次整改。请你单位对附件所列"
        f"{n_measures}项整改措施进行二次整改，于{due}前整改到位，并将二次整改情况书面报{opinion.issuer.name}"
    )


def issued_on(opinion: AcceptanceOpinion, today: dt.date) -> dt.date:
    """The date the document carries: the day of issue, or ``today`` on a draft."""
    return timezone.localdate(opinion.issued_at) if opinion.issued_at else today


def build_acceptance_opinion(opinion: AcceptanceOpinion, figures, *, today: dt.date) -> Document:
    """The document of an opinion (draft or issued); ``figures`` (selectors.
    acceptance_opinions.OpinionFigures) are the inspection's counts, ``today`` dates a
    draft and the lateness in the annex."""
    inspection = opinion.inspection
    organisation = inspection.organisation
    measures = sorted(opinion.measures.all(), key=lambda m: (m.finding.category_id, m.finding.position, m.position))
    second_round = opinion.conclusion == AcceptanceOpinion.Conclusion.SECOND_ROUND
    intro = (
        f"根据巡察整改工作安排，{opinion.issuer.name}对你单位落实{inspection.team}巡察反馈意见"
        f"（{format_date(inspection.feedback_on)}反馈）的整改情况进行了验收。现将验收意见反馈如下。"
    )
    blocks = [
        Paragraph((Run(opinion.number or DRAFT_NUMBER),), kind="number", flush_left=True),
        Paragraph((Run(f"{organisation.name}："),), kind="addressee", flush_left=True),
        Paragraph((Run(intro),), kind="intro"),
        Heading(1, "一、", "整改完成情况"),
        Paragraph((Run(_figures_text(opinion, figures)),), kind="statistics"),
        *parse_narrative(opinion.text),
        Heading(1, "二、", "验收结论"),
        Paragraph((Run(_conclusion_text(opinion, len(measures))),), kind="conclusion"),
    ]
    day = issued_on(opinion, today)
    annexes = (Annex(ANNEX_TITLE, (measures_table(measures, day),)),) if second_round and measures else ()
    return Document(
        title=Title((f"关于{organisation.short_name}", "巡察整改情况的验收意见")),
        blocks=tuple(blocks),
        signature=Signature(name=opinion.issuer.name, date=format_date(day), issued_on=day),
        annexes=annexes,
    )


def acceptance_opinion_render(
    opinion: AcceptanceOpinion, figures, *, today: dt.date, formats: Iterable[str] = FORMATS
) -> Rendered:
    """The opinion's files in ``formats`` (``html``, ``pdf``, ``docx``)."""
    return render(build_acceptance_opinion(opinion, figures, today=today), formats)
