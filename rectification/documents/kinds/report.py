"""The report on the rectification (整改情况报告; the later ones 整改进展情况报告): internal,
never public, so it names each problem in its internal wording.

Structure: title, opening, 一、整改工作开展情况 (written), 二、反馈问题整改落实情况
(generated: per category and problem, what was done = the measures' progress, and their
status), 三、整改成效 (the dashboard's figures, counted by the dashboard's rules: see
selectors.upward.dashboard_figures_of), 四、尚未完成的整改任务及原因 (generated list of the
open measures, then the written reasons), 五、下一步工作打算 (written), 附件说明, signature,
attestation; 附件 整改台账 (landscape).

``build_report`` reads only what ``selectors.upward.upward_source`` loaded; no query.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ...models import MeasureKind, MeasureStatus
from ...selectors.upward import UpwardSource
from ..model import (
    HEADING_ROLES,
    Annex,
    Attestation,
    Block,
    Cell,
    Column,
    Document,
    Heading,
    Paragraph,
    Run,
    Table,
    Title,
)
from ..numbering import category_number, item_number, ordinal_list
from ..wording import format_date, full_stop, one_line
from .upward_parts import (
    STATUS_TEXT,
    Problem,
    deadline_text,
    inspection_sentence,
    narrative,
    owners_text,
    plain_paragraph,
    problems,
    sections,
    signature,
    title_lines,
)

LEDGER_TITLE = "巡察整改台账"


def default_title(source: UpwardSource) -> str:
    return "关于巡察整改情况的报告" if source.document.sequence <= 1 else "关于巡察整改进展情况的报告"


def default_opening(source: UpwardSource) -> str:
    progress = "" if source.document.sequence <= 1 else "进展"
    return (
        f"根据{source.inspection.deployed_by}巡察工作统一部署，{inspection_sentence(source)}。"
        f"{source.organisation.short_name}把巡察整改作为重要政治任务，对照反馈问题逐项制定整改措施，压实整改责任，"
        f"推动整改落实。现将巡察整改{progress}情况报告如下："
    )


def _status(source: UpwardSource, measure) -> str:
    """「已完成」「推进中，已超期」: the status, and the dashboard's overdue rule."""
    late = "overdue" in source.figures.rules.get(measure.pk, [])
    return STATUS_TEXT.get(measure.status, measure.status) + ("，已超期" if late else "")


# ---------------------------------------------------------------------------- 二、反馈问题整改落实情况


def _measure_sentence(source: UpwardSource, measure) -> str:
    title = one_line(measure.title).rstrip("。；;，,")
    return f"{title}（{_status(source, measure)}）。" + full_stop(one_line(measure.progress))


def _problem_blocks(source: UpwardSource, n: int, problem: Problem) -> list[Block]:
    measures = problem.measures
    if not measures:
        state = "尚未制定整改措施。"
    elif all(m.status == MeasureStatus.DONE for m in measures):
        state = "该问题已完成整改。"  # the dashboard's rule for a done item
    else:
        state = "该问题正在整改中。"
    done = ordinal_list([_measure_sentence(source, m) for m in measures])
    body = f"存在问题：{full_stop(problem.text)}" + (f"整改落实情况：{done}" if done else "") + state
    lead = Run(item_number(n) + full_stop(one_line(problem.finding.heading)), role=HEADING_ROLES[3])
    return [Paragraph((lead, Run(body)), kind="item")]


def _findings_blocks(source: UpwardSource) -> list[Block]:
    listed = list(problems(source))
    blocks: list[Block] = []
    for position, category in enumerate((c for c in source.categories if any(p.category is c for p in listed)), 1):
        blocks.append(Heading(2, category_number(position), one_line(category.title)))
        mine = [p for p in listed if p.category is category]
        for n, problem in enumerate(mine, start=1):
            blocks += _problem_blocks(source, n, problem)
    return blocks or [plain_paragraph("本次巡察未反馈具体问题。")]


# ---------------------------------------------------------------------------- 三、整改成效


def _money(value: Decimal) -> str:
    return f"{value.normalize():f}"


def outcome_text(source: UpwardSource) -> str:
    """The dashboard's figures as of the report's date (the same numbers the secretary's
    dashboard shows that day), then the outcomes recorded on the measures."""
    figures = source.figures
    counts, items = figures.counts, figures.items
    text = (
        f"截至{format_date(figures.today)}，{source.inspection.team}反馈的{items.total}个问题中，"
        f"已完成整改{items.done}个，正在整改{items.total - items.done}个。"
        f"共制定整改措施{counts.total}项，已完成（销号）{counts.done}项，待销号{counts.awaiting}项，"
        f"推进中{counts.in_progress}项，未启动{counts.not_started}项；其中长期坚持{counts.ongoing}项，"
        f"超期未完成{counts.overdue}项。"
    )
    if counts.rate is not None:
        text += f"设有完成时限的整改措施完成率为{counts.rate:g}%。"
    measures = [m for p in problems(source) for m in p.measures]
    rules = sum(m.rules_made for m in measures)
    money = sum((m.money_recovered for m in measures), Decimal(0))
    people = sum(m.people_handled for m in measures)
    outcomes = [
        f"建立完善制度{rules}项" if rules else "",
        f"挽回（追缴）资金{_money(money)}万元" if money else "",
        f"处理{people}人" if people else "",
    ]
    if any(outcomes):
        text += "通过整改，" + "，".join(o for o in outcomes if o) + "。"
    return text


# ---------------------------------------------------------------------------- 四、尚未完成的整改任务及原因


def _unfinished_blocks(source: UpwardSource) -> list[Block]:
    open_measures = [
        (p, m) for p in problems(source) for m in p.measures if m.status != MeasureStatus.DONE
    ]  # the dashboard's "open": every measure not signed off
    if not open_measures:
        blocks: list[Block] = [plain_paragraph("反馈问题的整改措施已全部完成销号。")]
    else:
        ongoing = sum(1 for _p, m in open_measures if m.kind == MeasureKind.ONGOING)
        lead = f"目前尚有{len(open_measures)}项整改措施未完成销号" + (
            f"，其中长期坚持{ongoing}项需持续推进" if ongoing else ""
        )
        blocks = [plain_paragraph(lead + "，具体如下：")]
        for n, (problem, measure) in enumerate(open_measures, start=1):
            deadline = deadline_text(measure)
            when = deadline if deadline == "长期坚持" else f"完成时限{deadline}"
            blocks.append(
                plain_paragraph(
                    f"{item_number(n)}{one_line(measure.title).rstrip('。；;，,')}"
                    f"（{one_line(problem.finding.heading)}；{when}；{_status(source, measure)}）。",
                    "unfinished",
                )
            )
    return blocks + narrative(source, "unfinished_reasons")


# ---------------------------------------------------------------------------- the annex


def ledger_table(source: UpwardSource) -> Table:
    """整改台账: every measure with its problem, people, deadline and status."""
    rows: list[tuple[Cell, ...]] = []
    for problem in problems(source):
        measures = problem.measures
        if not measures:
            continue
        head = (Cell(str(problem.number), rowspan=len(measures)), Cell(problem.text, rowspan=len(measures)))
        for n, measure in enumerate(measures, start=1):
            cells = (
                Cell(f"{problem.number}-{n}"),
                Cell(one_line(measure.title)),
                Cell(measure.leader.name if measure.leader else "—"),
                Cell(owners_text(measure) or "—"),
                Cell(deadline_text(measure)),
                Cell(_status(source, measure)),
            )
            rows.append((*head, *cells) if n == 1 else cells)
    columns = (
        Column("序号", 1.3, "center"),
        Column("问题", 4.2),
        Column("编号", 1.5, "center"),
        Column("整改措施", 6.3),
        Column("责任领导", 2.2, "center"),
        Column("责任人", 2.4, "center"),
        Column("完成时限", 3.6, "center"),
        Column("整改状态", 2.5, "center"),
    )
    return Table(columns, tuple(rows), kind="ledger")


# ---------------------------------------------------------------------------- the document


def build_report(source: UpwardSource, *, today: dt.date, attestation: Attestation) -> Document:
    """The report's document from what the selector read; no query. The figures are as
    of the day the selector counted them (``source.figures.today``)."""
    blocks: list[Block] = narrative(source, "opening", default=default_opening(source))
    blocks += sections(
        [
            ("整改工作开展情况", narrative(source, "work_done", required=True)),
            ("反馈问题整改落实情况", _findings_blocks(source)),
            ("整改成效", [plain_paragraph(outcome_text(source), "figures")]),
            ("尚未完成的整改任务及原因", _unfinished_blocks(source)),
            ("下一步工作打算", narrative(source, "next_steps", required=True)),
        ]
    )
    return Document(
        title=Title(title_lines(source, default_title(source))),
        blocks=tuple(blocks),
        signature=signature(source, today),
        attestation=attestation,
        annexes=(Annex(LEDGER_TITLE, (ledger_table(source),), landscape=True),),
    )
