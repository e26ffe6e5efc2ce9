"""The to-do home (待办): what waits for one person, most urgent first.

Each item counts rows with the very filter of the page it links to (the measure list's
MeasureFilter parameters, the sign-off queue's and the re-check list's querysets, the
notification list's unread filter), so a number and the list behind it cannot disagree.

Queries, whoever asks: the person's own measures counted (1) and the most urgent of them
(1), unread notifications counted (1) and the latest of them (1); someone who signs off
adds the sign-off queue (1), the extension requests (1), the due re-checks (1) and the
documents returned from above (1) and the 督办函 they must answer (1); a supervisor adds the
documents awaiting their review (1), the measures awaiting their acceptance (3: their
levels, the rules, the count) and the answered 督办函 they issued, to close (1); someone who
oversees measures (a secretary, a supervisor) adds the overdue measures per organisation (1). The memberships are read once per request by permissions.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from ..filters import MeasureFilter
from ..models import (
    Measure,
    Notification,
    ReCheck,
    UpwardDocument,
    UrgingLetter,
    due_within_q,
    overdue_q,
    sent_back_q,
    stale_q,
)
from ..permissions import Role, holds_role_somewhere, measure_scope, oversees_measures
from .acceptance import acceptance_queue_count
from .measures import due_soon_days, mark_deadlines, signoff_awaiting, signoff_extensions
from .notifications import recheck_list, unread_notifications
from .reviews import returned_documents, review_queue_count
from .urging import letters_awaiting_reply, replies_to_close

# How many of the person's own urgent measures, and of their unread notifications, the
# page names one by one (the counts cover all of them).
EXAMPLES = 8
LATEST_NOTIFICATIONS = 5

# The person's own measures (MeasureFilter's ``mine``), one item per rule, in the order of
# urgency; each is the list's parameters and the Q the list filters with.
OWN_RULES: tuple[tuple[str, Any, str], ...] = (
    ("overdue", _("我负责的超期措施"), "danger"),
    ("sent_back", _("被退回、需要重新整改的措施"), "warn"),
    ("due_soon", _("{days} 日内到期的措施"), "warn"),
    ("stale", _("长期未报送进展的措施"), "info"),
)


@dataclass
class TodoItem:
    """One line of the to-do home: how many, of what, and where it is done."""

    key: str
    label: str
    count: int
    route: str  # URL name of the page where it is done
    params: dict[str, Any] = field(default_factory=dict)  # that page's query string
    tone: str = ""  # danger (late), warn (needs an answer), info
    measures: list[Measure] = field(default_factory=list)  # the first few, most urgent first
    notifications: list[Notification] = field(default_factory=list)  # the latest few unread
    documents: list[UpwardDocument] = field(default_factory=list)  # documents handed upward, all of them
    letters: list[UrgingLetter] = field(default_factory=list)  # 督办函, all of them
    anchor: str = ""  # where on that page, when it shows several lists
    url: str = ""  # filled in by the view


@dataclass
class LateOrganisation:
    """An organisation the user oversees with measures past their deadline."""

    organisation_id: int
    name: str
    overdue: int
    params: dict[str, Any] = field(default_factory=dict)
    url: str = ""  # filled in by the view


@dataclass
class Todo:
    items: list[TodoItem]
    late_organisations: list[LateOrganisation]
    signs_off: bool  # offers the decisions' section even when it is empty
    oversees: bool
    awaiting_review: int | None = None  # a supervisor's review count, which the menu shows too

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)


def own_params(key: str) -> dict[str, Any]:
    """The measure list's parameters for one of OWN_RULES."""
    flag = {"overdue": {"overdue": "1"}, "sent_back": {"sent_back": "1"}, "stale": {"stale": "1"}}
    return {"mine": "1", **flag.get(key, {"due_within": str(due_soon_days())})}


def _own_rules(today: dt.date) -> dict[str, Q]:
    return {
        "overdue": overdue_q(today),
        "sent_back": sent_back_q(),
        "due_soon": due_within_q(today, due_soon_days()),
        "stale": stale_q(),
    }


def _own_items(user, today: dt.date) -> list[TodoItem]:
    """The person's own measures by rule (2 queries: the counts, the examples)."""
    mine = MeasureFilter({"mine": "1"}, queryset=Measure.objects.filter(measure_scope(user)), user=user, today=today)
    rules = _own_rules(today)
    counts = mine.qs.order_by().aggregate(**{key: Count("pk", filter=q) for key, q in rules.items()})
    flags = {f"todo_{key}": ExpressionWrapper(q, output_field=BooleanField()) for key, q in rules.items()}
    urgent = Q()
    for q in rules.values():
        urgent |= q
    examples = list(
        mine.qs.filter(urgent)
        .annotate(**flags)
        .select_related("finding")
        .order_by("due_on", "pk")[: EXAMPLES * len(rules)]
    )
    items = []
    for key, label, tone in OWN_RULES:
        rows = [m for m in examples if getattr(m, f"todo_{key}")][:EXAMPLES]
        mark_deadlines(rows, today)
        text = str(label).format(days=due_soon_days())
        items.append(TodoItem(key, text, counts[key] or 0, "rectification:measure_list", own_params(key), tone, rows))
    return items


def _decision_items(user) -> list[TodoItem]:
    """What waits for the secretary's decision (3 queries)."""
    return [
        TodoItem(
            "sign_off",
            str(_("提请销号、等待您审核的措施")),
            signoff_awaiting(user=user).count(),
            "rectification:signoff_queue",
            tone="warn",
        ),
        TodoItem(
            "extensions",
            str(_("等待您审批的延期申请")),
            signoff_extensions(user=user).count(),
            "rectification:signoff_queue",
            tone="warn",
            anchor="extensions",
        ),
        TodoItem(
            "rechecks",
            str(_("到期待核查的回头看")),
            recheck_list(user=user, state=ReCheck.State.PENDING).count(),
            "rectification:recheck_list",
            {"state": ReCheck.State.PENDING},
            tone="info",
        ),
        *documents_returned_from_above(user),
    ]


def documents_returned_from_above(user) -> list[TodoItem]:
    """Documents (整改方案, 整改情况报告) a supervisor returned to this secretary for
    revision (1 query). They are few: every one is named, each linking to its page, and the
    item leads to the first (the one due soonest)."""
    documents = returned_documents(user=user)
    if not documents:
        return []
    item = TodoItem(
        "returned_documents", str(_("被上级退回、需要修改后重新报送的文书")), len(documents), "", tone="warn"
    )
    item.documents = documents
    return [item]


def documents_awaiting_review(user) -> list[TodoItem]:
    """Documents submitted from below and changes asked of approved plans that wait for
    this supervisor's decision (1 query),
    counted as the review queue lists them."""
    return [
        TodoItem(
            "review_queue",
            str(_("报送上来、等待您审核的文书和方案调整")),
            review_queue_count(user=user),
            "rectification:review_queue",
            tone="warn",
        )
    ]


def _letters_item(key: str, label: str, letters: list[UrgingLetter], tone: str) -> list[TodoItem]:
    if not letters:
        return []
    item = TodoItem(key, label, len(letters), "", tone=tone)
    item.letters = letters
    return [item]


def letters_to_answer(user, today: dt.date) -> list[TodoItem]:
    """督办函 from above that this secretary must answer in writing (1 query); every one is
    named, the item leads to the one due first; late ones make it red."""
    letters = letters_awaiting_reply(user=user)
    for letter in letters:
        letter.late = letter.reply_due_on < today
    tone = "danger" if any(letter.late for letter in letters) else "warn"
    return _letters_item("urging_reply", str(_("上级督办函，等待您书面回复")), letters, tone)


def replies_to_read(user) -> list[TodoItem]:
    """Replies to the 督办函 this supervisor issued, to read and close (办结) (1 query)."""
    return _letters_item("urging_close", str(_("督办函已回复，等待您阅处办结")), replies_to_close(user=user), "info")


def measures_awaiting_acceptance(user) -> list[TodoItem]:
    """Signed-off measures awaiting this supervisor's acceptance (验收), counted as the
    acceptance queue lists them (2 queries: the district rules that matter, the count;
    the supervisor's levels are read once per request)."""
    return [
        TodoItem(
            "acceptance",
            str(_("已销号、等待您验收的措施")),
            acceptance_queue_count(user=user),
            "rectification:acceptance_queue",
            tone="warn",
        )
    ]


def _late_organisations(user, today: dt.date) -> list[LateOrganisation]:
    """Overdue measures per organisation the user oversees, the latest first (1 query).
    Counted with the list's ``organisation`` + ``overdue`` filters: the organisation itself,
    not its subtree, as the list's organisation filter selects."""
    organisation = "finding__category__inspection__organisation"
    rows = (
        Measure.objects.filter(measure_scope(user))
        .filter(overdue_q(today))
        .values(f"{organisation}_id", f"{organisation}__short_name")
        .annotate(n=Count("pk"))
        .order_by("-n", f"{organisation}__short_name")
    )
    return [
        LateOrganisation(
            row[f"{organisation}_id"],
            row[f"{organisation}__short_name"],
            row["n"],
            {"organisation": str(row[f"{organisation}_id"]), "overdue": "1"},
        )
        for row in rows
    ]


def todo_for(*, user, today: dt.date) -> Todo:
    """Everything the to-do home shows ``user`` (see the module docstring for the queries)."""
    items = _own_items(user, today)
    signs_off = holds_role_somewhere(user, [Role.SECRETARY])
    if signs_off:
        items[1:1] = letters_to_answer(user, today) + _decision_items(user)  # right after the overdue measures
    supervises = holds_role_somewhere(user, [Role.SUPERVISOR])
    review_items = documents_awaiting_review(user) if supervises else []
    supervising = measures_awaiting_acceptance(user) + replies_to_read(user) if supervises else []
    items[1:1] = review_items + supervising
    unread = unread_notifications(user=user)
    items.append(
        TodoItem(
            "notifications",
            str(_("未读通知与提醒")),
            unread.count(),
            "rectification:notifications",
            {"unread": "1"},
            tone="info",
            notifications=list(unread[:LATEST_NOTIFICATIONS]),
        )
    )
    oversees = oversees_measures(user)
    late = _late_organisations(user, today) if oversees else []
    return Todo(
        awaiting_review=review_items[0].count if review_items else None,
        items=[item for item in items if item.count],
        late_organisations=late,
        signs_off=signs_off,
        oversees=oversees,
    )
