"""The numbering of official documents: 「一、」「（一）」「1.」「（1）」 for the heading levels
and 「一是……二是……」 for items listed inside a paragraph."""

from __future__ import annotations

from collections.abc import Sequence

from ..text import chinese_numeral
from .layout import LAYOUT

# The values of Bulletin.ItemNumbering; a plain string here keeps the engine free of models.
ITEM_NUMBERING_DOT = "dot"
ITEM_NUMBERING_COMMA = "comma"


def section_number(n: int) -> str:
    return f"{chinese_numeral(n)}、"


def category_number(n: int) -> str:
    return f"（{chinese_numeral(n)}）"


def item_number(n: int, style: str = ITEM_NUMBERING_DOT) -> str:
    """「1.」, or 「1、」 in the ``comma`` style."""
    return f"{n}、" if style == ITEM_NUMBERING_COMMA else f"{n}."


def sub_number(n: int) -> str:
    return f"（{n}）"


def ordinal_lead(n: int) -> str:
    """「一是」「二是」… that open the items of a paragraph."""
    return f"{chinese_numeral(n)}是"


def ordinal_list(sentences: Sequence[str]) -> str:
    """One sentence as is; several: 「一是……二是……」 (empty ones are left out)."""
    sentences = [s for s in sentences if s]
    if len(sentences) == 1:
        return sentences[0]
    return "".join(ordinal_lead(i) + s for i, s in enumerate(sentences, start=1))


def annex_label(n: int, total: int) -> str:
    """「附件1」「附件2」…; a single annex is 「附件」 (GB/T 9704 7.3.4)."""
    prefix = LAYOUT["annex"]["label_prefix"]
    return prefix if total == 1 else f"{prefix}{n}"


def annex_note(titles: Sequence[str]) -> list[str]:
    """The 附件说明 lines: 「附件：1.问题清单」 then 「2.任务清单」 … (a single annex without
    a number); annex names take no closing punctuation."""
    label = LAYOUT["annex_note"]["label"]
    if len(titles) == 1:
        return [label + titles[0]]
    lines = [f"{n}.{title}" for n, title in enumerate(titles, start=1)]
    return [label + lines[0], *lines[1:]] if lines else []
