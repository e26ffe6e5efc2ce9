"""The numbering of official documents: 「一、」「（一）」「1.」「（1）」 for the heading levels
and 「一是……二是……」 for items listed inside a paragraph."""

from __future__ import annotations

from collections.abc import Sequence

from ..text import chinese_numeral

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
