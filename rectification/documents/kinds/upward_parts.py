"""What the plan (plan.py) and the report (report.py) share: reading the draft's editable
sections, the opening sentence about the inspection, the numbered sections, the signature
and the attestation, the flat list of problems and their measures, and the Chinese words
for kinds and statuses (documents stay Chinese whatever the reader's language, so they
never go through the translated model labels)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from ...models import Category, Finding, Measure, MeasureKind, MeasureStatus
from ...selectors.upward import UpwardSource
from ..model import Attestation, Block, Heading, Paragraph, Run, Signature, parse_narrative
from ..numbering import section_number
from ..wording import date_span, format_date, one_line

KIND_TEXT = {
    MeasureKind.IMMEDIATE: "立行立改",
    MeasureKind.TIME_BOUND: "限期整改",
    MeasureKind.ONGOING: "长期坚持",
}
STATUS_TEXT = {
    MeasureStatus.NOT_STARTED: "未启动",
    MeasureStatus.IN_PROGRESS: "推进中",
    MeasureStatus.AWAITING_SIGN_OFF: "待销号",
    MeasureStatus.DONE: "已完成",
}
ATTESTATION_LABEL = "党组织书记（签字）："
# Room for the date written by hand on a printed copy that has not been signed in the app.
UNSIGNED_DATE = "\u3000" * 4 + "年\u3000\u3000月\u3000\u3000日"
TO_FILL = "（待填写）"  # a required section left empty: visible, never silently blank


# ---------------------------------------------------------------------------- the draft's content


def content_text(source: UpwardSource, key: str) -> str:
    value = (source.document.content or {}).get(key)
    if isinstance(value, list):
        value = "\n".join(str(v) for v in value)
    return value.strip() if isinstance(value, str) else ""


def content_lines(source: UpwardSource, key: str) -> list[str]:
    """A "lines" section: a list, or text with one entry a line; blank lines dropped."""
    return [line.strip(" \t\u3000") for line in content_text(source, key).splitlines() if line.strip(" \t\u3000")]


def content_date(source: UpwardSource, key: str) -> dt.date | None:
    """A "date" section as ISO text (2025-03-31); anything else counts as empty."""
    try:
        return dt.date.fromisoformat(content_text(source, key))
    except ValueError:
        return None


def narrative(source: UpwardSource, key: str, *, required: bool = False, default: str = "") -> list[Paragraph]:
    """The section's text as paragraphs; the generated ``default`` when empty, and a
    visible 「（待填写）」 for a required section left empty."""
    text = content_text(source, key) or default
    if not text and required:
        text = TO_FILL
    return parse_narrative(text)


# ---------------------------------------------------------------------------- the frame


def inspection_sentence(source: UpwardSource) -> str:
    """「2024年9月25日至12月27日，区委第四巡察组对福华社区党委开展了巡察，2025年1月21日反馈了巡察意见」"""
    i = source.inspection
    return (
        f"{date_span(i.onsite_start, i.onsite_end)}，{i.team}对{source.organisation.short_name}开展了巡察，"
        f"{format_date(i.feedback_on)}反馈了巡察意见"
    )


def sections(parts: list[tuple[str, list[Block]]]) -> list[Block]:
    """「一、」「二、」… headings, each followed by its blocks."""
    blocks: list[Block] = []
    for n, (heading, content) in enumerate(parts, start=1):
        blocks.append(Heading(1, section_number(n), heading))
        blocks += content
    return blocks


def title_lines(source: UpwardSource, default: str) -> tuple[str, ...]:
    """The organisation's full name, then the title (the draft's own when written)."""
    written = [line.strip() for line in content_text(source, "title").splitlines() if line.strip()]
    return (source.organisation.name, *(written or [default]))


def signature(source: UpwardSource, today: dt.date) -> Signature:
    return Signature(name=source.organisation.name, date=format_date(today), issued_on=today)


def attestation(signer: str = "", signed_on: dt.date | None = None) -> Attestation:
    """The secretary's 签字背书: blank for the pen, or the signer's name and date once signed."""
    if signer:
        return Attestation(ATTESTATION_LABEL, signer, format_date(signed_on) if signed_on else "")
    return Attestation(ATTESTATION_LABEL, "", UNSIGNED_DATE)


def plain_paragraph(text: str, kind: str = "text") -> Paragraph:
    return Paragraph((Run(text),), kind=kind)


# ---------------------------------------------------------------------------- problems and measures


@dataclass(frozen=True)
class Problem:
    """A finding in document order, numbered 1… across the inspection."""

    number: int
    category: Category
    finding: Finding

    @property
    def text(self) -> str:
        """The internal wording (问题描述), the heading when none was written."""
        return one_line(self.finding.problem) or one_line(self.finding.heading)

    @property
    def measures(self) -> list[Measure]:
        return list(self.finding.measures.all())


def findings_in_order(category: Category) -> list[Finding]:
    """Each finding once: top-level ones in order, each followed by its sub-problems (as
    the bulletin prints them); a sub-problem whose parent is missing stays in place."""
    findings = list(category.findings.all())
    children: dict[int, list[Finding]] = {}
    ids = {f.pk for f in findings}
    for f in findings:
        if f.parent_id in ids:
            children.setdefault(f.parent_id, []).append(f)
    out: list[Finding] = []

    def visit(f: Finding) -> None:
        out.append(f)
        for sub in children.get(f.pk, []):
            visit(sub)

    for f in findings:
        if f.parent_id not in ids:
            visit(f)
    return out


def problems(source: UpwardSource) -> Iterator[Problem]:
    number = 0
    for category in source.categories:
        for finding in findings_in_order(category):
            number += 1
            yield Problem(number, category, finding)


def deadline_text(measure: Measure) -> str:
    """The deadline as printed: 「长期坚持」 for ongoing work, else the date."""
    if measure.kind == MeasureKind.ONGOING or measure.due_on is None:
        return "长期坚持" if measure.kind == MeasureKind.ONGOING else "—"
    return format_date(measure.due_on)


def owners_text(measure: Measure) -> str:
    return "、".join(person.name for person in measure.owners.all())


def measure_code(problem: Problem, n: int) -> str:
    """「3-2」: the second measure of problem 3, the same in every list."""
    return f"{problem.number}-{n}"
