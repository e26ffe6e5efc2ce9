"""Small text rules used across the app: which control characters are dropped, and the
Chinese numerals of the bulletin's and the tree's ordinals.

Control characters. Three patterns, because the callers differ on purpose in what they
let through; each keeps its exact behaviour:

- ``CONTROL_CHARS``: C0 controls except tab, line feed and carriage return, plus DEL.
  Stored text fields (the bulletin form, the ledger reader's cells): tab and line breaks
  are text, the rest has no glyph.
- ``CONTROL_CHARS_C0``: the same without DEL. The request middleware cleans every
  parameter with it: PostgreSQL refuses NUL in text, and the XML 1.0 writers (xlsx, docx)
  refuse the other C0 controls; DEL is legal in XML and is left to the field rules above.
- ``CONTROL_CHARS_IN_DOCUMENT``: C0 controls except tab and line feed, plus DEL. Text in a
  printed document: a carriage return is a control character there too (line breaks were
  already split into blocks by the parsers).
"""

from __future__ import annotations

import re

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARS_C0 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARS_IN_DOCUMENT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def strip_control(text: str, pattern: re.Pattern[str] = CONTROL_CHARS) -> str:
    """``text`` without the control characters ``pattern`` matches (see the module doc)."""
    return pattern.sub("", text)


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九: the range bulletins and the tree
    need (a bulletin has no hundredth section, a category no hundredth item)."""
    if not 0 < n < 100:
        raise ValueError(f"no Chinese numeral for {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")
