"""Plausible dates: the span a deadline, an inspection date or an imported date may fall in.

A deadline of 1800-01-01 (a typo, or a negative Excel date serial shown as 1899-12-25)
would make a measure centuries overdue, and the daily sweep would climb the whole
reminder ladder for it at once; 9999-12-31 would hide a measure from every overdue list.
Pure: no queries."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

# The same span the ledger accepts for Excel date serials (36526 … 73415).
FIRST = dt.date(2000, 1, 1)
LAST = dt.date(2100, 12, 31)


def implausible_date_message(day: dt.date) -> str | None:
    """A clear message when ``day`` lies outside the plausible span, else None."""
    if FIRST <= day <= LAST:
        return None
    return _("日期 {day} 不合理（应在 {first} 年至 {last} 年之间），请检查是否输入有误。").format(
        day=f"{day:%Y-%m-%d}" if day.year >= 1000 else day.isoformat(), first=FIRST.year, last=LAST.year
    )
