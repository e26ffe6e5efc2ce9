"""The rectification plan (整改方案): what the committee sends up after the feedback, with
the three lists practitioners call 三个清单 as annex tables.

Structure: title (organisation, 「关于落实区委第四巡察组反馈意见的整改方案」), opening
paragraph, 一、总体要求 (written), 二、组织领导 (the leading group: the secretary as 组长 and
第一责任人, the members and what each leads; generated, editable as lines), 三、整改任务
(generated summary pointing to the annexes), 四、步骤安排 (集中整改 from the feedback date
to an editable date, then 持续整改), 五、保障措施 (written), the 附件说明, signature and the
secretary's attestation; 附件1 问题清单, 附件2 任务清单, 附件3 责任清单 (landscape).

``build_plan`` reads only what ``selectors.upward.upward_source`` loaded; no query.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from ...models import MeasureKind
from ...selectors.upward import UpwardSource
from ...workflow import add_months
from ..model import Annex, Attestation, Block, Cell, Column, Document, Table, Title
from ..numbering import category_number
from ..wording import format_date, full_stop, lead_phrase, one_line
from .upward_parts import (
    KIND_TEXT,
    Problem,
    content_date,
    content_lines,
    deadline_text,
    inspection_sentence,
    measure_code,
    narrative,
    owners_text,
    plain_paragraph,
    problems,
    sections,
    signature,
    title_lines,
)

ANNEX_TITLES = ("问题清单", "任务清单", "责任清单")
FOCUSED_MONTHS = 2  # 集中整改 ends this long after the feedback when the inspection sets no deadline


def default_title(source: UpwardSource) -> str:
    return f"关于落实{source.inspection.team}反馈意见的整改方案"


def default_opening(source: UpwardSource) -> str:
    return (
        f"{inspection_sentence(source)}。为切实抓好巡察反馈意见的整改落实，根据"
        f"{source.inspection.deployed_by}巡察工作领导小组有关要求，结合实际，制定本方案。"
    )


def focused_until(source: UpwardSource) -> dt.date:
    """The end of 集中整改: the draft's date, else the inspection's deadline, else two
    months after the feedback."""
    inspection = source.inspection
    return (
        content_date(source, "focused_until")
        or inspection.deadline
        or add_months(inspection.feedback_on, FOCUSED_MONTHS)
    )


# ---------------------------------------------------------------------------- 二、组织领导


def _led(source: UpwardSource) -> dict[str, tuple[str, list[str], int]]:
    """Responsible leaders by name: their title, the units of the measures they lead (in
    order of first appearance) and how many measures they lead."""
    led: dict[str, tuple[str, list[str], int]] = {}
    for problem in problems(source):
        for measure in problem.measures:
            if measure.leader is None:
                continue
            title, units, count = led.get(measure.leader.name, (measure.leader.title, [], 0))
            if measure.unit and measure.unit not in units:
                units.append(measure.unit)
            led[measure.leader.name] = (title, units, count + 1)
    return led


def _duty(units: list[str], count: int) -> str:
    where = "、".join(units) + "相关" if units else ""
    return f"牵头负责{where}整改任务{count}项"


def default_group_lines(source: UpwardSource) -> list[str]:
    """组长 (the secretary, 第一责任人), then 成员: the committee's members and every other
    responsible leader, each with what they lead."""
    led = _led(source)
    lines, seen = [], set()
    for member in source.committee:
        if member.name in seen:
            continue
        seen.add(member.name)
        title, units, count = led.get(member.name, (member.title, [], 0))
        who = f"{member.name}（{member.title or title}）" if (member.title or title) else member.name
        if member.is_secretary:
            duty = "履行巡察整改第一责任人职责" + (f"，{_duty(units, count)}" if count else "")
            lines.append(f"组长：{who}，{duty}")
        else:
            lines.append(f"成员：{who}，{_duty(units, count) if count else '协助抓好整改落实'}")
    for name, (title, units, count) in led.items():
        if name not in seen:
            seen.add(name)
            lines.append(
                f"成员：{name}（{title}），{_duty(units, count)}" if title else f"成员：{name}，{_duty(units, count)}"
            )
    return lines


def _group_blocks(source: UpwardSource) -> list[Block]:
    secretary = next((m for m in source.committee if m.is_secretary), None)
    head = f"党组织书记{secretary.name}" if secretary else "党组织书记"
    lead = (
        f"成立{source.organisation.short_name}巡察整改工作领导小组，由{head}任组长，履行整改第一责任人职责，"
        "领导小组成员按照分工牵头抓好相关整改任务，形成一级抓一级、层层抓落实的工作格局。领导小组组成如下："
    )
    lines = content_lines(source, "leading_group") or default_group_lines(source)
    return [plain_paragraph(lead), *(plain_paragraph(full_stop(line), "group") for line in lines)]


# ---------------------------------------------------------------------------- 三、整改任务, 四、步骤安排


def _tasks_blocks(source: UpwardSource) -> list[Block]:
    listed = list(problems(source))
    measures = [m for p in listed for m in p.measures]
    kinds = Counter(m.kind for m in measures)
    by_kind = "、".join(f"{KIND_TEXT[k]}{kinds[k]}项" for k in MeasureKind.values if kinds[k])
    categories = [c for c in source.categories if any(p.category is c for p in listed)]
    blocks: list[Block] = [
        plain_paragraph(
            f"对照{source.inspection.team}反馈的{len(categories)}个方面{len(listed)}个问题，逐项研究制定整改措施"
            f"{len(measures)}项"
            + (f"，其中{by_kind}" if by_kind else "")
            + "，明确责任领导、责任人、责任部门和完成时限。"
            "问题清单、任务清单、责任清单分别见附件1、附件2、附件3。"
        )
    ]
    for n, category in enumerate(categories, start=1):
        mine = [p for p in listed if p.category is category]
        count = sum(len(p.measures) for p in mine)
        blocks.append(
            plain_paragraph(f"{category_number(n)}{one_line(category.title)}：问题{len(mine)}个，整改措施{count}项。")
        )
    return blocks


def default_steps(source: UpwardSource) -> str:
    inspection, until = source.inspection, focused_until(source)
    return (
        f"（一）集中整改阶段（{format_date(inspection.feedback_on)}至{format_date(until)}）。对照问题清单、任务清单、"
        "责任清单逐项抓好整改落实，立行立改事项即知即改，限期整改事项在完成时限内整改到位，集中整改结束后按时向"
        f"{inspection.deployed_by}巡察工作领导小组报送整改情况报告。\n"
        f"（二）持续整改阶段（{format_date(until + dt.timedelta(days=1))}起）。对长期坚持事项和需要持续推进的事项，"
        "建立健全长效机制，持续跟踪督促，适时开展“回头看”，巩固整改成果，防止问题反弹。"
    )


# ---------------------------------------------------------------------------- the annexes


def problem_table(listed: list[Problem]) -> Table:
    """附件1 问题清单: 序号, 问题类别 (spanning its problems), 问题 (internal wording)."""
    rows: list[tuple[Cell, ...]] = []
    spans = Counter(id(p.category) for p in listed)
    for i, problem in enumerate(listed):
        first = i == 0 or listed[i - 1].category is not problem.category
        span = spans[id(problem.category)]
        category = (Cell(one_line(problem.category.title), rowspan=span),) if first else ()
        rows.append((Cell(str(problem.number)), *category, Cell(problem.text)))
    columns = (Column("序号", 1, "center"), Column("问题类别", 3.2), Column("问题", 7.5))
    return Table(columns, tuple(rows), kind="problems")


def task_table(listed: list[Problem]) -> Table:
    """附件2 任务清单: per problem its measures with their kind and deadline."""
    rows: list[tuple[Cell, ...]] = []
    for problem in listed:
        measures = problem.measures
        span = max(1, len(measures))
        head = (Cell(str(problem.number), rowspan=span), Cell(problem.text, rowspan=span))
        if not measures:
            rows.append((*head, Cell("—"), Cell("（尚未制定整改措施）"), Cell("—"), Cell("—")))
        for n, measure in enumerate(measures, start=1):
            cells = (
                Cell(measure_code(problem, n)),
                Cell(lead_phrase(measure.title)),
                Cell(KIND_TEXT.get(measure.kind, measure.kind)),
                Cell(deadline_text(measure)),
            )
            rows.append((*head, *cells) if n == 1 else cells)
    columns = (
        Column("序号", 1.4, "center"),
        Column("问题", 5),
        Column("编号", 1.5, "center"),
        Column("整改措施", 8.6),
        Column("整改类型", 2.2, "center"),
        Column("完成时限", 3.4, "center"),
    )
    return Table(columns, tuple(rows), kind="tasks")


def responsibility_table(listed: list[Problem]) -> Table:
    """附件3 责任清单: per measure its responsible leader, people and unit."""
    rows = []
    for problem in listed:
        for n, measure in enumerate(problem.measures, start=1):
            rows.append(
                (
                    Cell(measure_code(problem, n)),
                    Cell(lead_phrase(measure.title)),
                    Cell(measure.leader.name if measure.leader else "—"),
                    Cell(owners_text(measure) or "—"),
                    Cell(measure.unit or "—"),
                )
            )
    columns = (
        Column("编号", 1.5, "center"),
        Column("整改措施", 11.3),
        Column("责任领导", 2.2, "center"),
        Column("责任人", 3.2, "center"),
        Column("责任部门", 2.6, "center"),
    )
    return Table(columns, tuple(rows), kind="responsibilities")


# ---------------------------------------------------------------------------- the document


def build_plan(source: UpwardSource, *, today: dt.date, attestation: Attestation) -> Document:
    """The plan's document from what the selector read; no query."""
    listed = list(problems(source))
    blocks: list[Block] = narrative(source, "opening", default=default_opening(source))
    blocks += sections(
        [
            ("总体要求", narrative(source, "general_requirements", required=True)),
            ("组织领导", _group_blocks(source)),
            ("整改任务", _tasks_blocks(source)),
            ("步骤安排", narrative(source, "steps", default=default_steps(source))),
            ("保障措施", narrative(source, "safeguards", required=True)),
        ]
    )
    annexes = (
        Annex(ANNEX_TITLES[0], (problem_table(listed),)),
        Annex(ANNEX_TITLES[1], (task_table(listed),), landscape=True),
        Annex(ANNEX_TITLES[2], (responsibility_table(listed),), landscape=True),
    )
    return Document(
        title=Title(title_lines(source, default_title(source))),
        blocks=tuple(blocks),
        signature=signature(source, today),
        attestation=attestation,
        annexes=annexes,
    )
