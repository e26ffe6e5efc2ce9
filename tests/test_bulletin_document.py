"""The bulletin's document model: numbering and wording rules on small made-up data."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from rectification.documents import model, numbering, wording
from rectification.documents.kinds import bulletin as kind
from rectification.documents.kinds.bulletin import build_bulletin, bulletin_document
from rectification.documents.model import Heading, Paragraph, Run
from rectification.models import Bulletin, Inspection, Measure
from rectification.selectors.bulletins import bulletin_source
from rectification.text import chinese_numeral

from . import factories as f

S = Measure.Status
TODAY = dt.date(2025, 12, 31)


# ------------------------------------------------------------------ pure rules


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九")]
)
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text


def test_numbering_of_each_level():
    assert [
        numbering.section_number(1),
        numbering.category_number(3),
        numbering.item_number(10),
        numbering.sub_number(2),
    ] == [
        "一、",
        "（三）",
        "10.",
        "（2）",
    ]
    assert numbering.item_number(7, Bulletin.ItemNumbering.COMMA) == "7、"
    assert [numbering.ordinal_lead(n) for n in (1, 2, 10, 12)] == ["一是", "二是", "十是", "十二是"]


@pytest.mark.parametrize(
    ("title", "progress", "expected"),
    [
        ("开展专项排查工作", "建立专项台账。", "开展专项排查工作。建立专项台账。"),
        ("开展专项排查工作", "建立专项台账", "开展专项排查工作。建立专项台账。"),  # final 。 added
        ("开展专项排查工作", "", "开展专项排查工作。"),  # empty progress: title only
        ("开展专项排查工作", "  \n ", "开展专项排查工作。"),
        ("开展集中培训，", "以支部为单位组织学习。", "开展集中培训，以支部为单位组织学习。"),  # ends in punctuation
        ("联合验收；", "同步强化监督", "联合验收；同步强化监督。"),
        ("提升能力。", "", "提升能力。"),
        ("营造“人人讲安全”氛围", "张贴海报“人人讲安全。”", "营造“人人讲安全”氛围。张贴海报“人人讲安全。”"),
        ("加强宣传", "开展活动；", "加强宣传。开展活动。"),  # a trailing clause mark closes as 。
        ("加强\n宣传", "开展\n活动", "加强宣传。开展活动。"),  # line breaks typed into fields
    ],
)
def test_measure_sentence(title, progress, expected):
    assert kind.measure_sentence(title, progress) == expected


def test_measures_text_single_and_several():
    assert numbering.ordinal_list(["甲。"]) == "甲。"
    assert numbering.ordinal_list(["甲。", "乙。", "丙。"]) == "一是甲。二是乙。三是丙。"
    assert numbering.ordinal_list([]) == ""


def test_parse_runs_marks_bold_and_keeps_everything_else_literal():
    assert model.parse_runs("**（一）强化理论武装。**坚持学习。") == (
        Run("（一）强化理论武装。", bold=True),
        Run("坚持学习。"),
    )
    assert model.parse_runs("a **b** c **d") == (Run("a "), Run("b", bold=True), Run(" c **d"))
    assert model.parse_runs("<b>不是加粗</b>") == (Run("<b>不是加粗</b>"),)
    assert model.parse_runs("****") == (Run("****"),)


def test_a_bold_numbered_opening_is_a_run_in_heading_of_its_level():
    (second,) = model.parse_narrative("**（一）强化理论武装。**坚持学习。")
    assert second.runs == (Run("（一）强化理论武装。", role="heading2"), Run("坚持学习。"))
    (first,) = model.parse_narrative("**二、总体情况。**正文。")
    assert first.runs[0] == Run("二、总体情况。", role="heading1")
    # Lower levels and other bold openings stay bold body text.
    for text in ("**1.开展培训。**正文。", "**四是**健全制度。", "正文**（一）加粗**。"):
        (paragraph,) = model.parse_narrative(text)
        assert all(run.role is None for run in paragraph.runs)
        assert any(run.bold for run in paragraph.runs)


def test_parse_narrative_splits_on_newlines_and_blank_lines():
    text = "第一段。\n\n\u3000\u3000第二段。\r\n第三段。\n   \n"
    assert [p.text for p in model.parse_narrative(text)] == ["第一段。", "第二段。", "第三段。"]
    assert model.parse_narrative("") == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (dt.date(2024, 9, 25), dt.date(2024, 12, 27), "2024年9月25日至12月27日"),
        (dt.date(2023, 11, 3), dt.date(2024, 1, 3), "2023年11月3日至2024年1月3日"),
    ],
)
def test_onsite_period_keeps_the_end_year_only_across_a_new_year(start, end, expected):
    assert wording.date_span(start, end) == expected


# ------------------------------------------------------------------ the document from data


@pytest.fixture
def insp(tree):
    return f.inspection(organisation=tree.a)


def _bulletin(inspection: Inspection, **fields) -> Bulletin:
    bulletin = Bulletin.objects.create(inspection=inspection, **fields)
    return Bulletin.objects.select_related("inspection__organisation").get(pk=bulletin.pk)


def _section2(doc: model.Document) -> list:
    """The blocks between the 「二、」 and 「三、」 headings."""
    levels = [i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 1]
    return list(doc.blocks[levels[1] + 1 : levels[2]])


def _labels(blocks) -> list[str]:
    return [b.label if isinstance(b, Heading) else b.text for b in blocks]


def test_one_category_one_item_one_measure_is_a_plain_paragraph(insp):
    cat = f.category(inspection=insp, title="关于基层党组织建设情况方面")
    item = f.finding(category=cat, heading="提升基层党组织建设规范化水平")
    f.measure(finding=item, title="开展集中培训", progress="组织支部委员集中学习")
    doc = bulletin_document(_bulletin(insp), today=TODAY)
    assert _labels(_section2(doc)) == [
        "（一）关于基层党组织建设情况方面",
        "1.提升基层党组织建设规范化水平",
        "开展集中培训。组织支部委员集中学习。",
    ]
    assert [b.level for b in _section2(doc)[:2]] == [2, 3]


def test_category_with_ten_items_numbers_them_in_order(insp):
    cat = f.category(inspection=insp)
    for i in range(1, 11):
        f.measure(finding=f.finding(category=cat, heading=f"事项{i}"), title=f"措施{i}", progress="")
    blocks = _section2(bulletin_document(_bulletin(insp), today=TODAY))
    headings = [b.label for b in blocks if isinstance(b, Heading) and b.level == 3]
    assert headings == [f"{i}.事项{i}" for i in range(1, 11)]
    comma = _section2(bulletin_document(_bulletin_update(insp, item_numbering="comma"), today=TODAY))
    assert [b.number for b in comma if isinstance(b, Heading) and b.level == 3][-2:] == ["9、", "10、"]


def _bulletin_update(inspection: Inspection, **fields) -> Bulletin:
    Bulletin.objects.filter(inspection=inspection).update(**fields)
    return Bulletin.objects.select_related("inspection__organisation").get(inspection=inspection)


def test_several_measures_read_yi_shi_er_shi_with_the_lead_in_first(insp):
    cat = f.category(inspection=insp)
    item = f.finding(category=cat, heading="推进适老化改造", lead_in="社区多措并举推动改造落地见效")
    f.measure(finding=item, title="多维开展宣传动员", progress="面向适龄老人讲解政策。")
    f.measure(finding=item, title="开展集中培训，", progress="以支部为单位")  # ends in punctuation
    f.measure(finding=item, title="高效推进产品配送", progress="")  # empty progress
    (_cat, _head, para) = _section2(bulletin_document(_bulletin(insp), today=TODAY))
    assert para.text == (
        "社区多措并举推动改造落地见效。一是多维开展宣传动员。面向适龄老人讲解政策。"
        "二是开展集中培训，以支部为单位。三是高效推进产品配送。"
    )
    assert para.kind == "item"


def test_sub_problems_are_numbered_in_parentheses_under_their_item(insp):
    cat = f.category(inspection=insp)
    item = f.finding(category=cat, heading="关于“民生微实事”问题的整改", position=1)
    f.measure(finding=item, title="总体部署", progress="")
    sub1 = f.finding(category=cat, heading="关于“合同管理”", parent=item, position=2)
    sub2 = f.finding(category=cat, heading="关于“验收”", parent=item, position=3)
    f.measure(finding=sub1, title="开展培训", progress="")
    f.measure(finding=sub2, title="调整验收人员", progress="")
    f.measure(finding=f.finding(category=cat, heading="第二个事项", position=4), title="措施", progress="")
    assert _labels(_section2(bulletin_document(_bulletin(insp), today=TODAY)))[1:] == [
        "1.关于“民生微实事”问题的整改",
        "总体部署。",
        "（1）关于“合同管理”",
        "开展培训。",
        "（2）关于“验收”",
        "调整验收人员。",
        "2.第二个事项",
        "措施。",
    ]


def test_run_in_headings_open_the_paragraph(insp):
    cat = f.category(inspection=insp)
    item = f.finding(category=cat, heading="关于“第一议题”落实不到位问题的整改")
    f.measure(finding=item, title="严格落实制度", progress="")
    f.finding(category=cat, heading="没有措施的事项")
    blocks = _section2(bulletin_document(_bulletin(insp, category_heading_style="run_in"), today=TODAY))
    assert isinstance(blocks[1], Paragraph)
    assert blocks[1].runs == (
        Run("1.关于“第一议题”落实不到位问题的整改。", role="heading3"),
        Run("严格落实制度。"),
    )
    assert isinstance(blocks[2], Heading) and blocks[2].label == "2.没有措施的事项"  # nothing to run into


def test_title_intro_sections_and_signature_default_and_editable(insp):
    f.category(inspection=insp)
    doc = bulletin_document(_bulletin(insp), today=TODAY)
    assert doc.title.lines == ("中共深圳市福田区福田街道福华社区委员会", "关于巡察整改进展情况的通报")
    short = insp.organisation.short_name
    assert doc.blocks[0].text == (
        f"根据区委统一部署，2024年9月25日至12月27日，区委第四巡察组对{short}开展了巡察。"
        f"2025年1月21日，区委巡察组向{short}反馈了巡察意见。按照巡察工作有关要求，现将巡察整改进展情况予以公布。"
    )
    assert [b.label for b in doc.blocks if isinstance(b, Heading) and b.level == 1] == [
        "一、党组织履行巡察整改主体责任情况",
        "二、巡察整改任务落实情况",
        "三、下一步工作打算",
    ]
    assert (doc.signature.name, doc.signature.date) == ("中共深圳市福田区福田街道福华社区委员会", "2025年12月31日")

    edited = bulletin_document(
        _bulletin_update(
            insp,
            title="关于巡察集中整改进展情况的通报",
            intro="现将巡察整改情况报告如下。",
            section1_heading="强化组织领导，聚焦整改责任",
            section2_heading="集中整改进展情况",
            signature="中共测试委员会",
            issued_on=dt.date(2026, 1, 5),
        ),
        today=TODAY,
    )
    assert edited.title.lines[1] == "关于巡察集中整改进展情况的通报"
    assert edited.blocks[0].text == "现将巡察整改情况报告如下。"
    assert edited.blocks[1].label == "一、强化组织领导，聚焦整改责任"
    assert (edited.signature.name, edited.signature.date) == ("中共测试委员会", "2026年1月5日")


def test_narrative_sections_keep_bold_runs(insp):
    text = "总述。\n\n**（一）强化理论武装，筑牢政治根基。**坚持学习。\n\n坚持**重点**学习。"
    doc = bulletin_document(_bulletin(insp, section3_text=text), today=TODAY)
    lead, last = doc.blocks[-2:]
    # A bold numbered opening is a run-in heading of its level (楷体 for 「（一）」).
    assert lead.runs == (Run("（一）强化理论武装，筑牢政治根基。", role="heading2"), Run("坚持学习。"))
    assert last.runs == (Run("坚持"), Run("重点", bold=True), Run("学习。"))


# ------------------------------------------------------------------ blank section headings


def _headed_world(insp) -> None:
    cat = f.category(inspection=insp, title="关于测试方面")
    f.measure(finding=f.finding(category=cat, heading="测试事项"), title="措施", progress="已完成")


def test_a_blank_section_heading_prints_no_line_and_uses_no_numeral(insp):
    _headed_world(insp)
    doc = bulletin_document(_bulletin(insp, section1_heading="", section1_text="总体情况。"), today=TODAY)
    assert [b.label for b in doc.blocks if isinstance(b, Heading) and b.level == 1] == [
        "一、巡察整改任务落实情况",
        "二、下一步工作打算",
    ]
    # Section 一's narrative follows the intro directly, before the first heading.
    assert [b.kind for b in doc.blocks[:2]] == ["intro", "text"] and doc.blocks[1].text == "总体情况。"
    middle = bulletin_document(_bulletin_update(insp, section1_heading="甲", section2_heading="  "), today=TODAY)
    assert [b.label for b in middle.blocks if isinstance(b, Heading) and b.level == 1] == [
        "一、甲",
        "二、下一步工作打算",
    ]


def test_all_headings_blank_leaves_no_first_level(insp):
    _headed_world(insp)
    bulletin = _bulletin(
        insp,
        section1_heading="",
        section2_heading="",
        section3_heading="",
        section1_text="第一部分正文。",
        section3_text="第三部分正文。",
        intro="开篇。",
    )
    doc = bulletin_document(bulletin, today=TODAY)
    assert _labels(doc.blocks) == [
        "开篇。",
        "第一部分正文。",
        "（一）关于测试方面",
        "1.测试事项",
        "措施。已完成。",
        "第三部分正文。",
    ]
    assert not any(isinstance(b, Heading) and (b.level == 1 or not b.text) for b in doc.blocks)
    assert "" not in doc.plain_text().splitlines()


def test_default_headings_are_the_seeds(demo):
    """The Fuhua default is unchanged: three headed sections numbered 一 to 三."""
    bulletin = Bulletin.objects.select_related("inspection__organisation").get(inspection=demo)
    doc = bulletin_document(bulletin, today=TODAY)
    assert [b.label for b in doc.blocks if isinstance(b, Heading) and b.level == 1] == [
        "一、党组织履行巡察整改主体责任情况",
        "二、巡察整改任务落实情况",
        "三、下一步工作打算",
    ]


# ------------------------------------------------------------------ statistics


def _stats_world(insp):
    """Problems as a real bulletin's reader counts them (the rule: selectors/counting.py)."""
    cat = f.category(inspection=insp)
    ongoing = Measure.Kind.ONGOING
    done = f.finding(category=cat, heading="已完成")
    first = f.measure(finding=done, status=S.DONE)
    f.rule(first, "made")
    f.rule(first, "revised")
    f.money(first, "12.50", "refunded")
    second = f.measure(finding=done, status=S.DONE)
    f.treatment(second, 1)
    f.money(second, "0.75", "loss_recovered")
    # Only the secretary's sign-off left: 基本完成.
    basically = f.finding(category=cat, heading="待销号")
    f.measure(finding=basically, status=S.DONE)
    f.measure(finding=basically, status=S.AWAITING_SIGN_OFF)
    # An ongoing (长期坚持) measure still 推进中 keeps its problem 正在推进, not 基本完成.
    long_term = f.finding(category=cat, heading="长期坚持")
    f.measure(finding=long_term, status=S.DONE)
    f.measure(finding=long_term, status=S.IN_PROGRESS, kind=ongoing)
    going = f.finding(category=cat, heading="推进中")
    f.measure(finding=going, status=S.IN_PROGRESS)
    f.measure(finding=going, status=S.NOT_STARTED)
    idle = f.finding(category=cat, heading="未启动")
    f.measure(finding=idle, status=S.NOT_STARTED)
    f.measure(finding=idle, status=S.NOT_STARTED, kind=ongoing)
    # A signed-off ongoing measure is finished like any other.
    f.measure(finding=f.finding(category=cat, heading="已完成2"), status=S.DONE, kind=ongoing)


def test_statistics_counted_from_the_data(insp):
    _stats_world(insp)
    doc = bulletin_document(_bulletin(insp, show_statistics=True, statistics_place="section2"), today=TODAY)
    (stats,) = [b for b in doc.blocks if getattr(b, "kind", "") == "statistics"]
    assert stats.text == (
        "截至2025年12月31日，区委巡察组反馈的6个问题中，已完成整改2个，基本完成整改1个，正在推进2个，"
        "尚未启动1个，整改完成率33%。共制定整改措施11项，已完成5项。"
        "通过整改，建立完善制度2项，挽回（追缴）资金13.25万元，处理1人。"
    )
    # Right after the 「二、」 heading, before the first category.
    index = doc.blocks.index(stats)
    assert doc.blocks[index - 1].label.startswith("二、") and doc.blocks[index + 1].label.startswith("（一）")


def test_statistics_in_the_opening_paragraph_by_default(insp):
    """Where real bulletins state them: in the opening paragraph, before its closing
    「按照巡察工作有关要求，现将巡察整改进展情况予以公布。」."""
    _stats_world(insp)
    doc = bulletin_document(_bulletin(insp, show_statistics=True), today=TODAY)
    assert not [b for b in doc.blocks if getattr(b, "kind", "") == "statistics"]
    intro = doc.blocks[0]
    assert intro.kind == "intro" and isinstance(doc.blocks[1], Heading)
    assert "反馈了巡察意见。截至2025年12月31日，区委巡察组反馈的6个问题中，已完成整改2个" in intro.text
    assert intro.text.endswith("处理1人。按照巡察工作有关要求，现将巡察整改进展情况予以公布。")
    # A written opening without that closing sentence: the statistics follow it.
    doc = bulletin_document(_bulletin_update(insp, intro="开篇。", statistics_text="统计。"), today=TODAY)
    assert [r.text for r in doc.blocks[0].runs] == ["开篇。", "统计。"]


def test_an_ongoing_measure_in_progress_is_not_basically_done():
    from types import SimpleNamespace as M

    from rectification.selectors.counting import problem_state

    ongoing, bounded = Measure.Kind.ONGOING, Measure.Kind.TIME_BOUND
    assert problem_state([M(status=S.DONE, kind=bounded), M(status=S.IN_PROGRESS, kind=ongoing)]) == "in_progress"
    assert problem_state([M(status=S.IN_PROGRESS, kind=ongoing)] * 6) == "in_progress"
    assert problem_state([M(status=S.AWAITING_SIGN_OFF, kind=ongoing)]) == "basically_done"
    assert problem_state([M(status=S.DONE, kind=ongoing)]) == "done"
    assert problem_state([M(status=S.NOT_STARTED, kind=ongoing)]) == "not_started"


def test_statistics_zero_counts_written_absent_or_omitted(insp):
    cat = f.category(inspection=insp)
    f.measure(finding=f.finding(category=cat), status=S.DONE)
    f.measure(finding=f.finding(category=cat), status=S.DONE)
    f.measure(finding=f.finding(category=cat), status=S.IN_PROGRESS)

    def text(zero_counts: str) -> str:
        doc = bulletin_document(
            _bulletin_update(insp, show_statistics=True, zero_counts=zero_counts, statistics_place="section2"),
            today=TODAY,
        )
        return next(b.text for b in doc.blocks if getattr(b, "kind", "") == "statistics")

    _bulletin(insp)
    assert text("omit") == (
        "截至2025年12月31日，区委巡察组反馈的3个问题中，已完成整改2个，正在推进1个，整改完成率67%。"
        "共制定整改措施3项，已完成2项。"
    )
    assert "不存在整改未启动情况" in text("absent") and "不存在需处理人员情况" in text("absent")
    written = text("write")
    assert "基本完成整改0个" in written and "挽回（追缴）资金0万元" in written and "处理0人" in written


def test_statistics_override_text_and_hidden_by_default(insp):
    _stats_world(insp)
    plain = bulletin_document(_bulletin(insp), today=TODAY)
    assert not [b for b in plain.blocks if getattr(b, "kind", "") == "statistics"]
    doc = bulletin_document(
        _bulletin_update(
            insp, show_statistics=True, statistics_text="整改完成率**100%**。", statistics_place="section2"
        ),
        today=TODAY,
    )
    (stats,) = [b for b in doc.blocks if getattr(b, "kind", "") == "statistics"]
    assert stats.runs == (Run("整改完成率"), Run("100%", bold=True), Run("。"))


def test_issue_date_defaults_to_today(insp):
    assert bulletin_document(_bulletin(insp), today=dt.date(2026, 3, 8)).signature.date == "2026年3月8日"


def test_query_count_does_not_grow_with_the_tree(insp, django_assert_num_queries):
    cat = f.category(inspection=insp)
    for _ in range(5):
        item = f.finding(category=cat)
        for _ in range(4):
            f.measure(finding=item)
    f.category(inspection=insp)
    bulletin = _bulletin(insp, show_statistics=True)
    # categories, findings (prefetch), measures (prefetch), the acceptance rule up the tree
    with django_assert_num_queries(4):
        doc = bulletin_document(bulletin, today=TODAY)
    assert len(doc.blocks) > 10


def test_the_builder_queries_nothing_beyond_the_selector(insp, django_assert_num_queries):
    cat = f.category(inspection=insp)
    f.measure(finding=f.finding(category=cat))
    bulletin = _bulletin(insp, show_statistics=True)
    with django_assert_num_queries(4):  # categories, findings, measures, the acceptance rule
        source = bulletin_source(bulletin=bulletin)
    with django_assert_num_queries(0):
        doc = build_bulletin(source, today=TODAY)
    assert doc == bulletin_document(bulletin, today=TODAY)


def test_control_characters_never_reach_the_document(insp):
    # NUL only where the database can store it (PostgreSQL refuses it in text columns).
    nul = "" if connection.vendor == "postgresql" else "\x00"
    cat = f.category(inspection=insp, title="关于\x1b[31m测试方面")
    f.measure(finding=f.finding(category=cat, heading="事项\x07"), title=f"措施{nul}\x1f", progress="进展\x0b")
    doc = bulletin_document(_bulletin(insp, section1_text="正文\x01\x7f。"), today=TODAY)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", doc.plain_text().replace("\n", ""))
    assert "关于[31m测试方面" in doc.plain_text() and "措施。进展。" in doc.plain_text()
