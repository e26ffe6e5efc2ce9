"""The bulletin as one document model: plain blocks built from the data.

Every wording and numbering rule of the bulletin lives here and only here; the writers
(HTML/PDF in html.py/pdf.py, .docx later) turn the same ``Document`` into a file and
decide nothing but typography (see layout.py).

Structure (../shared/DOMAIN.md, "Anatomy of the bulletin"):
title lines, intro, 「一、」 narrative, 「二、」 generated from categories 「（一）」, items
「1.」/「1、」, sub-problems 「（1）」 and measures 「一是……二是……」, 「三、」 narrative,
signature and date. User text is plain text: ``**…**`` marks bold runs, nothing else
is interpreted.

A blank section heading means "this section has no heading line": no block is emitted
and no numeral is used, so the numerals count headed sections only (sections 二 and 三
headed → 「一、」「二、」). With all three blank the bulletin has no first level: intro,
narrative 一, the categories 「（一）」…, narrative 三.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from ..models import Bulletin, Category, Finding, Inspection, MeasureKind, MeasureStatus
from ..selectors.bulletins import bulletin_categories

DEFAULT_TITLE = "关于巡察整改进展情况的通报"
INTRO_CLOSING = "按照巡察工作有关要求，现将巡察整改进展情况予以公布。"

# Font roles a run can carry; writers map them to typefaces (layout.LAYOUT["roles"]).
ROLE_BODY = "body"
HEADING_ROLES = {1: "heading1", 2: "heading2", 3: "heading3", 4: "heading4"}

_DIGITS = "零一二三四五六七八九"
_SENTENCE_END = "。！？!?…"
_CLAUSE_END = "，、；：,;:"
# Closing quotes and brackets that may follow a sentence's final mark: 「……。”」
_CLOSERS = "”’」』）》】〕)\"'"
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_INNER_BREAK_RE = re.compile(r"\s*\n\s*")
# Control characters have no glyph and no business in a document (tab and newline are
# layout, handled by the parsers); whatever path the text came in by, they are dropped.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain(text: str) -> str:
    return _CONTROL_RE.sub("", text)


# ---------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Run:
    """A piece of text in one style. ``role`` None means the paragraph's body style; a
    heading role marks a run-in heading (「1. 标题。」 at the start of a paragraph)."""

    text: str
    bold: bool = False
    role: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", plain(self.text))


@dataclass(frozen=True)
class Title:
    lines: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", tuple(plain(line) for line in self.lines))

    @property
    def text(self) -> str:
        return "".join(self.lines)


@dataclass(frozen=True)
class Heading:
    """A heading on a line of its own: level 1 「一、」, 2 「（一）」, 3 「1.」, 4 「（1）」."""

    level: int
    number: str
    text: str
    kind: str = "heading"

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", plain(self.text))

    @property
    def role(self) -> str:
        return HEADING_ROLES[self.level]

    @property
    def label(self) -> str:
        return f"{self.number}{self.text}"

    @property
    def runs(self) -> tuple[Run, ...]:
        return (Run(self.label, role=self.role),)


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph, first line indented. ``kind`` says where it comes from:
    intro, text (narrative), statistics, item (an item's measures)."""

    runs: tuple[Run, ...]
    kind: str = "text"

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Signature:
    """The issuing organisation and the date, placed by the writers per GB/T 9704."""

    name: str
    date: str
    issued_on: dt.date

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", plain(self.name))


@dataclass(frozen=True)
class Options:
    heading_style: str = Bulletin.HeadingStyle.STANDALONE
    item_numbering: str = Bulletin.ItemNumbering.DOT
    zero_counts: str = Bulletin.ZeroCounts.OMIT
    show_statistics: bool = False


Block = Heading | Paragraph


@dataclass(frozen=True)
class Document:
    title: Title
    blocks: tuple[Block, ...]
    signature: Signature
    options: Options = field(default_factory=Options)
    lang: str = "zh-CN"

    def plain_text(self) -> str:
        """All printed text, one block a line (search, tests, glyph checks)."""
        lines = [*self.title.lines]
        lines += ["".join(run.text for run in block.runs) for block in self.blocks]
        lines += [self.signature.name, self.signature.date]
        return "\n".join(lines)

    def text_by_role(self) -> dict[tuple[str, bool], str]:
        """The text set in each (role, bold) pair, so writers can check glyph coverage."""
        found: dict[tuple[str, bool], list[str]] = {("title", False): list(self.title.lines)}
        for block in self.blocks:
            default_role = block.role if isinstance(block, Heading) else ROLE_BODY
            for run in block.runs:
                found.setdefault((run.role or default_role, run.bold), []).append(run.text)
        found.setdefault(("signature", False), []).extend([self.signature.name, self.signature.date])
        return {key: "".join(texts) for key, texts in found.items()}


# ---------------------------------------------------------------------------- numbering


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (the range bulletins need)."""
    if not 0 < n < 100:
        raise ValueError(f"no Chinese numeral for {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


def section_number(n: int) -> str:
    return f"{chinese_numeral(n)}、"


def category_number(n: int) -> str:
    return f"（{chinese_numeral(n)}）"


def item_number(n: int, style: str = Bulletin.ItemNumbering.DOT) -> str:
    return f"{n}、" if style == Bulletin.ItemNumbering.COMMA else f"{n}."


def sub_number(n: int) -> str:
    return f"（{n}）"


def ordinal_lead(n: int) -> str:
    """「一是」「二是」… that open the measures of an item."""
    return f"{chinese_numeral(n)}是"


# ---------------------------------------------------------------------------- punctuation


def _core(text: str) -> str:
    return text.rstrip().rstrip(_CLOSERS)


def ends_in_punctuation(text: str) -> bool:
    core = _core(text)
    return bool(core) and core[-1] in _SENTENCE_END + _CLAUSE_END


def full_stop(text: str) -> str:
    """The text ending as a sentence: a trailing 「，；：、」 becomes 「。」, a missing end
    mark is added; a sentence already closed (also 「……。”」) is kept as written."""
    text = text.strip()
    if not text:
        return ""
    core = _core(text)
    if core and core[-1] in _SENTENCE_END:
        return text
    if core and core[-1] in _CLAUSE_END and core == text:
        return text[:-1] + "。"
    return text + "。"


def _one_line(text: str) -> str:
    # Measures run inline in one paragraph: line breaks typed into a field are dropped.
    return _INNER_BREAK_RE.sub("", text.strip())


def measure_sentence(title: str, progress: str) -> str:
    """「标题。进展。」: the title, a 「。」 unless it already ends in punctuation, then
    the public progress text closed with 「。」; the title alone when progress is empty."""
    title, progress = _one_line(title), _one_line(progress)
    if not progress:
        return full_stop(title)
    head = title if ends_in_punctuation(title) or not title else title + "。"
    return head + full_stop(progress)


def measures_text(sentences: Sequence[str]) -> str:
    """One measure: the sentence as is; several: 「一是……二是……」."""
    sentences = [s for s in sentences if s]
    if len(sentences) == 1:
        return sentences[0]
    return "".join(ordinal_lead(i) + s for i, s in enumerate(sentences, start=1))


# ---------------------------------------------------------------------------- plain text


def parse_runs(line: str, *, role: str | None = None) -> tuple[Run, ...]:
    """``**bold**`` marks bold runs; everything else, HTML included, is literal text."""
    runs: list[Run] = []
    pos = 0
    for match in _BOLD_RE.finditer(line):
        if match.start() > pos:
            runs.append(Run(line[pos : match.start()], role=role))
        runs.append(Run(match.group(1), bold=True, role=role))
        pos = match.end()
    if pos < len(line):
        runs.append(Run(line[pos:], role=role))
    return tuple(runs)


def parse_narrative(text: str, *, kind: str = "text") -> list[Paragraph]:
    """Paragraphs from plain text: every non-empty line is a paragraph (blank lines are
    separators too); indentation typed or pasted (ideographic spaces) is dropped because
    the layout indents every paragraph itself."""
    paragraphs = []
    for line in (text or "").splitlines():
        line = line.strip(" \t\u3000")
        if line:
            paragraphs.append(Paragraph(parse_runs(line), kind=kind))
    return paragraphs


# ---------------------------------------------------------------------------- dates


def format_date(day: dt.date, *, with_year: bool = True) -> str:
    """Arabic numerals without leading zeros: 2025年1月21日."""
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if with_year else text


def onsite_period(start: dt.date, end: dt.date) -> str:
    """「2024年9月25日至12月27日」; the end keeps its year only across a new year."""
    return f"{format_date(start)}至{format_date(end, with_year=end.year != start.year)}"


def generated_intro(inspection: Inspection) -> str:
    org = inspection.organisation.short_name
    team_short = f"{inspection.deployed_by}巡察组"
    return (
        f"根据{inspection.deployed_by}统一部署，{onsite_period(inspection.onsite_start, inspection.onsite_end)}，"
        f"{inspection.team}对{org}开展了巡察。{format_date(inspection.feedback_on)}，"
        f"{team_short}向{org}反馈了巡察意见。{INTRO_CLOSING}"
    )


# ---------------------------------------------------------------------------- tree


@dataclass
class _Item:
    finding: Finding
    subs: list[_Item] = field(default_factory=list)

    def all_measures(self) -> list:
        measures = list(self.finding.measures.all())
        for sub in self.subs:
            measures += sub.all_measures()
        return measures


def _items(category: Category) -> list[_Item]:
    """Top-level items of a category with their sub-problems (Finding.parent). A finding
    whose parent is missing or itself a sub-problem is printed at the top level."""
    findings = list(category.findings.all())
    items = {f.pk: _Item(f) for f in findings}
    top: list[_Item] = []
    for f in findings:
        parent = items.get(f.parent_id)
        if parent is not None and parent.finding.parent_id is None:
            parent.subs.append(items[f.pk])
        else:
            top.append(items[f.pk])
    return top


# ---------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Statistics:
    problems: int
    done: int
    basically_done: int
    in_progress: int
    not_started: int
    measures: int
    measures_done: int
    rules_made: int
    money_recovered: Decimal
    people_handled: int

    @property
    def completion_rate(self) -> int:
        """Done problems in whole percent, rounded half up (「整改完成率76%」)."""
        if not self.problems:
            return 0
        rate = Decimal(self.done * 100) / Decimal(self.problems)
        return int(rate.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _problem_state(measures: list) -> str:
    """A problem is done when every measure is signed off; basically done when what is
    left is only sign-off or ongoing (长期坚持) work already under way."""
    statuses = [m.status for m in measures]
    if statuses and all(s == MeasureStatus.DONE for s in statuses):
        return "done"
    finished = (MeasureStatus.DONE, MeasureStatus.AWAITING_SIGN_OFF)

    def settled(m) -> bool:
        return m.status in finished or (m.kind == MeasureKind.ONGOING and m.status != MeasureStatus.NOT_STARTED)

    if statuses and all(settled(m) for m in measures):
        return "basically_done"
    if any(s != MeasureStatus.NOT_STARTED for s in statuses):
        return "in_progress"
    return "not_started"


def compute_statistics(categories: Iterable[Category]) -> Statistics:
    states: dict[str, int] = {"done": 0, "basically_done": 0, "in_progress": 0, "not_started": 0}
    measures: list = []
    for category in categories:
        for item in _items(category):
            item_measures = item.all_measures()
            states[_problem_state(item_measures)] += 1
            measures += item_measures
    return Statistics(
        problems=sum(states.values()),
        **states,
        measures=len(measures),
        measures_done=sum(1 for m in measures if m.status == MeasureStatus.DONE),
        rules_made=sum(m.rules_made for m in measures),
        money_recovered=sum((m.money_recovered for m in measures), Decimal(0)),
        people_handled=sum(m.people_handled for m in measures),
    )


def _money(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _clause(value, template: str, absent: str | None, zero_counts: str) -> str | None:
    """One figure of the statistics: written, 「不存在……情况」 or left out when zero."""
    if value:
        return template.format(value)
    if zero_counts == Bulletin.ZeroCounts.WRITE:
        return template.format(value)
    if zero_counts == Bulletin.ZeroCounts.ABSENT:
        return absent
    return None


def _sentence(clauses: Iterable[str | None]) -> str:
    kept = [c for c in clauses if c]
    return "，".join(kept) + "。" if kept else ""


def statistics_text(stats: Statistics, *, inspection: Inspection, as_of: dt.date, zero_counts: str) -> str:
    """「截至…，区委巡察组反馈的N个问题中，已完成整改M个……整改完成率X%。」"""
    if not stats.problems:
        return ""
    z = zero_counts
    states = _sentence(
        [
            f"截至{format_date(as_of)}，{inspection.deployed_by}巡察组反馈的{stats.problems}个问题中，"
            f"已完成整改{stats.done}个",
            _clause(stats.basically_done, "基本完成整改{}个", None, z),
            _clause(stats.in_progress, "正在推进{}个", None, z),
            _clause(stats.not_started, "尚未启动{}个", "不存在整改未启动情况", z),
            f"整改完成率{stats.completion_rate}%",
        ]
    )
    measures = f"共制定整改措施{stats.measures}项，已完成{stats.measures_done}项。" if stats.measures else ""
    outcomes = [
        _clause(stats.rules_made, "建立完善制度{}项", None, z),
        _clause(_money(stats.money_recovered) if stats.money_recovered else 0, "挽回（追缴）资金{}万元", None, z),
        _clause(stats.people_handled, "处理{}人", "不存在需处理人员情况", z),
    ]
    outcome_text = _sentence(outcomes)
    if outcome_text and any(o and not o.startswith("不存在") for o in outcomes):
        outcome_text = "通过整改，" + outcome_text
    return states + measures + outcome_text


# ---------------------------------------------------------------------------- section 二


def _heading_sentence(text: str) -> str:
    """A run-in heading ends in 「。」 so the paragraph can continue after it."""
    return text if ends_in_punctuation(text) else text + "。"


def _item_body(finding: Finding) -> str:
    sentences = [measure_sentence(m.title, m.progress) for m in finding.measures.all()]
    parts = [full_stop(_one_line(finding.lead_in)), measures_text(sentences)]
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
    for i, item in enumerate(_items(category), start=1):
        blocks += _item_blocks(3, item_number(i, options.item_numbering), item.finding, options)
        for j, sub in enumerate(item.subs, start=1):
            blocks += _item_blocks(4, sub_number(j), sub.finding, options)
    return blocks


def _section2_blocks(bulletin: Bulletin, categories: list[Category], options: Options, as_of: dt.date) -> list:
    blocks: list[Block] = []
    if options.show_statistics:
        if bulletin.statistics_text.strip():
            blocks += parse_narrative(bulletin.statistics_text, kind="statistics")
        else:
            text = statistics_text(
                compute_statistics(categories),
                inspection=bulletin.inspection,
                as_of=as_of,
                zero_counts=options.zero_counts,
            )
            blocks += [Paragraph((Run(text),), kind="statistics")] if text else []
    for position, category in enumerate(categories, start=1):
        blocks += _category_blocks(position, category, options)
    return blocks


# ---------------------------------------------------------------------------- the document


def build_document(bulletin: Bulletin, *, today: dt.date | None = None) -> Document:
    """The bulletin's document from the draft row and the inspection's data.

    ``bulletin`` may be unsaved (the editor's live preview). Queries: 3 for the tree
    (selectors.bulletin_categories), plus 1 each for ``bulletin.inspection`` and its
    organisation when they are not loaded already.
    """
    inspection = bulletin.inspection
    organisation = inspection.organisation
    issued_on = bulletin.issued_on or today or timezone.localdate()
    options = Options(
        heading_style=bulletin.category_heading_style,
        item_numbering=bulletin.item_numbering,
        zero_counts=bulletin.zero_counts,
        show_statistics=bulletin.show_statistics,
    )
    categories = bulletin_categories(inspection_id=inspection.pk)
    title_lines = [line.strip() for line in (bulletin.title or DEFAULT_TITLE).splitlines() if line.strip()]
    intro = bulletin.intro if bulletin.intro.strip() else generated_intro(inspection)
    sections = [
        (bulletin.section1_heading, parse_narrative(bulletin.section1_text)),
        (bulletin.section2_heading, _section2_blocks(bulletin, categories, options, issued_on)),
        (bulletin.section3_heading, parse_narrative(bulletin.section3_text)),
    ]
    blocks: list[Block] = parse_narrative(intro, kind="intro")
    number = 0  # counts headed sections only: a blank heading prints nothing, uses no numeral
    for heading, content in sections:
        if heading.strip():
            number += 1
            blocks.append(Heading(1, section_number(number), heading.strip()))
        blocks += content
    return Document(
        title=Title((organisation.name, *title_lines)),
        blocks=tuple(blocks),
        signature=Signature(
            name=(bulletin.signature or organisation.name).strip(), date=format_date(issued_on), issued_on=issued_on
        ),
        options=options,
    )
