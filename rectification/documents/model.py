"""The document model every writer reads: a title, blocks (headings, paragraphs made of
runs, tables), a signature, and optionally an attestation (签字背书) and annexes (附件),
each annex on pages of its own, portrait or landscape. Plain data, no database, no
typography (see layout.py).

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
from .numbering import annex_label, annex_note

# Font roles a run can carry; writers map them to typefaces (layout.LAYOUT["roles"]).
ROLE_BODY = "body"
HEADING_ROLES = {1: "heading1", 2: "heading2", 3: "heading3", 4: "heading4"}

_BOLD_RE = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
_NUMERAL = "一二三四五六七八九十"
# The numbers of the heading levels that have a typeface of their own (layout ``roles``).
RUN_IN_LEVELS = {1: re.compile(f"[{_NUMERAL}]+、"), 2: re.compile(f"[（(][{_NUMERAL}]+[）)]")}


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
    a class, the others ignore it. ``flush_left`` sets it without the indent (顶格), as
    GB/T 9704 sets the 发文字号 line of a letter and the addressee (主送机关); every
    writer honours it."""

    runs: tuple[Run, ...]
    kind: str = "text"
    flush_left: bool = False

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
class Column:
    """A table column: its header text, its width relative to the other columns' (the
    writers share the type width out in these proportions) and how its cells align."""

    label: str
    width: float
    align: str = "left"  # "left" or "center"

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", plain(self.label))
        if self.width <= 0 or self.align not in ("left", "center"):
            raise ValueError(f"bad column: {self.label!r} width {self.width} align {self.align!r}")


@dataclass(frozen=True)
class Cell:
    """A table cell. A line break starts a new line inside the cell. A cell spanning
    ``rowspan`` rows is written in its first row only, and the rows below leave its
    column out (as HTML does)."""

    text: str
    rowspan: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", plain(self.text))
        if self.rowspan < 1:
            raise ValueError("rowspan must be at least 1")

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines() or [""]


@dataclass(frozen=True)
class Table:
    """A table with a header row that every page repeats, borders, cell text in the
    body typeface at the table size (layout ``table``)."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    kind: str = "table"

    def __post_init__(self) -> None:
        self.grid()  # refuses a row whose cells do not fill the columns

    def grid(self) -> list[list[Cell | None]]:
        """Every row with one entry per column: the cell that starts there, or None where
        a cell from a row above spans into it."""
        width = len(self.columns)
        covered = [0] * width  # rows each column is still covered for
        out: list[list[Cell | None]] = []
        for number, row in enumerate(self.rows):
            cells = iter(row)
            line: list[Cell | None] = []
            for column in range(width):
                if covered[column]:
                    covered[column] -= 1
                    line.append(None)
                    continue
                cell = next(cells, None)
                if cell is None:
                    raise ValueError(f"table row {number + 1} has too few cells")
                covered[column] = min(cell.rowspan, len(self.rows) - number) - 1
                line.append(cell)
            if next(cells, None) is not None:
                raise ValueError(f"table row {number + 1} has too many cells")
            out.append(line)
        return out

    def groups(self) -> list[range]:
        """The rows in groups that no spanning cell crosses (a problem with its measures):
        the writers keep a group on one page where it fits, because a spanning cell cut
        by a page break has no room for its text."""
        out, start, reach = [], 0, 0
        for number, row in enumerate(self.rows):
            reach = max(reach, number + max((cell.rowspan for cell in row), default=1))
            if reach <= number + 1:
                out.append(range(start, number + 1))
                start = number + 1
        if start < len(self.rows):
            out.append(range(start, len(self.rows)))
        return out

    def text_rows(self) -> list[list[str]]:
        """The header and every row as text, a spanned cell empty below its first row."""
        rows = [[c.label for c in self.columns]]
        rows += [[cell.text if cell else "" for cell in line] for line in self.grid()]
        return rows

    @property
    def text(self) -> str:
        return "\n".join("\t".join(row) for row in self.text_rows())


Block = Heading | Paragraph | Table


@dataclass(frozen=True)
class Annex:
    """An annex (附件): on a new page, 「附件N」 top left, its title centred, its blocks;
    ``landscape`` for a table too wide for a portrait page."""

    title: str
    blocks: tuple[Block, ...]
    landscape: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", plain(self.title))


@dataclass(frozen=True)
class Attestation:
    """The signer's attestation under the signature: 「党组织书记（签字）：」 with the
    signer's name once signed (blank leaves room for the pen), and the date line."""

    label: str
    signer: str = ""
    date: str = ""

    def __post_init__(self) -> None:
        for name in ("label", "signer", "date"):
            object.__setattr__(self, name, plain(getattr(self, name)))

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for line in (self.label + self.signer, self.date) if line)


def block_text(block: Block) -> str:
    if isinstance(block, Table):
        return block.text
    return "".join(run.text for run in block.runs)


@dataclass(frozen=True)
class Document:
    """One document of any kind. ``options`` are the kind's settings it was built with
    (for the reader's information: writers never look at them)."""

    title: Title
    blocks: tuple[Block, ...]
    signature: Signature
    options: Any = None
    lang: str = "zh-CN"
    attestation: Attestation | None = None
    annexes: tuple[Annex, ...] = ()

    @property
    def has_extras(self) -> bool:
        """Whether the document uses tables, annexes or an attestation (the writers add
        their styles only then, so documents without them come out as before)."""
        blocks = [*self.blocks, *(b for annex in self.annexes for b in annex.blocks)]
        return bool(self.annexes or self.attestation or any(isinstance(b, Table) for b in blocks))

    def annex_labels(self) -> list[str]:
        return [annex_label(n, len(self.annexes)) for n in range(1, len(self.annexes) + 1)]

    def annex_note(self) -> list[str]:
        """The 附件说明 lines under the body (numbering.annex_note)."""
        return annex_note([annex.title for annex in self.annexes])

    def plain_text(self) -> str:
        """All printed text, one block a line (a table: a line per row, cells separated
        by tabs), in reading order (search, tests, what changed between versions)."""
        lines = [*self.title.lines]
        lines += [block_text(block) for block in self.blocks]
        lines += self.annex_note()
        lines += [self.signature.name, self.signature.date]
        lines += list(self.attestation.lines) if self.attestation else []
        for label, annex in zip(self.annex_labels(), self.annexes, strict=True):
            lines += [label, annex.title, *(block_text(block) for block in annex.blocks)]
        return "\n".join(lines)

    def text_by_role(self) -> dict[tuple[str, bool], str]:
        """The text set in each (role, bold) pair, so writers can check glyph coverage."""
        found: dict[tuple[str, bool], list[str]] = {("title", False): list(self.title.lines)}
        blocks = [*self.blocks, *(b for annex in self.annexes for b in annex.blocks)]
        for block in blocks:
            if isinstance(block, Table):
                found.setdefault(("table_header", False), []).extend(c.label for c in block.columns)
                found.setdefault(("table", False), []).extend(c.text for row in block.rows for c in row)
                continue
            default_role = block.role if isinstance(block, Heading) else ROLE_BODY
            for run in block.runs:
                found.setdefault((run.role or default_role, run.bold), []).append(run.text)
        found.setdefault(("signature", False), []).extend([self.signature.name, self.signature.date])
        if self.annexes:
            found.setdefault((ROLE_BODY, False), []).extend(self.annex_note())
            found.setdefault(("annex_label", False), []).extend(self.annex_labels())
            found["title", False].extend(annex.title for annex in self.annexes)
        if self.attestation:
            found["signature", False].extend(self.attestation.lines)
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


def run_in_heading(runs: tuple[Run, ...]) -> tuple[Run, ...]:
    """A paragraph opened by a bold 「一、……」 or 「（一）……」 is opened by a run-in heading
    of that level, set in the level's typeface (黑体, 楷体) like the same level everywhere
    else, not in the bold body face. Bold lower levels (「1.」) stay bold body text."""
    if runs and runs[0].bold and runs[0].role is None:
        for level, pattern in RUN_IN_LEVELS.items():
            if pattern.match(runs[0].text):
                return (Run(runs[0].text, role=HEADING_ROLES[level]), *runs[1:])
    return runs


def parse_narrative(text: str, *, kind: str = "text") -> list[Paragraph]:
    """Paragraphs from plain text: every non-empty line is a paragraph (blank lines are
    separators too); indentation typed or pasted (ideographic spaces) is dropped because
    the layout indents every paragraph itself. A bold numbered opening is a run-in
    heading (``run_in_heading``)."""
    paragraphs = []
    for line in (text or "").splitlines():
        line = line.strip(" \t\u3000")
        if line:
            paragraphs.append(Paragraph(run_in_heading(parse_runs(line)), kind=kind))
    return paragraphs
