"""The documents handed upward as documents: the plan's three lists against the Fuhua
ledger, the report's figures against the dashboard, the editable sections, the query
budget of the selector, the builder querying nothing, and ``manage.py render_document``."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from rectification.documents.kinds import plan as plan_kind
from rectification.documents.kinds.upward import (
    SECTIONS,
    build_upward,
    missing_sections,
    upward_defaults,
    upward_document,
    upward_text,
)
from rectification.documents.model import Heading, Paragraph, Table
from rectification.models import Finding, Inspection, Measure, UpwardDocument
from rectification.selectors.dashboard import dashboard_data
from rectification.selectors.upward import upward_draft, upward_source

from . import factories as f

TODAY = dt.date(2025, 6, 30)
CONTENT = {
    "general_requirements": "坚持以习近平新时代中国特色社会主义思想为指导，把巡察整改作为重要政治任务。",
    "safeguards": "（一）加强组织领导。\n（二）强化督促检查。",
    "work_done": "社区党委召开专题会议研究部署整改工作。",
    "next_steps": "持续巩固整改成果。",
}
KIND_TEXT = {"immediate": "立行立改", "time_bound": "限期整改", "ongoing": "长期坚持"}


def _draft(inspection: Inspection, kind: str, sequence: int = 1, **content) -> UpwardDocument:
    inspection = Inspection.objects.select_related("organisation").get(pk=inspection.pk)
    draft = upward_draft(inspection=inspection, kind=kind, sequence=sequence)
    draft.content = {**CONTENT, **content}
    return draft


def _annex_table(document, title: str) -> Table:
    (annex,) = [a for a in document.annexes if a.title == title]
    (table,) = annex.blocks
    return table


def _measures(inspection) -> list[Measure]:
    return list(
        Measure.objects.filter(finding__category__inspection=inspection)
        .select_related("leader", "finding__category")
        .prefetch_related("owners")
        .order_by("finding__category__position", "finding__position", "position")
    )


def _date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


# ------------------------------------------------------------------ the plan's three lists


def test_plan_title_opening_and_sections(demo):
    document = upward_document(_draft(demo, "plan"), today=TODAY)
    assert document.title.lines == (
        "中共深圳市福田区福田街道福华社区委员会",
        "关于落实区委第四巡察组反馈意见的整改方案",
    )
    assert document.blocks[0].text.startswith(
        "2024年9月25日至12月27日，区委第四巡察组对福华社区党委开展了巡察，2025年1月21日反馈"
    )
    headings = [b.label for b in document.blocks if isinstance(b, Heading)]
    assert headings == ["一、总体要求", "二、组织领导", "三、整改任务", "四、步骤安排", "五、保障措施"]
    assert [a.title for a in document.annexes] == ["问题清单", "任务清单", "责任清单"]
    assert [a.landscape for a in document.annexes] == [False, True, True]
    assert document.annex_note() == ["附件：1.问题清单", "2.任务清单", "3.责任清单"]
    assert document.signature.name == "中共深圳市福田区福田街道福华社区委员会"
    assert document.attestation.lines[0] == "党组织书记（签字）："
    text = document.plain_text()
    # 集中整改 until the inspection's deadline, then 持续整改
    assert "集中整改阶段（2025年1月21日至2025年12月31日）" in text and "持续整改阶段（2026年1月1日起）" in text
    assert "组长：李明华（社区党委书记），履行巡察整改第一责任人职责" in text


def test_problem_list_has_every_finding_once_in_its_internal_wording(demo):
    table = _annex_table(upward_document(_draft(demo, "plan"), today=TODAY), "问题清单")
    rows = table.text_rows()
    assert rows[0] == ["序号", "问题类别", "问题"]
    findings = list(
        Finding.objects.filter(category__inspection=demo)
        .select_related("category")
        .order_by("category__position", "position")
    )
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, len(findings) + 1)]
    assert [r[2] for r in rows[1:]] == [finding.problem for finding in findings]
    # the category cell spans its findings: written once per category
    assert [r[1] for r in rows[1:] if r[1]] == [c.title for c in demo.categories.order_by("position")]


def test_task_and_responsibility_lists_have_every_measure_once(demo):
    document = upward_document(_draft(demo, "plan"), today=TODAY)
    tasks = _annex_table(document, "任务清单").text_rows()
    duties = _annex_table(document, "责任清单").text_rows()
    assert tasks[0] == ["序号", "问题", "编号", "整改措施", "整改类型", "完成时限"]
    assert duties[0] == ["编号", "整改措施", "责任领导", "责任人", "责任部门"]
    measures = _measures(demo)
    assert len(tasks) - 1 == len(duties) - 1 == len(measures) == 29
    codes = [r[2] for r in tasks[1:]]
    assert codes == [r[0] for r in duties[1:]] and len(set(codes)) == len(codes)
    for measure, task, duty in zip(measures, tasks[1:], duties[1:], strict=True):
        # The 「，」/「；」 that joins a lead phrase to its progress in the bulletin is left off.
        assert task[3] == duty[1] == measure.title.rstrip("，；")
        assert task[4] == KIND_TEXT[measure.kind]
        assert task[5] == ("长期坚持" if measure.kind == "ongoing" else _date(measure.due_on))
        assert duty[2] == measure.leader.name
        assert duty[3] == "、".join(p.name for p in measure.owners.all())
        assert duty[4] == measure.unit
    # The problem of each measure: its code's first number is the problem's 序号 in list 1.
    problems = {r[0]: r[2] for r in _annex_table(document, "问题清单").text_rows()[1:]}
    for measure, code in zip(measures, codes, strict=True):
        assert problems[code.split("-")[0]] == measure.finding.problem


def test_leading_group_names_each_leader_with_what_they_lead(demo):
    document = upward_document(_draft(demo, "plan"), today=TODAY)
    group = [b.text for b in document.blocks if isinstance(b, Paragraph) and b.kind == "group"]
    assert group[0].startswith("组长：李明华（社区党委书记）")
    led = {}
    for m in _measures(demo):
        led[m.leader.name] = led.get(m.leader.name, 0) + 1
    for name, count in led.items():
        (line,) = [line for line in group if line.split("：", 1)[1].startswith(name)]
        assert f"整改任务{count}项" in line
    assert "成员：王建国（社区党委副书记），牵头负责" in "".join(group)


def test_edited_sections_replace_the_generated_ones(demo):
    draft = _draft(
        demo,
        "plan",
        title="关于落实巡察反馈意见的\n整改工作方案",
        opening="自写的开头。",
        leading_group="组长：李明华\n\n副组长：王建国",
        focused_until="2025-04-30",
    )
    document = upward_document(draft, today=TODAY)
    assert document.title.lines[1:] == ("关于落实巡察反馈意见的", "整改工作方案")
    assert document.blocks[0].text == "自写的开头。"
    assert [b.text for b in document.blocks if getattr(b, "kind", "") == "group"] == [
        "组长：李明华。",
        "副组长：王建国。",
    ]
    assert "集中整改阶段（2025年1月21日至2025年4月30日）" in document.plain_text()
    draft.content["focused_until"] = "not a date"  # an unreadable date counts as empty
    assert "至2025年12月31日" in upward_document(draft, today=TODAY).plain_text()


def test_required_sections_left_empty_are_named_and_marked(demo):
    assert missing_sections("plan", {}) == ["一、总体要求", "五、保障措施"]
    assert missing_sections("plan", {"general_requirements": " \n", "safeguards": ["", "x"]}) == ["一、总体要求"]
    assert missing_sections("report", CONTENT) == []
    with translation.override("en"):
        assert missing_sections("report", {}) == ["1. Work carried out", "5. Next steps"]
    draft = _draft(demo, "plan")
    draft.content = {}
    assert "（待填写）" in upward_document(draft, today=TODAY).plain_text()
    assert {s.kind for group in SECTIONS.values() for s in group} == {"text", "lines", "date"}
    assert set(SECTIONS) == set(UpwardDocument.Kind.values)


def test_defaults_for_the_editor(demo):
    source = upward_source(document=_draft(demo, "plan"), today=TODAY)
    defaults = upward_defaults(source)
    assert defaults["focused_until"] == "2025-12-31" and defaults["leading_group"].startswith("组长：李明华")
    Inspection.objects.filter(pk=demo.pk).update(deadline=None)
    source = upward_source(document=_draft(demo, "plan"), today=TODAY)
    assert plan_kind.focused_until(source) == dt.date(2025, 3, 21)  # two months after the feedback


# ------------------------------------------------------------------ the report


def _numbers(text: str, pattern: str) -> tuple[int, ...]:
    match = re.search(pattern, text)
    assert match, pattern
    return tuple(int(g) for g in match.groups())


@pytest.mark.parametrize("today", [TODAY, dt.date(2025, 12, 31)])
def test_report_figures_equal_the_dashboards(demo, today):
    document = upward_document(_draft(demo, "report"), today=today)
    (figures,) = [b.text for b in document.blocks if getattr(b, "kind", "") == "figures"]
    dashboard = dashboard_data(inspection=demo, today=today, due_soon_days=settings.RECTIFICATION["DUE_SOON_DAYS"])
    counts, items = dashboard.counts, dashboard.items
    assert _numbers(figures, r"反馈的(\d+)个问题中，已完成整改(\d+)个，正在整改(\d+)个") == (
        items.total,
        items.done,
        items.total - items.done,
    )
    assert _numbers(
        figures,
        r"共制定整改措施(\d+)项，已完成（销号）(\d+)项，待销号(\d+)项，推进中(\d+)项，未启动(\d+)项；"
        r"其中长期坚持(\d+)项，超期未完成(\d+)项",
    ) == (
        counts.total,
        counts.done,
        counts.awaiting,
        counts.in_progress,
        counts.not_started,
        counts.ongoing,
        counts.overdue,
    )
    assert f"完成率为{counts.rate:g}%" in figures
    assert f"截至{_date(today)}" in figures
    # 四、: every measure not signed off, as many as the dashboard's open measures
    unfinished = [b for b in document.blocks if getattr(b, "kind", "") == "unfinished"]
    assert len(unfinished) == counts.open
    assert sum("已超期" in b.text for b in unfinished) == counts.overdue


def test_report_names_problems_in_internal_wording_with_progress_and_status(demo):
    document = upward_document(_draft(demo, "report"), today=TODAY)
    assert document.title.lines[1] == "关于巡察整改情况的报告"
    text = document.plain_text()
    for measure in _measures(demo):
        assert measure.finding.problem in text
    assert "加强日常巡查管控（推进中）。" in text
    assert [a.title for a in document.annexes] == ["巡察整改台账"] and document.annex_note() == ["附件：巡察整改台账"]
    ledger = _annex_table(document, "巡察整改台账").text_rows()
    assert len(ledger) - 1 == 29
    later = upward_document(_draft(demo, "report", sequence=2), today=TODAY)
    assert later.title.lines[1] == "关于巡察整改进展情况的报告"
    assert "现将巡察整改进展情况报告如下" in later.plain_text()


def test_report_without_open_measures(personas):
    inspection = f.inspection(organisation=personas.tree.a)
    f.measure(finding=f.finding(category=f.category(inspection=inspection)), status=Measure.Status.DONE)
    text = upward_document(_draft(inspection, "report"), today=TODAY).plain_text()
    assert "反馈问题的整改措施已全部完成销号。" in text


# ------------------------------------------------------------------ queries


def test_the_builder_queries_nothing_beyond_the_selector(demo, django_assert_num_queries):
    for kind in ("plan", "report"):
        draft = _draft(demo, kind)
        # categories, findings, measures with leaders, owners; the committee; the
        # dashboard's facts and findings
        with django_assert_num_queries(7):
            source = upward_source(document=draft, today=TODAY)
        with django_assert_num_queries(0):
            document = build_upward(source, today=TODAY)
        assert document == upward_document(draft, today=TODAY)


def test_query_count_does_not_grow_with_the_inspection(demo, django_assert_num_queries):
    category = f.category(inspection=demo)
    for _ in range(6):
        finding = f.finding(category=category)
        f.finding(category=category, parent=finding)
        for _ in range(3):
            f.measure(finding=finding)
    for kind in ("plan", "report"):
        draft = _draft(demo, kind)
        with django_assert_num_queries(7):  # as above, however many categories, findings, measures
            document = upward_document(draft, today=TODAY)
        assert len(document.plain_text()) > 1000


def test_sub_problems_are_listed_once_after_their_parent(personas):
    inspection = f.inspection(organisation=personas.tree.a)
    category = f.category(inspection=inspection)
    parent = f.finding(category=category, heading="总问题", problem="总问题描述", position=1)
    f.finding(category=category, heading="另一问题", problem="", position=2)
    f.finding(category=category, parent=parent, heading="子问题", problem="子问题描述", position=3)
    rows = _annex_table(upward_document(_draft(inspection, "plan"), today=TODAY), "问题清单").text_rows()
    assert [r[2] for r in rows[1:]] == ["总问题描述", "子问题描述", "另一问题"]  # heading when no internal wording


# ------------------------------------------------------------------ text, command


def test_upward_text_is_the_document_as_plain_text(demo):
    draft = _draft(demo, "plan")
    text = upward_text(draft, today=TODAY)
    assert "1-1\t严格落实“第一议题”学习制度\t李明华\t周婷\t党建办" in text
    draft.content["safeguards"] = "新的保障措施。"
    assert "新的保障措施。" in upward_text(draft, today=TODAY) and "新的保障措施。" not in text


def test_render_document_command(demo, tmp_path, settings):
    settings.BULLETIN_PDF_CACHE_DIR = tmp_path / "cache"
    # Loading the demo schedules its documents; without a row the command renders the default draft.
    UpwardDocument.objects.filter(inspection=demo).delete()
    out, err = io.StringIO(), io.StringIO()
    pdf, word = tmp_path / "plan.pdf", tmp_path / "plan.docx"
    call_command(
        "render_document", "plan", str(demo.pk), "--output", str(pdf), "--docx", str(word), stdout=out, stderr=err
    )
    assert pdf.read_bytes().startswith(b"%PDF") and f"wrote {word}" in out.getvalue()
    assert "default draft" in out.getvalue() and "一、总体要求" in err.getvalue()  # nothing saved yet
    paragraphs = [p.text for p in docx.Document(str(word)).paragraphs]
    assert "关于落实区委第四巡察组反馈意见的整改方案" in paragraphs[0]
    UpwardDocument.objects.create(inspection=demo, kind="report", sequence=2, content=CONTENT)
    html = tmp_path / "report.html"
    call_command(
        "render_document", "report", str(demo.pk), "--sequence", "2", "--html", str(html), stdout=io.StringIO()
    )
    assert "关于巡察整改进展情况的报告" in html.read_text(encoding="utf-8")
    for args, message in (
        (["plan", str(demo.pk)], "name at least one output"),
        (["plan", "999999", "--html", str(html)], "no inspection"),
        (["plan", str(demo.pk), "--sequence", "2", "--html", str(html)], "sequence"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command(*["render_document", *args], stdout=io.StringIO())
