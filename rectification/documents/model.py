"""The document model every writer reads: a title, blocks (headings and paragraphs made of
runs), a signature. Plain data, no database, no typography (see layout.py).

User text is plain text: ``**…**`` marks bold runs (``parse_runs``), every non-empty line
is a paragraph (``parse_narrative``), nothing else is interpreted. Control characters are
dropped from every piece of text, whatever path it came in by (text.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ..text import CONTROL_CHARS_IN_DOCUMENT, strip_control

# Font roles a run can carry; writers map them to typefaces (layout.LAYOUT["roles"]).
ROLE_BODY = "body"
HEADING_ROLES = {1: "heading1", 2: "heading2", 3: "heading3", 4: "heading4"}

_BOLD_RE = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def plain(text: str) -> str:
    # Tab and newline are layout, handled by the parsers; every other control character
    # has no glyph and no business in a document.
    return strip_control(text, CONTROL_CHARS_IN_DOCUMENT)


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
    """A body paragraph, first line indented. ``kind`` says where it comes from (the
    bulletin's: intro, text (narrative), statistics, item); the HTML writer shows it as
    a class, the others ignore it."""

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


Block = Heading | Paragraph


@dataclass(frozen=True)
class Document:
    """One document of any kind. ``options`` are the kind's settings it was built with
    (for the reader's information: writers never look at them)."""

    title: Title
    blocks: tuple[Block, ...]
    signature: Signature
    options: Any = None
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
