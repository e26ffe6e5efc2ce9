"""PROVISIONAL stand-in for the documents handed upward (整改方案, 整改情况报告).

The real module (the plan's three lists as annex tables, the report's figures) comes from
the documents branch; this one implements the same interface minimally so that the
review workflow can run against it: ``SECTIONS``, ``Section``, ``missing_sections``,
``upward_render`` and ``upward_text``. A title, the content's sections as numbered
headings with their paragraphs, a signature; nothing generated from the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from ..model import Block, Document, Heading, Paragraph, Run, Signature, Title, parse_narrative
from ..numbering import section_number
from ..wording import format_date
from ..writers import FORMATS, Rendered, render


@dataclass(frozen=True)
class Section:
    """One part of a document's editable content: ``kind`` "text" (paragraphs, one a
    line), "lines" (a list of short entries) or "date" (ISO date)."""

    key: str
    label: Any
    required: bool
    kind: str = "text"
    help: Any = ""


SECTIONS: dict[str, tuple[Section, ...]] = {
    "plan": (
        Section("intro", _("开篇"), False, help=_("留空则不写开篇段落。")),
        Section("requirements", _("总体要求"), True),
        Section("safeguards", _("保障措施"), True),
        Section("concentrated_until", _("集中整改截止日期"), False, kind="date"),
    ),
    "report": (
        Section("work_done", _("整改工作开展情况"), True),
        Section("next_steps", _("下一步工作打算"), True),
    ),
}

TITLES = {"plan": "巡察整改工作方案", "report": "关于巡察整改情况的报告"}


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return any(isinstance(v, str) and v.strip() for v in value)
    return value is not None


def missing_sections(kind: str, content: Mapping[str, Any]) -> list[str]:
    """The labels of the required sections still empty."""
    return [str(s.label) for s in SECTIONS[kind] if s.required and not _filled(content.get(s.key))]


def _section_blocks(section: Section, value: Any) -> list[Block]:
    if section.kind == "date":
        day = dt.date.fromisoformat(value)
        return [Paragraph((Run(f"{format_date(day)}前完成集中整改。"),))]
    if section.kind == "lines":
        lines = value if isinstance(value, list | tuple) else str(value).splitlines()
        return [Paragraph((Run(line.strip()),)) for line in lines if line.strip()]
    return list(parse_narrative(str(value)))


def upward_document(document, *, today: dt.date | None = None) -> Document:
    # The document is Chinese whatever the reader's language: labels are lazy.
    with translation.override(settings.LANGUAGE_CODE):
        return _build(document, today)


def _build(document, today: dt.date | None) -> Document:
    organisation = document.inspection.organisation
    issued_on = today or timezone.localdate()
    blocks: list[Block] = []
    number = 0
    for section in SECTIONS[document.kind]:
        value = (document.content or {}).get(section.key)
        if not _filled(value):
            continue
        number += 1
        blocks.append(Heading(1, section_number(number), str(section.label)))
        blocks += _section_blocks(section, value)
    return Document(
        title=Title((organisation.name, TITLES[document.kind])),
        blocks=tuple(blocks),
        signature=Signature(name=organisation.name, date=format_date(issued_on), issued_on=issued_on),
    )


def upward_render(
    document, *, formats: Sequence[str] | Iterable[str] = FORMATS, today: dt.date | None = None
) -> Rendered:
    return render(upward_document(document, today=today), formats)


def upward_text(document, *, today: dt.date | None = None) -> str:
    return upward_document(document, today=today).plain_text()
