"""Reads for public disclosure's feedback side: the contact and comment window of a bulletin
(联系方式与意见征集), the register of comments (意见建议登记簿) and its counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import override

from ..ledger.comments import CommentRow
from ..models import Bulletin, Organisation, PublicComment
from .counting import comment_count_rules

_CONTACT = ("contact_phone", "contact_hours", "contact_address", "contact_email")


@dataclass(frozen=True)
class ContactWindow:
    phone: str = ""
    hours: str = ""
    address: str = ""
    email: str = ""
    comment_until: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.phone or self.address or self.email or self.comment_until)

    def open_on(self, day: dt.date) -> bool:
        """Whether the public page takes comments on ``day`` (the deadline day included)."""
        return self.comment_until is not None and day <= self.comment_until


def contact_window(*, bulletin: Bulletin, organisation: Organisation) -> ContactWindow:
    """The bulletin's own contact fields, each empty one taking the organisation's; the
    deadline is the bulletin's only (an organisation has no standing deadline). Pure."""
    values = {f: (getattr(bulletin, f) or getattr(organisation, f) or "").strip() for f in _CONTACT}
    return ContactWindow(
        phone=values["contact_phone"],
        hours=values["contact_hours"],
        address=values["contact_address"],
        email=values["contact_email"],
        comment_until=bulletin.comment_until,
    )


@dataclass
class CommentCounts:
    """The register's figures (counting rules: ``counting.COMMENT_RULES``)."""

    received: int = 0
    answered: int = 0
    open: int = 0


def comment_counts(*, organisation_ids: list[int]) -> dict[int, CommentCounts]:
    """The register's counts per organisation (missing: none received).

    Queries: 1 whatever the number of organisations or comments."""
    rules = comment_count_rules()
    rows = (
        PublicComment.objects.filter(organisation_id__in=organisation_ids)
        .values("organisation_id")
        .annotate(received=Count("pk"), **{k: Count("pk", filter=q) for k, q in rules.items()})
        .order_by()
    )
    return {
        r["organisation_id"]: CommentCounts(received=r["received"], answered=r["answered"], open=r["open"])
        for r in rows
    }


def comment_register(*, organisation_ids: list[int], state: str = "") -> QuerySet[PublicComment]:
    """The register of the given organisations, newest first, optionally only ``open`` or
    ``answered`` ones (the same rules as the counts), with the people named on each row.

    Queries: 1."""
    comments = PublicComment.objects.filter(organisation_id__in=organisation_ids)
    rules = comment_count_rules()
    if state in rules:
        comments = comments.filter(rules[state])
    return comments.select_related("organisation", "bulletin__inspection", "assignee", "answered_by", "closed_by")


def comment_export_rows(*, organisation_id: int) -> list[CommentRow]:
    """The organisation's register as rows of the ledger's 意见建议登记簿 sheet, oldest first.

    Queries: 1."""
    comments = comment_register(organisation_ids=[organisation_id]).order_by("received_at", "pk")
    with override("zh-hans"):  # the workbook is Chinese, as the whole ledger
        return _rows(comments)


def _rows(comments) -> list[CommentRow]:
    return [
        CommentRow(
            received_at=timezone.localtime(c.received_at),
            channel=c.get_channel_display(),
            name=c.name,
            contact=c.contact,
            body=c.body,
            assignee=(c.assignee.first_name or c.assignee.username) if c.assignee else "",
            answer=c.answer,
            answered_at=timezone.localtime(c.answered_at) if c.answered_at else None,
            state=c.state_label,
        )
        for c in comments
    ]
