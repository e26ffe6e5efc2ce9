"""The colour warning of urging from above (预警): a pure rule from a deadline and a day.

Green from ``URGE_GREEN_DAYS`` days before the deadline, yellow from ``URGE_YELLOW_DAYS``
days before it (the deadline day included), red once it has passed; nothing earlier, for
a measure without a deadline (长期坚持) or one signed off. The day counts are settings
(settings.RECTIFICATION); callers may pass their own for a test or a preview.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q

GREEN, YELLOW, RED = "green", "yellow", "red"
COLOURS = (GREEN, YELLOW, RED)


def urge_days() -> tuple[int, int]:
    """(green, yellow) day counts from the settings."""
    rules = settings.RECTIFICATION
    return rules["URGE_GREEN_DAYS"], rules["URGE_YELLOW_DAYS"]


def urge_colour(
    due_on: dt.date | None, today: dt.date, *, done: bool = False, days: tuple[int, int] | None = None
) -> str | None:
    """The colour of an open deadline on ``today`` (None: no warning)."""
    if due_on is None or done:
        return None
    green, yellow = days or urge_days()
    left = (due_on - today).days
    if left < 0:
        return RED
    if left <= yellow:
        return YELLOW
    if left <= green:
        return GREEN
    return None


def urge_colour_q(colour: str, today: dt.date, *, prefix: str = "", days: tuple[int, int] | None = None) -> Q:
    """The same rule as a filter on Measure (``prefix`` to reach it through a relation), for
    choosing the measures of one colour in a query. Done measures never match."""
    if colour not in COLOURS:
        raise ValueError(f"unknown colour {colour!r}")
    green, yellow = days or urge_days()
    due = f"{prefix}due_on"
    open_q = ~Q(**{f"{prefix}status": "done"}) & Q(**{f"{due}__isnull": False})
    if colour == RED:
        return open_q & Q(**{f"{due}__lt": today})
    if colour == YELLOW:
        return open_q & Q(**{f"{due}__gte": today, f"{due}__lte": today + dt.timedelta(days=yellow)})
    return open_q & Q(
        **{f"{due}__gt": today + dt.timedelta(days=yellow), f"{due}__lte": today + dt.timedelta(days=green)}
    )
