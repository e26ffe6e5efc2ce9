"""A figure and the list behind it never disagree: every number on the dashboard links
to the measure list (rectification.filters.MeasureFilter's parameters), and that list
shows exactly as many rows as the number says — checked through the list's own selector
and through the list page itself, for a secretary, a staff member and a supervisor."""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.urls import reverse

from rectification.selectors import dashboard as sel
from rectification.selectors.measures import measure_list

from . import test_dashboard as hand_counted
from .test_dashboard import TODAY

board, frozen = hand_counted.board, hand_counted.frozen
CELLS = ["total", "done", "awaiting", "in_progress", "not_started", "open", "overdue", "due_soon"]


def _list_count(user, *parts) -> int:
    params: dict = {}
    for part in parts:
        params.update(part)
    return measure_list(user=user, filters=QueryDict(urlencode(params, doseq=True)), today=TODAY).count()


def test_every_figure_and_cell_counts_the_rows_of_its_list(board, personas):
    """The parameters behind each number select, through the measure list's own
    selector, exactly as many rows as the number says."""
    data = sel.dashboard_data(inspection=board.insp, today=TODAY, due_soon_days=7)
    user = personas.secretary_a
    for figure in data.figures:
        assert _list_count(user, data.base_params, figure.params) == figure.value, figure.key
    checked = 0
    for group in data.by_category + data.by_leader + data.by_owner:
        if group.key is None:
            continue  # "nobody assigned" has no list parameter, so it has no link either
        for key in CELLS:
            expected = getattr(group.counts, key)
            assert _list_count(user, data.base_params, {group.param: group.key}, sel.count_params(key, 7)) == expected
            checked += 1
    assert checked == 8 * (2 + 2 + 3)


def _shown(client, url: str) -> set[int]:
    """The ids of the measures the list page shows, over all its pages."""
    ids: set[int] = set()
    page = 1
    while True:
        response = client.get(url + f"&page={page}")
        assert response.status_code == 200
        ids |= {m.pk for m in response.context["rows"]}
        if not response.context["page"].has_next():
            return ids
        page += 1


@pytest.mark.parametrize("who", ["secretary_a", "staff_a", "supervisor"])
def test_clicking_a_figure_opens_exactly_its_rows(client, board, personas, who):
    client.force_login(getattr(personas, who))
    response = client.get(reverse("rectification:dashboard"), {"organisation": personas.tree.a.pk})
    data, body = response.context["data"], response.content.decode()
    m = board
    expected = {
        "total": {x.pk for x in (m.m1, m.m2, m.m3, m.m4, m.m5, m.m6, m.m7, m.m8, m.m9, m.m10)},
        "done": {m.m1.pk, m.m7.pk},
        "awaiting": {m.m3.pk},
        "in_progress": {m.m2.pk, m.m5.pk, m.m6.pk, m.m8.pk, m.m9.pk},
        "not_started": {m.m4.pk, m.m10.pk},
        "overdue": {m.m2.pk, m.m3.pk},
        "due_soon": {m.m4.pk, m.m6.pk, m.m9.pk},
        "ongoing": {m.m5.pk},
    }
    for figure in data.figures:
        assert f'href="{escape(figure.url)}"' in body, figure.key
        assert _shown(client, figure.url) == expected[figure.key], figure.key
        assert len(expected[figure.key]) == figure.value


def test_clicking_a_table_cell_opens_exactly_its_rows(client, board, personas):
    client.force_login(personas.staff_a)
    data = client.get(reverse("rectification:dashboard")).context["data"]
    for group in data.by_category + data.by_leader + data.by_owner:
        for key in CELLS:
            url = group.links.get(key)
            if group.key is None:
                assert not url
                continue
            assert len(_shown(client, url)) == getattr(group.counts, key), (group.label, key)
