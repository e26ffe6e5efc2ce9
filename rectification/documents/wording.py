"""Punctuation and date rules of official Chinese text, shared by every document kind."""

from __future__ import annotations

import datetime as dt
import re

SENTENCE_END = "。！？!?…"
CLAUSE_END = "，、；：,;:"
# Closing quotes and brackets that may follow a sentence's final mark: 「……。”」
CLOSERS = "”’」』）》】〕)\"'"
_INNER_BREAK_RE = re.compile(r"\s*\n\s*")


def _core(text: str) -> str:
    return text.rstrip().rstrip(CLOSERS)


def ends_in_punctuation(text: str) -> bool:
    core = _core(text)
    return bool(core) and core[-1] in SENTENCE_END + CLAUSE_END


def full_stop(text: str) -> str:
    """The text ending as a sentence: a trailing 「，；：、」 becomes 「。」, a missing end
    mark is added; a sentence already closed (also 「……。”」) is kept as written."""
    text = text.strip()
    if not text:
        return ""
    core = _core(text)
    if core and core[-1] in SENTENCE_END:
        return text
    if core and core[-1] in CLAUSE_END and core == text:
        return text[:-1] + "。"
    return text + "。"


def one_line(text: str) -> str:
    """Line breaks typed into a field dropped: the text runs inline in a paragraph."""
    return _INNER_BREAK_RE.sub("", text.strip())


def lead_phrase(text: str) -> str:
    """A measure's title as a phrase of its own (a table cell, a list): the 「，」 or 「；」
    with which the author joins it to its progress in running text left off."""
    return one_line(text).rstrip("，,；;")


def format_date(day: dt.date, *, with_year: bool = True) -> str:
    """Arabic numerals without leading zeros: 2025年1月21日."""
    text = f"{day.month}月{day.day}日"
    return f"{day.year}年{text}" if with_year else text


def date_span(start: dt.date, end: dt.date) -> str:
    """「2024年9月25日至12月27日」; the end keeps its year only across a new year."""
    return f"{format_date(start)}至{format_date(end, with_year=end.year != start.year)}"
