"""What kinds of notification there are, how each is named, and where each leads.

Apart from notifications.py (which creates them) because the outbox's channels need the
names and links too, and notifications.py needs the outbox.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy

from ..models import Notification


class Kind:
    """Notification kinds used by this app (the column is free text, so others may add)."""

    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    STALE = "stale"
    RECHECK = "recheck"
    REOPENED = "reopened"
    DIGEST = "digest"
    SUBMITTED = "submitted"
    SIGNED_OFF = "signed_off"
    SENT_BACK = "sent_back"
    EXTENSION = "extension"
    DOCUMENT_DUE_SOON = "document_due_soon"
    DOCUMENT_OVERDUE = "document_overdue"
    SUMMARY = "summary"  # one per person and sweep, when the sweep had several notices for them
    # Documents handed upward; the key is "<kind>:<document id>:<version number>".
    UPWARD_SUBMITTED = "upward_submitted"
    UPWARD_RETURNED = "upward_returned"
    UPWARD_APPROVED = "upward_approved"
    # Changes to an approved plan (方案调整); the key is "<kind>:<plan id>:<change id>".
    PLAN_CHANGE_REQUESTED = "plan_change_requested"
    PLAN_CHANGE_DECIDED = "plan_change_decided"
    # The bulletin's review before publication; the key is "<kind>:<review id>".
    BULLETIN_SUBMITTED = "bulletin_review_submitted"
    BULLETIN_RETURNED = "bulletin_review_returned"
    BULLETIN_APPROVED = "bulletin_review_approved"
    # Urging from above (督办); the key is "<kind>:<letter id>".
    URGING_ISSUED = "urging_issued"
    URGING_REPLIED = "urging_replied"
    # The acceptance's conclusion (整改验收意见); the key is "<kind>:<inspection id>:<round>".
    ACCEPTANCE_OPINION = "acceptance_opinion"


KIND_LABELS = {
    Kind.DUE_SOON: gettext_lazy("临期提醒"),
    Kind.OVERDUE: gettext_lazy("超期提醒"),
    Kind.ESCALATION: gettext_lazy("督办升级"),
    Kind.STALE: gettext_lazy("长期未更新"),
    Kind.RECHECK: gettext_lazy("回头看"),
    Kind.REOPENED: gettext_lazy("重新整改"),
    Kind.DIGEST: gettext_lazy("每周汇总"),
    Kind.SUBMITTED: gettext_lazy("提请销号"),
    Kind.SIGNED_OFF: gettext_lazy("已销号"),
    Kind.SENT_BACK: gettext_lazy("退回"),
    Kind.EXTENSION: gettext_lazy("延期"),
    Kind.DOCUMENT_DUE_SOON: gettext_lazy("报送临期"),
    Kind.DOCUMENT_OVERDUE: gettext_lazy("报送超期"),
    Kind.SUMMARY: gettext_lazy("提醒汇总"),
    Kind.UPWARD_SUBMITTED: gettext_lazy("文书报送"),
    Kind.UPWARD_RETURNED: gettext_lazy("文书退回"),
    Kind.UPWARD_APPROVED: gettext_lazy("文书审核通过"),
    Kind.PLAN_CHANGE_REQUESTED: gettext_lazy("方案调整申请"),
    Kind.PLAN_CHANGE_DECIDED: gettext_lazy("方案调整审批"),
    Kind.BULLETIN_SUBMITTED: gettext_lazy("通报报审"),
    Kind.BULLETIN_RETURNED: gettext_lazy("通报退回"),
    Kind.BULLETIN_APPROVED: gettext_lazy("通报审核通过"),
    Kind.URGING_ISSUED: gettext_lazy("督办函"),
    Kind.URGING_REPLIED: gettext_lazy("督办回复"),
    Kind.ACCEPTANCE_OPINION: gettext_lazy("整改验收意见"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


# Where a notification about several measures leads, by kind: a view and its query.
_LIST_LINKS = {
    Kind.OVERDUE: ("rectification:measure_list", "?mine=1&overdue=1"),
    Kind.SUMMARY: ("rectification:home", ""),  # the to-do home lists what the notices were about
}
# Notices about a document handed upward lead to its page, named by the key; those about
# a change to an approved plan to the plan's page, where its changes are listed.
_REVIEW_KINDS = {
    Kind.UPWARD_SUBMITTED,
    Kind.UPWARD_RETURNED,
    Kind.UPWARD_APPROVED,
    Kind.PLAN_CHANGE_REQUESTED,
    Kind.PLAN_CHANGE_DECIDED,
}
_PLAN_CHANGE_KINDS = {Kind.PLAN_CHANGE_REQUESTED, Kind.PLAN_CHANGE_DECIDED}
# Notices about the bulletin's review lead to the submission's page.
_BULLETIN_KINDS = {Kind.BULLETIN_SUBMITTED, Kind.BULLETIN_RETURNED, Kind.BULLETIN_APPROVED}


def notification_path(notification: Notification) -> str:
    """The page a notification leads to: its measure's, or for a notice about several
    measures (the weekly overdue reminder) the list of them; "" when there is none."""
    if notification.measure_id:
        return reverse("rectification:measure_detail", args=[notification.measure_id])
    if notification.kind in _DOCUMENT_KINDS:
        return _document_path(notification.key)
    if notification.kind in _BULLETIN_KINDS:
        review_id = notification.key.split(":")[1] if ":" in notification.key else ""
        return reverse("rectification:bulletin_review", args=[int(review_id)]) if review_id.isdigit() else ""
    if notification.kind in (Kind.URGING_ISSUED, Kind.URGING_REPLIED):
        return reverse("rectification:urging_letter", args=[int(notification.key.split(":")[1])])
    if notification.kind == Kind.ACCEPTANCE_OPINION:
        return reverse("rectification:acceptance_opinion", args=[int(notification.key.split(":")[1])])
    if notification.kind in _REVIEW_KINDS:
        path = reverse("rectification:upward_document", args=[int(notification.key.split(":")[1])])
        return path + "#changes" if notification.kind in _PLAN_CHANGE_KINDS else path
    view, query = _LIST_LINKS.get(notification.kind, ("", ""))
    return reverse(view) + query if view else ""


# A document's reminders lead to its inspection's dashboard, where its countdown is; their
# key is "<kind>:<inspection id>:<document>:<due date>" (services/document_deadlines.py).
_DOCUMENT_KINDS = {Kind.DOCUMENT_DUE_SOON, Kind.DOCUMENT_OVERDUE}


def _document_path(key: str) -> str:
    parts = key.split(":")
    if len(parts) < 2 or not parts[1].isdigit():
        return ""
    return reverse("rectification:dashboard") + f"?inspection={parts[1]}#documents"


def notification_url(notification: Notification) -> str:
    """The absolute link a message outside the app carries (e-mail, robot, work message):
    the notification's page, else the notification list; "" without SITE_URL."""
    if not settings.SITE_URL:
        return ""
    try:
        return settings.SITE_URL + (notification_path(notification) or reverse("rectification:notifications"))
    except NoReverseMatch:
        return settings.SITE_URL
