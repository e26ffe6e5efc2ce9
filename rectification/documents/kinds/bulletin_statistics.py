"""The bulletin's statistics paragraph: 「截至…，区委巡察组反馈的N个问题中，已完成整改M个……
整改完成率X%。」, counted from the problems' measures by the rules stated with the dashboard's
(selectors/counting.py: ``problem_state``, ``is_finished``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ...models import Bulletin, Measure
from ...selectors.counting import is_finished, problem_state
from ..wording import format_date


@dataclass(frozen=True)
class Statistics:
    problems: int
    done: int
    basically_done: int
    in_progress: int
    not_started: int
    measures: int
    measures_done: int
    rules_made: int
    money_recovered: Decimal
    people_handled: int

    @property
    def completion_rate(self) -> int:
        """Done problems in whole percent, rounded half up (「整改完成率76%」)."""
        if not self.problems:
            return 0
        rate = Decimal(self.done * 100) / Decimal(self.problems)
        return int(rate.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute_statistics(problems: Iterable[Sequence[Measure]], *, acceptance: bool = False) -> Statistics:
    """``problems``: the measures of each top-level item (its sub-problems' included);
    ``acceptance``: the district's rule asks for 验收 (finished means accepted)."""
    states: dict[str, int] = {"done": 0, "basically_done": 0, "in_progress": 0, "not_started": 0}
    measures: list[Measure] = []
    for problem_measures in problems:
        states[problem_state(problem_measures, acceptance)] += 1
        measures += problem_measures
    return Statistics(
        problems=sum(states.values()),
        **states,
        measures=len(measures),
        measures_done=sum(1 for m in measures if is_finished(m, acceptance)),
        rules_made=sum(m.rules_made for m in measures),
        money_recovered=sum((m.money_recovered for m in measures), Decimal(0)),
        people_handled=sum(m.people_handled for m in measures),
    )


def _money(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _clause(value: object, template: str, absent: str | None, zero_counts: str) -> str | None:
    """One figure of the statistics: written, 「不存在……情况」 or left out when zero."""
    if value:
        return template.format(value)
    if zero_counts == Bulletin.ZeroCounts.WRITE:
        return template.format(value)
    if zero_counts == Bulletin.ZeroCounts.ABSENT:
        return absent
    return None


def _sentence(clauses: Iterable[str | None]) -> str:
    kept = [c for c in clauses if c]
    return "，".join(kept) + "。" if kept else ""


def statistics_text(stats: Statistics, *, deployed_by: str, as_of: dt.date, zero_counts: str) -> str:
    """「截至…，区委巡察组反馈的N个问题中，已完成整改M个……整改完成率X%。」"""
    if not stats.problems:
        return ""
    z = zero_counts
    states = _sentence(
        [
            f"截至{format_date(as_of)}，{deployed_by}巡察组反馈的{stats.problems}个问题中，已完成整改{stats.done}个",
            _clause(stats.basically_done, "基本完成整改{}个", None, z),
            _clause(stats.in_progress, "正在推进{}个", None, z),
            _clause(stats.not_started, "尚未启动{}个", "不存在整改未启动情况", z),
            f"整改完成率{stats.completion_rate}%",
        ]
    )
    measures = f"共制定整改措施{stats.measures}项，已完成{stats.measures_done}项。" if stats.measures else ""
    outcomes = [
        _clause(stats.rules_made, "建立完善制度{}项", None, z),
        _clause(_money(stats.money_recovered) if stats.money_recovered else 0, "挽回（追缴）资金{}万元", None, z),
        _clause(stats.people_handled, "处理{}人", "不存在需处理人员情况", z),
    ]
    outcome_text = _sentence(outcomes)
    if outcome_text and any(o and not o.startswith("不存在") for o in outcomes):
        outcome_text = "通过整改，" + outcome_text
    return states + measures + outcome_text
