"""Reads for the notification bell, the notification list and the re-check list."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from ..models import Measure, Notification, ReCheck
from ..permissions import measure_scope

# The bell shows "99+" beyond this; counting stops there so the query stays cheap.
UNREAD_CAP = 100


def notification_unread_count(*, user) -> int:
    """Unread notifications of ``user``, counted up to UNREAD_CAP.

    Queries: 1 (an indexed COUNT over at most UNREAD_CAP rows)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).order_by()[:UNREAD_CAP].count()


def notification_list(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first; never anyone else's."""
    rows = Notification.objects.filter(recipient=user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def unread_notifications(*, user) -> QuerySet[Notification]:
    """The user's unread notifications, newest first: the to-do home's reminders and the
    notification list's ``unread=1`` view."""
    return notification_list(user=user, unread_only=True)


def recheck_list(*, user, state: str | None = None) -> QuerySet[ReCheck]:
    """Re-checks (回头看) of the measures the user may see; pending first, then by date."""
    rows = ReCheck.objects.filter(measure__in=Measure.objects.filter(measure_scope(user)))
    if state:
        rows = rows.filter(state=state)
    pending_first = Case(
        When(state=ReCheck.State.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return rows.select_related(
        "measure__finding__category__inspection__organisation", "measure__leader", "decided_by"
    ).order_by(pending_first, "due_on", "pk")
