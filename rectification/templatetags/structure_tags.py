"""Template helpers of the structure editor."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from ..text import chinese_numeral

register = template.Library()


@register.filter
def cn_number(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (as in 「（一）」 and 「一是」);
    digits outside 1–99, where a page must still show something rather than fail."""
    n = int(value)
    return chinese_numeral(n) if 0 < n < 100 else str(n)


@register.filter
def tree_number(value: int) -> str:
    """The tree's ordinals as the bulletin prints them (一, 二) on a Chinese page, digits otherwise."""
    return cn_number(value) if (get_language() or "").startswith("zh") else str(int(value))
