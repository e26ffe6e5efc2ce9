"""Justified lines for the PDF: every line of a paragraph but its last ends at the right
margin, as in a Word 公文.

WeasyPrint's ``text-align: justify`` only stretches spaces, and Chinese text has none, so
a line that line-breaking rules (no 「，」 at a line start, no 「“」 at a line end) or
half-width digits leave short stays ragged. The PDF is therefore laid out twice: the
first layout (``measure``) reads where WeasyPrint broke each marked block and how far
each line stops short of the margin; the second HTML spreads that gap over the line
(``letter-spacing`` on all its characters but the last, so the last one ends at the
margin and the break stays where it was). The HTML preview is not fitted: it reflows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Part of the PDF cache key: a change here must not serve PDFs laid out the old way.
FITTING_VERSION = "justified-1"
# The attribute that marks the blocks whose lines are fitted (paragraphs, headings).
FIT_ATTRIBUTE = "data-fit"
# Left unspread (CSS px), so rounding never pushes the last character onto the next line.
SLACK_PX = 0.05
# A line shorter than this (in ems) is left alone: stretched that far it would not read.
MAX_GAP_EMS = 4
# str.isspace() characters, and the others (re's \s is str.isspace()).
_SPACE, _VISIBLE = re.compile(r"\s"), re.compile(r"\S")


@dataclass(frozen=True)
class Line:
    chars: int  # characters on the line, white space not counted
    gap_px: float  # how far its last character stops short of the right edge


Fits = dict[int, tuple[Line, ...]]


def _text_boxes(box):
    for child in getattr(box, "children", ()):
        if hasattr(child, "text") and child.text is not None and not getattr(child, "children", None):
            yield child
        else:
            yield from _text_boxes(child)


def _marked_blocks(box):
    element = getattr(box, "element", None)
    mark = element.get(FIT_ATTRIBUTE) if element is not None and getattr(box, "element_tag", None) else None
    if mark is not None and getattr(box, "pseudo_type", None) is None and hasattr(box, "content_box_x"):
        yield int(mark), box
        return
    for child in getattr(box, "children", ()):
        yield from _marked_blocks(child)


def measure(rendered) -> Fits:
    """Lines of every marked block of a WeasyPrint document, in order across pages."""
    found: dict[int, list[Line]] = {}
    for page in rendered.pages:
        for mark, block in _marked_blocks(page._page_box):
            right = block.content_box_x() + block.width
            lines = found.setdefault(mark, [])
            for line in block.children:
                boxes = [b for b in _text_boxes(line) if b.text.strip()]
                if not boxes:
                    continue
                chars = sum(len("".join(b.text.split())) for b in boxes)
                end = boxes[-1].position_x + boxes[-1].width
                lines.append(Line(chars, right - end))
    return {mark: tuple(lines) for mark, lines in found.items()}


def spreads(text: str, lines: tuple[Line, ...], em_px: float) -> list[tuple[int, int, float]]:
    """(start, end, letter-spacing in px) of ``text`` for each line to stretch: all its
    characters but the last. Nothing when the lines do not add up to the text (the
    layout did something unforeseen: better ragged than wrong)."""
    # The index of each visible character (most texts have no white space at all).
    visible = range(len(text)) if _SPACE.search(text) is None else [m.start() for m in _VISIBLE.finditer(text)]
    if sum(line.chars for line in lines) != len(visible):
        return []
    out, seen = [], 0
    for line in lines[:-1]:
        first, last = visible[seen], visible[seen + line.chars - 1]
        seen += line.chars
        gap = line.gap_px - SLACK_PX
        if line.chars > 1 and 0 < gap <= MAX_GAP_EMS * em_px:
            out.append((first, last, gap / (last - first)))
    return out


def split_runs(runs: list[str], stretches: list[tuple[int, int, float]]) -> list[tuple[tuple[str, str], ...]]:
    """Each run's text cut into pieces (text, CSS letter-spacing or "") along the stretches."""
    out, offset = [], 0
    for text in runs:
        pieces: list[tuple[str, str]] = []
        pos = 0
        for start, end, spacing in stretches:
            a, b = max(start - offset, pos), min(end - offset, len(text))
            if a >= b:
                continue
            if a > pos:
                pieces.append((text[pos:a], ""))
            pieces.append((text[a:b], f"{spacing:.4f}px"))
            pos = b
        if pos < len(text) or not pieces:
            pieces.append((text[pos:], ""))
        out.append(tuple(pieces))
        offset += len(text)
    return out
