"""Template helpers of the structure editor and the measure list's bulk bar."""

from __future__ import annotations

from django import template

from ..forms.structure import BulkForm
from ..models import Membership
from ..permissions import holds_role_somewhere
from ..selectors.structure import people_for_bulk

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


@register.simple_tag(takes_context=True)
def bulk_enabled(context) -> bool:
    """Whether the list shows checkboxes and the bulk bar: secretaries and admins only.
    Costs no query when the memberships were already read for the list's scope."""
    return holds_role_somewhere(context["request"].user, [Membership.Role.SECRETARY])


@register.simple_tag(takes_context=True)
def can_create_inspection(context) -> bool:
    """Secretaries (and admins) set up new inspections, for the organisations they run."""
    return holds_role_somewhere(context["request"].user, [Membership.Role.SECRETARY])


@register.inclusion_tag("rectification/_bulk_bar.html", takes_context=True)
def bulk_bar(context) -> dict:
    """The bulk action form (one query: the people the secretary may assign)."""
    request = context["request"]
    form = BulkForm(people=people_for_bulk(user=request.user), initial={"next": request.get_full_path()})
    return {"form": form, "csrf_token": context.get("csrf_token"), "request": request}
