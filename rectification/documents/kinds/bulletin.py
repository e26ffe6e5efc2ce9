"""The progress bulletin (通报): its document from the draft and the inspection's data,
and the one way from a draft to its files.

Every wording and numbering rule of the bulletin lives here and only here; the writers
turn the same ``Document`` into a file and decide nothing but typography.

Structure (docs/DOMAIN.md, "Anatomy of the bulletin"):
title lines, intro, 「一、」 narrative, 「二、」 generated from categories 「（一）」, items
「1.」/「1、」, sub-problems 「（1）」 and measures 「一是……二是……」, 「三、」 narrative,
signature and date. User text is plain text: ``**…**`` marks bold runs, nothing else
is interpreted.

A blank section heading means "this section has no heading line": no block is emitted
and no numeral is used, so the numerals count headed sections only (sections 二 and 三
headed → 「一、」「二、」). With all three blank the bulletin has no first level: intro,
narrative 一, the categories 「（一）」…, narrative 三.

``build_bulletin`` reads only what ``selectors.bulletin_source`` loaded and issues no
query; ``bulletin_document`` and ``bulletin_render`` are the pipeline (draft → source →
document → files) that the views, the publish service and the command share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from ...models import Bulletin, Category, Finding
from ...selectors.bulletins import BulletinSource, bulletin_source
from ...selectors.comments import contact_window
from ..model import HEADING_ROLES, Block, Document, Heading, Paragraph, Run, Signature, Title, parse_narrative
from ..numbering import category_number, item_number, ordinal_list, section_number, sub_number
from ..wording import date_span, ends_in_punctuation, format_date, full_stop, one_line
from ..writers import FORMATS, Rendered, render
from .bulletin_contact import contact_blocks
from .bulletin_statistics import compute_statistics, statistics_text

DEFAULT_TITLE = "关于巡察整改进展情况的通报"
INTRO_CLOSING = "按照巡察工作有关要求，现将巡察整改进展情况予以公布。"


@dataclass(frozen=True)
class Options:
    heading_style: str = Bulletin.HeadingStyle.STANDALONE
    item_numbering: str = Bulletin.ItemNumbering.DOT
    zero_counts: str = Bulletin.ZeroCounts.OMIT
    show_statistics: bool = False
    statistics_place: str = Bulletin.StatisticsPlace.INTRO


def measure_sentence(title: str, progress: str) -> str:
    """「标题。进展。」: the title, a 「。」 unless it already ends in punctuation, then
    the public progress text closed with 「。」; the title alone when progress is empty."""
    title, progress = one_line(title), one_line(progress)
    if not progress:
        return full_stop(title)
    head = title if ends_in_punctuation(title) or not title else title + "。"
    return head + full_stop(progress)


def generated_intro(source: BulletinSource) -> str:
    inspection, org = source.inspection, source.organisation.short_name
    team_short = f"{inspection.deployed_by}巡察组"
    return (
        f"根据{inspection.deployed_by}统一部署，{date_span(inspection.onsite_start, inspection.onsite_end)}，"
        f"{inspection.team}对{org}开展了巡察。{format_date(inspection.feedback_on)}，"
        f"{team_short}向{org}反馈了巡察意见。{INTRO_CLOSING}"
    )


# ---------------------------------------------------------------------------- tree


@dataclass
class Item:
    finding: Finding
    subs: list[Item] = field(default_factory=list)

    def all_measures(self) -> list:
        measures = list(self.finding.measures.all())
        for sub in self.subs:
            measures += sub.all_measures()
        return measures


def items(category: Category) -> list[Item]:
    """Top-level items of a category with their sub-problems (Finding.parent). A finding
    whose parent is missing or itself a sub-problem is printed at the top level."""
    findings = list(category.findings.all())
    by_pk = {f.pk: Item(f) for f in findings}
    top: list[Item] = []
    for f in findings:
        parent = by_pk.get(f.parent_id)
        if parent is not None and parent.finding.parent_id is None:
            parent.subs.append(by_pk[f.pk])
        else:
            top.append(by_pk[f.pk])
    return top


# ---------------------------------------------------------------------------- section 二


def _heading_sentence(text: str) -> str:
    """A run-in heading ends in 「。」 so the paragraph can continue after it."""
    return text if ends_in_punctuation(text) else text + "。"


def _item_body(finding: Finding) -> str:
    sentences = [measure_sentence(m.title, m.progress) for m in finding.measures.all()]
    parts = [full_stop(one_line(finding.lead_in)), ordinal_list(sentences)]
    return "".join(p for p in parts if p)


def _item_blocks(level: int, number: str, finding: Finding, options: Options) -> list[Block]:
    heading = finding.heading.strip()
    body = _item_body(finding)
    if options.heading_style == Bulletin.HeadingStyle.RUN_IN and body:
        lead = Run(number + _heading_sentence(heading), role=HEADING_ROLES[level])
        return [Paragraph((lead, Run(body)), kind="item")]
    blocks: list[Block] = [Heading(level, number, heading)]
    if body:
        blocks.append(Paragraph((Run(body),), kind="item"))
    return blocks


def _category_blocks(position: int, category: Category, options: Options) -> list[Block]:
    blocks: list[Block] = [Heading(2, category_number(position), category.title.strip())]
    for i, item in enumerate(items(category), start=1):
        blocks += _item_blocks(3, item_number(i, options.item_numbering), item.finding, options)
        for j, sub in enumerate(item.subs, start=1):
            blocks += _item_blocks(4, sub_number(j), sub.finding, options)
    return blocks


def _statistics_blocks(source: BulletinSource, options: Options, as_of: dt.date) -> list[Paragraph]:
    bulletin, categories = source.bulletin, source.categories
    if not options.show_statistics:
        return []
    if bulletin.statistics_text.strip():
        return parse_narrative(bulletin.statistics_text, kind="statistics")
    text = statistics_text(
        compute_statistics(
            (item.all_measures() for category in categories for item in items(category)),
            acceptance=source.acceptance,
        ),
        deployed_by=source.inspection.deployed_by,
        as_of=as_of,
        zero_counts=options.zero_counts,
    )
    return [Paragraph((Run(text),), kind="statistics")] if text else []


def _section2_blocks(source: BulletinSource, options: Options, statistics: list[Paragraph]) -> list:
    blocks: list[Block] = list(statistics) if options.statistics_place == Bulletin.StatisticsPlace.SECTION2 else []
    for position, category in enumerate(source.categories, start=1):
        blocks += _category_blocks(position, category, options)
    return blocks


def _intro_blocks(intro: str, options: Options, statistics: list[Paragraph]) -> list[Block]:
    """The opening paragraph; the statistics inside it, where real bulletins state them:
    before its closing 「按照……现将……予以公布。」 when it ends so, else at its end."""
    blocks: list[Block] = parse_narrative(intro, kind="intro")
    if options.statistics_place != Bulletin.StatisticsPlace.INTRO or not statistics:
        return blocks
    added = [run for paragraph in statistics for run in paragraph.runs]
    if not blocks:
        return [Paragraph(tuple(added), kind="intro")]
    runs = list(blocks[-1].runs)
    last = runs[-1]
    if last.text.endswith(INTRO_CLOSING) and not last.bold and last.role is None:
        head = last.text[: -len(INTRO_CLOSING)]
        runs = [*runs[:-1], *([Run(head)] if head else []), *added, Run(INTRO_CLOSING)]
    else:
        runs += added
    return [*blocks[:-1], Paragraph(tuple(runs), kind="intro")]


# ---------------------------------------------------------------------------- the document


def build_bulletin(source: BulletinSource, *, today: dt.date | None = None) -> Document:
    """The bulletin's document from what the selector read; no query."""
    bulletin, organisation = source.bulletin, source.organisation
    issued_on = bulletin.issued_on or today or timezone.localdate()
    options = Options(
        heading_style=bulletin.category_heading_style,
        item_numbering=bulletin.item_numbering,
        zero_counts=bulletin.zero_counts,
        show_statistics=bulletin.show_statistics,
        statistics_place=bulletin.statistics_place,
    )
    title_lines = [line.strip() for line in (bulletin.title or DEFAULT_TITLE).splitlines() if line.strip()]
    intro = bulletin.intro if bulletin.intro.strip() else generated_intro(source)
    statistics = _statistics_blocks(source, options, issued_on)
    sections = [
        (bulletin.section1_heading, parse_narrative(bulletin.section1_text)),
        (bulletin.section2_heading, _section2_blocks(source, options, statistics)),
        (bulletin.section3_heading, parse_narrative(bulletin.section3_text)),
    ]
    blocks: list[Block] = _intro_blocks(intro, options, statistics)
    number = 0  # counts headed sections only: a blank heading prints nothing, uses no numeral
    for heading, content in sections:
        if heading.strip():
            number += 1
            blocks.append(Heading(1, section_number(number), heading.strip()))
        blocks += content
    # The closing paragraph: how to comment (bulletin_contact.py); none when nothing is set.
    blocks += contact_blocks(contact_window(bulletin=bulletin, organisation=organisation))
    return Document(
        title=Title((organisation.name, *title_lines)),
        blocks=tuple(blocks),
        signature=Signature(
            name=(bulletin.signature or organisation.name).strip(), date=format_date(issued_on), issued_on=issued_on
        ),
        options=options,
    )


def draft_notes(draft: Bulletin, *, today: dt.date | None = None) -> list[str]:
    """What the secretary should know before publishing that the document does not show:
    a narrative section whose heading prints over no text, a draft dated today because no
    issue date is set."""
    notes = []
    for heading, text in ((draft.section1_heading, draft.section1_text), (draft.section3_heading, draft.section3_text)):
        if heading.strip() and not text.strip():
            notes.append(
                _("“%(heading)s”部分没有正文：通报中只有这个标题。请填写正文，或清空标题不显示该部分。")
                % {"heading": heading.strip()}
            )
    if not draft.issued_on:
        day = format_date(today or timezone.localdate())
        notes.append(_("未填写成文日期：草稿按今天（%(day)s）落款，请在发布前填写成文日期。") % {"day": day})
    return notes


# ---------------------------------------------------------------------------- the pipeline


def bulletin_document(draft: Bulletin, *, today: dt.date | None = None) -> Document:
    """The document of a draft (saved, or unsaved for the editor's live preview).

    Queries: 3 for the tree, plus 1 each for ``draft.inspection`` and its organisation
    when they are not loaded already (selectors.bulletin_source).
    """
    return build_bulletin(bulletin_source(bulletin=draft), today=today)


def bulletin_render(
    draft: Bulletin,
    *,
    formats: Sequence[str] | Iterable[str] = FORMATS,
    today: dt.date | None = None,
    use_cache: bool = True,
) -> Rendered:
    """The draft's files in ``formats`` (``html``, ``pdf``, ``docx``) from one document:
    the draft views, publishing and ``manage.py render_bulletin`` all come through here."""
    return render(bulletin_document(draft, today=today), formats, use_cache=use_cache)
