"""The small text rules of rectification/text.py: which control characters each caller
drops, and the Chinese numerals."""

from __future__ import annotations

import pytest

from rectification.templatetags.structure_tags import cn_number
from rectification.text import (
    CONTROL_CHARS,
    CONTROL_CHARS_C0,
    CONTROL_CHARS_IN_DOCUMENT,
    chinese_numeral,
    strip_control,
)

C0 = "".join(chr(c) for c in range(0x20))


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        (CONTROL_CHARS, "\t\n\r"),  # stored text fields, the ledger's cells
        (CONTROL_CHARS_C0, "\t\n\r\x7f"),  # every request parameter (middleware)
        (CONTROL_CHARS_IN_DOCUMENT, "\t\n"),  # printed documents
    ],
)
def test_each_pattern_keeps_exactly_its_characters(pattern, kept):
    assert strip_control(C0 + "\x7f" + "文字 a", pattern) == kept + "文字 a"


def test_strip_control_defaults_to_the_text_field_rule():
    assert strip_control("a\x00\x7f\r\nb") == "a\r\nb"


def test_the_tree_numerals_are_the_bulletin_numerals_and_digits_beyond():
    assert all(cn_number(n) == chinese_numeral(n) for n in range(1, 100))
    assert [cn_number(0), cn_number(100), cn_number(-3)] == ["0", "100", "-3"]
    with pytest.raises(ValueError):
        chinese_numeral(100)
