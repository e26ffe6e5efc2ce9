"""The roll-up's rows as tags (rectification/templatetags/rollup_tags.py): every figure a
row shows, escaped, translated with the templates' msgids, in the header's column order."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation

from rectification.models import Organisation
from rectification.selectors.acceptance_opinions import ConclusionCounts
from rectification.selectors.comments import CommentCounts
from rectification.selectors.counting import Counts
from rectification.selectors.deadlines import LateDocument
from rectification.selectors.rollup import RollupRow
from rectification.selectors.urging import UrgingCounts
from rectification.templatetags.links import percent
from rectification.templatetags.rollup_tags import comments_cell, conclusions_cell, rollup_row

DASHBOARD = "/dashboard/"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _row(**changes) -> RollupRow:
    values = {
        "organisation": Organisation(pk=7, short_name="A&B社区"),
        "depth": 2,
        "parent_name": "<街道>",
        "inspections": 2,
        "latest_feedback": dt.date(2025, 1, 21),
        # 7 of 12 with a deadline signed off: 58.3%; 3 overdue.
        "counts": Counts(total=14, done=8, bounded=12, bounded_done=7, overdue=3),
        # 23:30 in UTC is the next day in Shanghai: the date shown is the local one.
        "last_progress": dt.datetime(2025, 3, 1, 23, 30, tzinfo=dt.UTC),
        "late_documents": [LateDocument("整改方案", 39, dt.date(2025, 2, 20), 1)],
        "urging": UrgingCounts(open=1, answered=2, late=1, talks=3),
        "conclusions": ConclusionCounts(passed=1, second_round=2, second_late=1),
        "comments": CommentCounts(received=5, answered=3, open=2),
    }
    return RollupRow(**(values | changes))


def _cells(html: str) -> list[str]:
    return re.findall(r"<t[hd][ >].*?</t[hd]>", html, flags=re.S)


def test_a_row_shows_every_figure_in_the_header_order():
    html = rollup_row(_row(), DASHBOARD, "org")
    assert html.startswith('<tr class="depth-2 has-overdue">') and html.endswith("</tr>")
    cells = _cells(html)
    assert len(cells) == 12  # as many as the header's columns
    assert cells[0] == f'<th scope="row" class="org"><a href="{DASHBOARD}?organisation=7">A&amp;B社区</a></th>'
    assert cells[1] == '<td class="num">2<div class="muted small">最近反馈 2025-01-21</div></td>'
    assert cells[2:4] == ['<td class="num">14</td>', '<td class="num">8</td>']
    assert cells[4] == (
        '<td class="rate"><span class="meter meter-inline" aria-hidden="true">'
        '<span style="width: 58.3%"></span></span> 58.3%</td>'
    )
    assert cells[5] == '<td class="num danger">3</td>'
    assert cells[6] == "<td>2025-03-02</td>"
    assert cells[7] == '<td class="late-docs-cell is-late"><ul class="late-docs"><li>整改方案 超期 39 天</li></ul></td>'
    assert cells[8] == (
        '<td class="urging-cell is-late"><a href="/organisations/7/urging/">待回复 1 · 已回复 2'
        '<div class="danger small">逾期 1</div></a></td>'
    )
    assert cells[9] == '<td class="num"><a href="/organisations/7/urging/#talks">3</a></td>'
    assert cells[10] == (
        '<td class="conclusions-cell is-late"><span class="nowrap">通过 1</span> · '
        '<span class="nowrap">二次整改 2</span><div class="danger small">逾期 1</div></td>'
    )
    assert cells[11] == '<td class="comments-cell">收到 5 · 已答复 3 · 未办结 2</td>'


def test_an_organisation_with_nothing_yet():
    empty = _row(
        inspections=0,
        latest_feedback=None,
        counts=Counts(),
        last_progress=None,
        late_documents=[],
        urging=UrgingCounts(),
        conclusions=ConclusionCounts(),
        comments=CommentCounts(),
    )
    cells = _cells(rollup_row(empty, DASHBOARD, "org"))
    assert cells[0] == '<th scope="row" class="org">A&amp;B社区</th>'  # no dashboard to open
    assert cells[1:7] == [
        '<td class="num">0</td>',
        '<td class="num">0</td>',
        '<td class="num">0</td>',
        '<td class="rate"><span class="muted">—</span></td>',
        '<td class="num">0</td>',
        "<td>—</td>",
    ]
    assert cells[7] == '<td class="late-docs-cell"><span class="muted">—</span></td>'
    assert cells[8] == '<td class="urging-cell"><a href="/organisations/7/urging/">督办</a></td>'
    assert cells[10] == '<td class="conclusions-cell"><span class="muted">—</span></td>'
    assert cells[11] == '<td class="comments-cell">收到 0 · 已答复 0 · 未办结 0</td>'


def test_out_of_tree_order_the_parent_is_named_and_escaped():
    assert "muted small" not in _cells(rollup_row(_row(), DASHBOARD, "org"))[0]
    assert _cells(rollup_row(_row(), DASHBOARD, "-overdue"))[0].endswith(
        '</a><div class="muted small">&lt;街道&gt;</div></th>'
    )


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        (ConclusionCounts(passed=2), '<span class="nowrap">通过 2</span>'),
        (ConclusionCounts(second_round=1), '<span class="nowrap">二次整改 1</span>'),
    ],
)
def test_a_single_conclusion_has_no_separator(counts, shown):
    assert conclusions_cell(counts) == f'<td class="conclusions-cell">{shown}</td>'


def test_english_uses_the_catalogue_of_the_former_templates():
    with translation.override("en"):
        cells = _cells(rollup_row(_row(), DASHBOARD, "org"))
        assert "Latest feedback 2025-01-21" in cells[1]
        assert "整改方案 39 days overdue" in cells[7]
        assert "Awaiting reply 1 · answered 2" in cells[8] and "late 1" in cells[8]
        assert "passed 1" in cells[10] and "second round 2" in cells[10]
        assert comments_cell(CommentCounts(5, 3, 2)) == (
            '<td class="comments-cell">received 5 · answered 3 · open 2</td>'
        )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_percent_prints_what_floatformat_printed(language):
    """Every rate ``Counts.rate`` can give up to 60 measures with a deadline: ``percent`` is
    ``|floatformat:"-1"`` and a percent sign (the template's former filter)."""
    rates = {Counts(bounded=n, bounded_done=done).rate for n in range(1, 61) for done in range(n + 1)}
    with translation.override(language):
        assert {r: percent(r) for r in rates} == {r: f"{floatformat(r, '-1')}%" for r in rates}
    assert percent(None) == ""


@pytest.mark.django_db
def test_the_page_rows_have_as_many_cells_as_the_header(client, personas):
    client.force_login(personas.supervisor)
    body = client.get(reverse("rectification:rollup")).content.decode()

    def part(tag: str) -> str:
        return re.search(rf"<{tag}>(.*?)</{tag}>", body, flags=re.S).group(1)

    head, foot = part("thead"), part("tfoot")
    rows = re.findall(r"<tr class=\"depth-.*?</tr>", part("tbody"), flags=re.S)
    assert len(rows) == 2  # communities A and B
    assert {len(_cells(r)) for r in rows} == {len(_cells(head))} == {len(_cells(foot))} == {12}
