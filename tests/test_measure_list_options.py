"""The list's filter selects: rendered in Python (same markup as Django's template) and,
with an organisation chosen, showing only that organisation's options."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django import forms
from django.urls import reverse

from rectification import filters
from rectification.selectors import measures as sel

from . import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 1)


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def _squeeze(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("filters", [{}, {"owner": "<x>", "inspection": "999"}, {"organisation": "1"}])
def test_selects_render_as_djangos_template(personas, measure_a, measure_b, filters):
    form = sel.measure_filterset(user=personas.supervisor, filters=filters, today=TODAY).form
    for name in ("organisation", "inspection", "category", "owner", "leader"):
        bound = form[name]
        fast = str(bound)
        widget = bound.field.widget
        plain = forms.Select(attrs=widget.attrs)
        plain.choices, plain.is_required = widget.choices, widget.is_required
        bound.field.widget = plain
        assert _squeeze(fast) == _squeeze(str(bound)), name
        bound.field.widget = widget


def test_chosen_organisation_narrows_the_options_not_the_filter(client, personas, measure_a, measure_b):
    tree = personas.tree
    client.force_login(personas.supervisor)
    url = reverse("rectification:measure_list")

    everything = client.get(url, {"mine": "0"}).content.decode()
    assert str(personas.person_staff_b.pk) in _options(everything, "owner")

    only_a = client.get(url, {"organisation": tree.a.pk}).content.decode()
    owners = set(_options(only_a, "owner"))
    assert str(personas.person_staff_a.pk) in owners and str(personas.person_staff_b.pk) not in owners
    assert str(measure_b.finding.category.pk) not in _options(only_a, "category")
    assert str(measure_a.finding.category.pk) in _options(only_a, "category")

    # Someone of B chosen with A: still shown (selected) and still filtering: no rows.
    mixed = client.get(url, {"organisation": tree.a.pk, "owner": personas.person_staff_b.pk})
    assert f'<option value="{personas.person_staff_b.pk}" selected>' in mixed.content.decode()
    assert list(mixed.context["rows"]) == []
    only_b = client.get(url, {"owner": personas.person_staff_b.pk})
    assert [m.pk for m in only_b.context["rows"]] == [measure_b.pk]


def test_too_many_options_wait_for_an_organisation(client, personas, measure_a, measure_b, monkeypatch):
    """Past OPTIONS_CAP a select lists only what to choose first; the chosen organisation's
    options are listed, and whatever is selected always is."""
    monkeypatch.setattr(filters, "OPTIONS_CAP", 2)  # the street has three people, two inspections
    tree, url = personas.tree, reverse("rectification:measure_list")
    client.force_login(personas.supervisor)

    everything = client.get(url, {"mine": "0"}).content.decode()
    assert _options(everything, "owner") == _options(everything, "leader") == [""]
    assert "全部（选择党组织后列出，或按姓名搜索）" in everything
    assert len(_options(everything, "inspection")) == 3  # two, not past the cap: listed

    only_a = client.get(url, {"organisation": tree.a.pk}).content.decode()
    assert set(_options(only_a, "owner")) == {"", str(personas.person_staff_a.pk), str(personas.person_member_a.pk)}

    chosen = client.get(url, {"owner": personas.person_staff_b.pk})
    body = chosen.content.decode()
    assert _options(body, "owner") == ["", str(personas.person_staff_b.pk)]
    assert f'<option value="{personas.person_staff_b.pk}" selected>' in body
    assert _options(body, "leader") == [""]
    assert [m.pk for m in chosen.context["rows"]] == [measure_b.pk]


def test_the_organisation_select_shows_when_other_selects_wait_for_it(client, personas, measure_a, monkeypatch):
    street_secretary = f.user(username="street_sec", organisation=personas.tree.street, role="secretary")
    client.force_login(street_secretary)
    url = reverse("rectification:measure_list")
    assert '<select name="organisation"' not in client.get(url).content.decode()  # everything listed
    monkeypatch.setattr(filters, "OPTIONS_CAP", 1)
    page = client.get(url).content.decode()
    assert '<select name="organisation"' in page and _options(page, "owner") == [""]
