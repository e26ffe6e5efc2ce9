"""The counting rules of the dashboard and the roll-up, in one place.

Each rule is a Q built from the same rules the measure list filters with (``overdue_q``,
``due_within_q`` in models.py), so a number and the list behind it cannot disagree. The
roll-up counts with them in SQL (``count_expressions``); the dashboard has the database
evaluate them per measure and adds them up (``Counts.add``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..models import (
    MeasureKind,
    MeasureStatus,
    MoneyKind,
    MoneyRecord,
    Recurrence,
    RuleKind,
    RuleRecord,
    TreatmentKind,
    TreatmentRecord,
    accepted_q,
    due_within_q,
    overdue_q,
    stale_q,
)

# The counting rules, stated on the page and in the export.
COUNTING_RULES = [
    _("超期：设有完成时限、时限已过且尚未销号的措施（待销号的也算，直到书记销号）。"),
    _("长期坚持的措施不设完成时限，从不计为超期；长期未报送进展的，标注“长期未更新”。"),
    _("延期的措施按延期后的现时限计算是否超期、是否即将到期，并标注原定时限。"),
    _("即将到期：尚未销号、完成时限在今天起 {days} 日内（含当天）的措施。"),
    _("完成率：已销号的措施 ÷ 设有完成时限的措施；长期坚持的措施不计入。"),
    _(
        "已验收：区里规定书记销号后须经上级（街道或区委巡察办）验收的，已销号且本次销号已经上级验收通过的措施；"
        "验收退回的措施重新整改，不再计为已销号；重新销号的，须再次验收。未规定验收的，销号即为完成，不显示已验收。"
    ),
    _("整改事项按最末一级计数，事项下全部措施均已销号即为已完成。"),
    _(
        "通报统计的问题（整改事项）：全部措施均已完成（规定验收的须已验收）的，计为已完成整改；"
        "其余措施都已办完、只待书记销号或上级验收的，计为基本完成整改；已有措施启动的，计为正在推进"
        "（推进中的长期坚持措施也在此列，直到销号）；措施均未启动的，计为尚未启动。"
    ),
    _("一项措施有多名责任人的，在每名责任人名下各计一次。"),
    _("点击任一数字，打开的措施列表就是计入这个数字的那些措施。"),
    _(
        "群众意见建议：收到数为登记簿中本党组织的全部意见建议（网页留言和书记登记的电话、信件、邮件、来访）；"
        "已答复为已记录答复的；未办结为尚未办结的（已答复但未办结的也算）。"
    ),
    _(
        "按期完成率：在原定时限（延期前的时限）当天或之前完成并销号的措施 ÷ 设有完成时限的措施；"
        "延期后才完成的、尚未完成的都不算按期完成，长期坚持的措施不计入。"
    ),
    _("立行立改、限期整改、长期坚持：按措施的整改类型分别计数。"),
    _(
        "建章立制：制度登记中每项制度计一次，新建、修订分别计数；由原有数字迁移、未区分新建或修订的计入“未分类”，"
        "只计入合计。"
    ),
    _(
        "处理人数：按处理方式分别合计登记的人数，不列姓名；资金：按清退、追回、挽回经济损失分别合计，以万元计，保留两位小数。"
    ),
    _(
        "回头看：“回头看”带入的前一轮问题，经查反弹或重复发生的，在“回头看”这一轮计入“发现反弹/重复”，"
        "在前一轮计入“本轮问题反弹/重复”。"
    ),
    _(
        "报送期限：整改方案、整改情况报告自巡察反馈日期起算，按本党组织或最近的上级党组织规定的期限"
        "（均未规定的按系统默认）；期限已过仍未报送（草稿或被退回修改）的计为超期，已报送的不再计为超期。"
    ),
]

DONE = MeasureStatus.DONE
OPEN_STATUSES = [MeasureStatus.NOT_STARTED, MeasureStatus.IN_PROGRESS, MeasureStatus.AWAITING_SIGN_OFF]


def is_finished(measure, acceptance: bool) -> bool:
    """Finished as the district's rule says: signed off (已销号), and where the rule asks
    for 验收 also accepted (``is_accepted``, annotated by the selector)."""
    return measure.status == DONE and (not acceptance or bool(getattr(measure, "is_accepted", False)))


def problem_state(measures, acceptance: bool = False) -> str:
    """The bulletin's state of a problem (COUNTING_RULES above): ``done`` when every
    measure is finished; ``basically_done`` when all that is left is the secretary's
    sign-off or the supervisor's acceptance; ``in_progress`` when any measure has started
    (an ongoing 长期坚持 measure 推进中 included: readers of a bulletin read 基本完成 as
    "only the formalities are left"); ``not_started`` otherwise."""
    statuses = [m.status for m in measures]
    if statuses and all(is_finished(m, acceptance) for m in measures):
        return "done"
    if statuses and all(s in (DONE, MeasureStatus.AWAITING_SIGN_OFF) for s in statuses):
        return "basically_done"
    if any(s != MeasureStatus.NOT_STARTED for s in statuses):
        return "in_progress"
    return "not_started"


def count_rules(today: dt.date, due_soon_days: int) -> dict[str, Q]:
    """The counting rules of every table, one Q per count (``total`` counts every row).

    The roll-up counts with them in SQL (``Count(filter=…)``); the dashboard has the
    database evaluate them per measure and adds them up in Python (see ``_facts``)."""
    ongoing = Q(kind=MeasureKind.ONGOING)
    extended = Q(original_due_on__isnull=False, due_on__isnull=False) & ~Q(original_due_on=F("due_on"))
    return {
        "done": Q(status=DONE),
        "accepted": accepted_q(),
        "awaiting": Q(status=MeasureStatus.AWAITING_SIGN_OFF),
        "in_progress": Q(status=MeasureStatus.IN_PROGRESS),
        "not_started": Q(status=MeasureStatus.NOT_STARTED),
        "overdue": overdue_q(today),
        "due_soon": due_within_q(today, due_soon_days),
        "ongoing": ongoing,
        "bounded": ~ongoing,
        "bounded_done": ~ongoing & Q(status=DONE),
        "on_time": on_time_q(),
        "immediate": Q(kind=MeasureKind.IMMEDIATE),
        "time_bound": Q(kind=MeasureKind.TIME_BOUND),
        "extended": extended,
        # Flagged by the daily sweep: ongoing, open, no progress for STALE_AFTER_DAYS.
        "stale": stale_q(),
    }


def comment_count_rules() -> dict[str, Q]:
    """The register of comments (意见建议登记簿): ``received`` counts every row; answered
    once an answer is recorded; open until closed (answered but not closed is still open).
    Each count's list is the register filtered by the same Q (selectors.comments)."""
    return {"answered": Q(answered_at__isnull=False), "open": Q(closed_at__isnull=True)}


def on_time_q() -> Q:
    """按期完成: has a deadline, signed off, completed on or before the original deadline
    (the one before any extension; ``due_on`` where none was recorded)."""
    original = Coalesce("original_due_on", "due_on")
    return ~Q(kind=MeasureKind.ONGOING) & Q(status=DONE, completed_on__isnull=False, completed_on__lte=original)


def count_expressions(today: dt.date, due_soon_days: int, names: Iterable[str] | None = None) -> dict[str, Count]:
    """The counting rules as conditional counts, for a grouped query; only ``names`` when
    given (what a table does not show costs the database for nothing)."""
    rules = count_rules(today, due_soon_days)
    wanted = set(rules) if names is None else set(names)
    return {"total": Count("pk"), **{key: Count("pk", filter=q) for key, q in rules.items() if key in wanted}}


# What the district statistics count of measures (selectors/statistics.py).
STATISTICS_COUNTS = (
    "done",
    "overdue",
    "ongoing",
    "bounded",
    "bounded_done",
    "on_time",
    "immediate",
    "time_bound",
    "extended",
)


@dataclass
class Counts:
    """Counts of one group of measures (an inspection, a category, a leader, a person)."""

    total: int = 0
    done: int = 0
    accepted: int = 0
    awaiting: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    due_soon: int = 0
    ongoing: int = 0
    bounded: int = 0
    bounded_done: int = 0
    on_time: int = 0
    immediate: int = 0
    time_bound: int = 0
    extended: int = 0
    stale: int = 0

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Counts:
        return cls(**{name: row.get(name) or 0 for name in cls.__dataclass_fields__})

    def add(self, rules: list[str]) -> None:
        """Count one measure that satisfies ``rules`` (names of ``count_rules``)."""
        self.total += 1
        for name in rules:
            setattr(self, name, getattr(self, name) + 1)

    @property
    def open(self) -> int:
        return self.total - self.done

    @property
    def open_on_time(self) -> int:
        """Not done and not overdue: the middle segment of the stacked bars."""
        return self.total - self.done - self.overdue

    @property
    def rate(self) -> float | None:
        """Completion rate in percent: signed-off measures among those with a deadline.

        Ongoing (长期坚持) measures never finish, so they are left out; None when there
        is nothing with a deadline."""
        if not self.bounded:
            return None
        return round(self.bounded_done * 100 / self.bounded, 1)

    @property
    def on_time_rate(self) -> float | None:
        """按期完成率 in percent: measures done by their original deadline among those with a
        deadline; None when there is nothing with a deadline."""
        if not self.bounded:
            return None
        return round(self.on_time * 100 / self.bounded, 1)


# --- outcome registers: rules, people dealt with, money ---------------------------------

ZERO = Decimal("0.00")
RULE_FIGURES: dict[str, Q] = {
    "rules_made": Q(kind=RuleKind.MADE),
    "rules_revised": Q(kind=RuleKind.REVISED),
    "rules_total": Q(),
}


def outcome_expressions() -> dict[str, dict[str, Any]]:
    """The registers' figures as conditional aggregates, per register (``outcome_registers``):
    ``rules_made``, ``rules_revised``, ``rules_total`` over the rules; ``people_<treatment
    kind>``, ``people_total`` over the treatments; ``money_<money kind>``, ``money_total`` over
    the money. Each register is aggregated in a query of its own (joined, they would multiply)."""
    return {
        "rules": {k: Count("pk", filter=q) for k, q in RULE_FIGURES.items()},
        "treatments": {
            **{f"people_{k}": Sum("count", filter=Q(kind=k)) for k in TreatmentKind.values},
            "people_total": Sum("count"),
        },
        "money": {
            **{f"money_{k}": Sum("amount", filter=Q(kind=k)) for k in MoneyKind.values},
            "money_total": Sum("amount"),
        },
    }


def outcome_registers() -> dict[str, type]:
    return {"rules": RuleRecord, "treatments": TreatmentRecord, "money": MoneyRecord}


def measure_outcome_annotations() -> dict[str, Any]:
    """Per measure, the three figures the documents print (「建立完善制度N项」, 处理N人, 资金N万元):
    every rule counted (made, revised or unspecified), every person, every amount. Correlated
    subqueries, so they add no query to the selector that annotates them."""

    def total(model: type, value: Any, output: Any) -> Coalesce:
        rows = model.objects.filter(measure=OuterRef("pk")).order_by().values("measure")
        return Coalesce(Subquery(rows.annotate(v=value).values("v")[:1]), Value(0), output_field=output)

    money = DecimalField(max_digits=14, decimal_places=2)
    return {
        "rules_made": total(RuleRecord, Count("pk"), IntegerField()),
        "people_handled": total(TreatmentRecord, Sum("count"), IntegerField()),
        "money_recovered": total(MoneyRecord, Sum("amount"), money),
    }


# --- rounds and 回头看: over problems (findings) ------------------------------------------

# A problem counts once, at its lowest level (整改事项按最末一级计数): a finding without
# sub-problems. The join to the sub-problems is why every count below is distinct.
LEAF = Q(subfindings__isnull=True)
RECURRENCE_RULES: dict[str, Q] = {
    "carried": Q(carried_from__isnull=False),  # brought in from the earlier round
    "carried_open": Q(carried_from__isnull=False, carried_done=False),  # … not done there then
    "found_rebound": Q(recurrence=Recurrence.REBOUND),  # the 回头看 found it back
    "found_repeat": Q(recurrence=Recurrence.REPEAT),  # … or happening again
}
# Over the later round's copies, counted in the earlier round (grouped by ``carried_from``).
RECURRENCE_LATER_RULES: dict[str, Q] = {
    "rebounded_later": Q(recurrence=Recurrence.REBOUND),
    "repeated_later": Q(recurrence=Recurrence.REPEAT),
}


def recurrence_found_expressions() -> dict[str, Count]:
    """Over a round's own problems: ``problems`` and ``RECURRENCE_RULES``, leaves only."""
    return {
        "problems": Count("pk", filter=LEAF, distinct=True),
        **{k: Count("pk", filter=LEAF & q, distinct=True) for k, q in RECURRENCE_RULES.items()},
    }


def recurrence_later_expressions() -> dict[str, Count]:
    """Over the copies a later 回头看 made of a round's problems (``RECURRENCE_LATER_RULES``)."""
    return {k: Count("pk", filter=LEAF & q, distinct=True) for k, q in RECURRENCE_LATER_RULES.items()}
