"""Template helpers of the structure editor."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()

_DIGITS = "零一二三四五六七八九"


@register.filter
def cn_number(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (as in 「（一）」 and 「一是」)."""
    n = int(value)
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


@register.filter
def tree_number(value: int) -> str:
    """The tree's ordinals as the bulletin prints them (一, 二) on a Chinese page, digits otherwise."""
    return cn_number(value) if (get_language() or "").startswith("zh") else str(int(value))
