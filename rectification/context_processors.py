"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import cached_property

from .selectors.notifications import UNREAD_CAP, notification_unread_count
from .selectors.reviews import review_queue_count


class Bell:
    """The top bar's unread count; queried once, and only when a template shows it."""

    def __init__(self, user) -> None:
        self._user = user

    @cached_property
    def count(self) -> int:
        return notification_unread_count(user=self._user)

    @property
    def label(self) -> str:
        return f"{UNREAD_CAP - 1}+" if self.count >= UNREAD_CAP else str(self.count)


class ReviewCount:
    """How many documents await the supervisor's review (the 「报送审核」 link); queried
    once, and only when the navigation shows the link (supervisors). A view that has
    counted the same already (the queue, the to-do home) leaves the number on the request
    as ``review_queue_count``, and it is not counted twice."""

    def __init__(self, user, known: int | None = None) -> None:
        self._user = user
        self._known = known

    @cached_property
    def count(self) -> int:
        return self._known if self._known is not None else review_queue_count(user=self._user)


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"bell": Bell(user), "reviews": ReviewCount(user, getattr(request, "review_queue_count", None))}
