"""Standard headings (标准问题方面): the 四个聚焦 by default, a district's own list where it
keeps one, and free-text categories mapped onto them when created or imported."""

from __future__ import annotations

import pytest

from rectification import services
from rectification.models import FOUR_FOCUSES, Category, Heading
from rectification.services.headings import heading_for_title, headings_for

from . import factories as f
from .ledger_books import book, row

FUHUA = {
    "关于党中央和上级各项决策部署落实情况方面": 1,
    "关于群众身边不正之风和腐败问题以及群众反映强烈的问题方面": 2,
    "关于基层党组织建设情况方面": 3,
    "关于巡察整改落实情况方面": 4,
    "关于聚焦基层党组织领导班子和队伍建设情况方面": 3,  # names the heading itself
    "关于其他方面": None,
}


def test_the_four_focuses_by_default_on_the_top_of_the_tree(tree):
    headings = headings_for(organisation=tree.a)
    assert [h.title for h in headings] == [title for title, _words in FOUR_FOCUSES]
    assert {h.organisation_id for h in headings} == {tree.district.pk}
    assert headings_for(organisation=tree.b) == headings  # the same list, not a second one
    assert Heading.objects.count() == 4
    for title, position in FUHUA.items():
        heading = heading_for_title(headings, title)
        assert (heading.position if heading else None) == position, title


def test_a_street_with_its_own_list_maps_its_communities_onto_it(tree):
    own = Heading.objects.create(organisation=tree.street, position=1, title="选人用人", keywords="选人,用人,换届")
    assert headings_for(organisation=tree.a) == [own]
    assert heading_for_title([own], "关于换届选举方面") == own


def test_categories_created_or_imported_map_to_a_heading(personas):
    insp = f.inspection(organisation=personas.tree.a)
    made = services.category_create(inspection=insp, user=personas.secretary_a, title="关于基层党组织建设情况方面")
    assert made.heading.position == 3
    other = services.category_create(inspection=insp, user=personas.secretary_a, title="关于其他方面")
    assert other.heading is None  # free text still works, counted as 未归类

    data = book([row(category="关于群众身边不正之风和腐败问题方面")])
    services.ledger_import(data=data, user=personas.secretary_a, organisation=personas.tree.a)
    imported = Category.objects.get(title="关于群众身边不正之风和腐败问题方面")
    assert imported.heading.position == 2


@pytest.mark.django_db
def test_a_follow_up_keeps_the_headings(personas):
    import datetime as dt

    from rectification.services.rounds import follow_up_create

    insp = f.inspection(organisation=personas.tree.a)
    services.category_create(inspection=insp, user=personas.secretary_a, title="关于基层党组织建设情况方面")
    follow = follow_up_create(
        user=personas.secretary_a,
        earlier=insp,
        team="组",
        onsite_start=dt.date(2025, 8, 1),
        onsite_end=dt.date(2025, 8, 2),
        feedback_on=dt.date(2025, 8, 3),
    )
    assert follow.categories.get().heading.position == 3
