"""When the documents handed upward (整改方案, 整改情况报告) are due: pure rules, no queries.

Everything counts from the inspection's feedback date (反馈日期), as districts write it:
the plan within ``plan_due_days`` calendar days (「反馈后 30 天内」), report n
``report_due_months[n - 1]`` calendar months after feedback (「2 个月后」; months as
workflow.add_months counts them, so 31 January + 1 month is 28/29 February).

Whose rules: an organisation follows the ReportingRules of the nearest organisation up its
tree, itself first (a district sets them once for every street and community below it;
a street may set its own), and without any the defaults of settings.RECTIFICATION
(PLAN_DUE_DAYS, REPORT_DUE_MONTHS). selectors/deadlines.py reads the rules; this module
only decides with what it is given.

A document is late when its due date has passed and it is not submitted: a draft, or one
returned for revision. Submitted and approved documents are never late, even if they went
in after the due date (the record of when is the SubmittedVersion's signed_at).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import UpwardDocument
from .workflow import add_months

logger = logging.getLogger(__name__)

Kind = UpwardDocument.Kind
State = UpwardDocument.State
# Not yet with the reviewer: the states in which a due date still counts.
NOT_SUBMITTED = (State.DRAFT, State.RETURNED)
# Sanity bounds of a rule (an administrator's typo should not schedule a report in 2525).
MAX_PLAN_DAYS = 366
MAX_REPORT_MONTHS = 120
MAX_REPORTS = 12


@dataclass(frozen=True)
class ReportingRule:
    """The rule an organisation follows, and whose it is (``set_by``: the short name of the
    organisation that set it, "" for the system's defaults)."""

    plan_due_days: int
    report_due_months: tuple[int, ...]
    set_by: str = ""
    set_by_id: int | None = None
    # 验收: "none", "street" or "district" (ReportingRules.AcceptanceLevel), the same rule's
    # other half: whether a supervisor accepts measures after the secretary's sign-off.
    acceptance_level: str = "none"


@dataclass(frozen=True)
class Due:
    """One document an inspection owes, and when."""

    kind: str
    sequence: int
    due_on: dt.date


def parse_report_months(value: str | Iterable[int]) -> tuple[int, ...]:
    """``"2"``, ``"1, 3"``, ``"1、3"`` or ``[1, 3]`` → ``(1, 3)``.

    Raises ValueError (with a message for the administrator) unless it is one or more whole
    numbers of months from 1 to MAX_REPORT_MONTHS, each later than the one before."""
    if isinstance(value, str):
        parts = [p for p in re.split(r"[\s,，、;；]+", value.strip()) if p]
    elif isinstance(value, Iterable):
        parts = list(value)
    else:
        raise ValueError(_("请填写报送整改情况报告的月数，如 2，或 1, 3。"))
    months: list[int] = []
    for part in parts:
        if isinstance(part, bool) or not (isinstance(part, int) or (isinstance(part, str) and part.isdigit())):
            raise ValueError(_("「{part}」不是整数月数。").format(part=part))
        months.append(int(part))
    if not months:
        raise ValueError(_("请至少填写一次整改情况报告的报送月数。"))
    if len(months) > MAX_REPORTS:
        raise ValueError(_("整改情况报告最多设 {n} 次。").format(n=MAX_REPORTS))
    if any(not 1 <= m <= MAX_REPORT_MONTHS for m in months):
        raise ValueError(_("报送月数须在 1 至 {n} 之间。").format(n=MAX_REPORT_MONTHS))
    if any(later <= earlier for earlier, later in zip(months, months[1:], strict=False)):
        raise ValueError(_("多次报告的月数须依次递增，如 1, 3。"))
    return tuple(months)


def check_plan_days(days: int) -> int:
    if not 1 <= days <= MAX_PLAN_DAYS:
        raise ValueError(_("整改方案报送期限须在 1 至 {n} 天之间。").format(n=MAX_PLAN_DAYS))
    return days


def default_rule() -> ReportingRule:
    """The system's rule, from settings (validated there when the process starts)."""
    config = settings.RECTIFICATION
    return ReportingRule(config["PLAN_DUE_DAYS"], tuple(config["REPORT_DUE_MONTHS"]))


def stored_rule(
    *, plan_due_days: int, report_due_months: object, set_by: str, set_by_id: int, acceptance_level: str = "none"
) -> ReportingRule:
    """A rule as a ReportingRules row holds it. The admin form validates what it saves; a
    row written some other way that does not parse falls back to the defaults' part it
    spoils, with a warning, rather than stop the daily sweep for the whole district."""
    default = default_rule()
    try:
        months = parse_report_months(report_due_months)  # type: ignore[arg-type]
    except ValueError:
        logger.warning("ReportingRules of organisation %s: bad report_due_months %r", set_by_id, report_due_months)
        months = default.report_due_months
    try:
        days = check_plan_days(int(plan_due_days))
    except (TypeError, ValueError):
        logger.warning("ReportingRules of organisation %s: bad plan_due_days %r", set_by_id, plan_due_days)
        days = default.plan_due_days
    return ReportingRule(days, months, set_by, set_by_id, acceptance_level)


def ancestor_ids(path: str) -> list[int]:
    """The organisation of materialised ``path`` ("/1/5/23/") and its ancestors, nearest
    first: [23, 5, 1]."""
    return [int(part) for part in reversed(path.strip("/").split("/")) if part]


def rule_for(path: str, rules: Mapping[int, ReportingRule], default: ReportingRule) -> ReportingRule:
    """The rule of the organisation at ``path``: the nearest organisation up the tree (itself
    first) with rules in ``rules`` (by organisation id), else ``default``."""
    return next((rules[pk] for pk in ancestor_ids(path) if pk in rules), default)


def due_dates(feedback_on: dt.date, rule: ReportingRule) -> list[Due]:
    """The documents an inspection owes under ``rule``: the plan, then each report."""
    plan = Due(Kind.PLAN, 1, feedback_on + dt.timedelta(days=rule.plan_due_days))
    reports = [
        Due(Kind.REPORT, n, add_months(feedback_on, months)) for n, months in enumerate(rule.report_due_months, 1)
    ]
    return [plan, *reports]


def late_q(today: dt.date, prefix: str = "") -> Q:
    """The lateness rule as a filter on UpwardDocument (through ``prefix``)."""
    return Q(**{f"{prefix}state__in": NOT_SUBMITTED, f"{prefix}due_on__lt": today})


def is_late(state: str, due_on: dt.date | None, today: dt.date) -> bool:
    """The same rule for one document."""
    return state in NOT_SUBMITTED and due_on is not None and due_on < today


@dataclass(frozen=True)
class Countdown:
    """What the dashboard says about one document: its state or the days left or late, and
    a tone for the page ("late", "soon", "waiting", "returned", "done" or "")."""

    text: str
    tone: str
    late_days: int | None = None


def countdown(state: str, due_on: dt.date | None, today: dt.date, *, soon_days: int = 7) -> Countdown:
    """「还剩 N 天」 / 「今天到期」 / 「已超期 N 天」 for a document not submitted; 「已报送，待审核」,
    「已退回，待修改」 (with the days late, once late) or 「已审核通过」 otherwise."""
    if state == State.APPROVED:
        return Countdown(_("已审核通过"), "done")
    if state == State.SUBMITTED:
        return Countdown(_("已报送，待审核"), "waiting")
    late = (today - due_on).days if due_on is not None and due_on < today else None
    if state == State.RETURNED:
        if late is not None:
            return Countdown(_("已退回，待修改 · 已超期 {n} 天").format(n=late), "late", late)
        return Countdown(_("已退回，待修改"), "returned")
    if due_on is None:
        return Countdown(_("不设报送期限"), "")
    if late is not None:
        return Countdown(_("已超期 {n} 天").format(n=late), "late", late)
    left = (due_on - today).days
    if left == 0:
        return Countdown(_("今天到期"), "soon")
    return Countdown(_("还剩 {n} 天").format(n=left), "soon" if left <= soon_days else "")


def rule_text(rule: ReportingRule) -> str:
    """「按福田区委规定：反馈后 30 天内报送整改方案，2 个月后报送整改情况报告」."""
    months = rule.report_due_months
    if len(months) == 1:
        reports = _("{m} 个月后报送整改情况报告").format(m=months[0])
    else:
        reports = _("{months} 个月后分别报送整改情况报告").format(months="、".join(str(m) for m in months))
    rule_part = _("反馈后 {days} 天内报送整改方案，{reports}").format(days=rule.plan_due_days, reports=reports)
    if rule.set_by:
        return _("按{organisation}规定：{rule}").format(organisation=rule.set_by, rule=rule_part)
    return _("按系统默认规定：{rule}").format(rule=rule_part)
