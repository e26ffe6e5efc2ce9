"""The structure editor: services (create, edit, reorder, delete rules), the tree page and
its permissions (secretary of A edits; staff of A and the supervisor read; B's people and
A's people on B's objects get 404), history rows and the tree page's query budget."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from rectification import services
from rectification.models import Category, Evidence, Finding, Measure, Person, ProgressEntry, SignOff

from . import factories as f


def positions(rows) -> list[tuple[str, int]]:
    return [(r.title if hasattr(r, "title") else r.heading, r.position) for r in rows]


@pytest.fixture
def insp_a(personas):
    return f.inspection(organisation=personas.tree.a)


@pytest.fixture
def insp_b(personas):
    return f.inspection(organisation=personas.tree.b)


def cats(inspection) -> list[str]:
    return list(Category.objects.filter(inspection=inspection).order_by("position").values_list("title", flat=True))


def findings(category) -> list[tuple[str, int, str | None]]:
    rows = Finding.objects.filter(category=category).select_related("parent").order_by("position")
    return [(r.heading, r.position, r.parent.heading if r.parent else None) for r in rows]


def measure_titles(finding) -> list[str]:
    return list(finding.measures.order_by("position").values_list("title", flat=True))


# ------------------------------------------------------------------ services: categories


def test_categories_are_appended_and_reordered(personas, insp_a):
    user = personas.secretary_a
    for title in ("甲方面", "乙方面", "丙方面"):
        services.category_create(inspection=insp_a, user=user, title=title)
    third = Category.objects.get(title="丙方面")
    services.category_move(category=third, user=user, direction="up")
    assert cats(insp_a) == ["甲方面", "丙方面", "乙方面"]
    services.category_move(category=third, user=user, direction="up")
    assert cats(insp_a) == ["丙方面", "甲方面", "乙方面"]
    assert sorted(Category.objects.filter(inspection=insp_a).values_list("position", flat=True)) == [1, 2, 3]
    # The history shows the moves, by whom: create at 3, then 2, then 1.
    assert list(third.history.order_by("history_id").values_list("position", "history_user")) == [
        (3, user.pk),
        (2, user.pk),
        (1, user.pk),
    ]


def test_moving_past_either_end_is_refused(personas, insp_a):
    first = services.category_create(inspection=insp_a, user=personas.secretary_a, title="甲方面")
    last = services.category_create(inspection=insp_a, user=personas.secretary_a, title="乙方面")
    with pytest.raises(ValidationError, match="最前面"):
        services.category_move(category=first, user=personas.secretary_a, direction="up")
    with pytest.raises(ValidationError, match="最后面"):
        services.category_move(category=last, user=personas.secretary_a, direction="down")
    assert cats(insp_a) == ["甲方面", "乙方面"]


def test_category_titles_are_unique_and_required(personas, insp_a):
    services.category_create(inspection=insp_a, user=personas.secretary_a, title="甲方面")
    with pytest.raises(ValidationError, match="同名"):
        services.category_create(inspection=insp_a, user=personas.secretary_a, title=" 甲方面 ")
    with pytest.raises(ValidationError, match="请填写"):
        services.category_create(inspection=insp_a, user=personas.secretary_a, title="  ")
    assert cats(insp_a) == ["甲方面"]


def test_reorder_closes_gaps_left_by_other_tools(personas, insp_a):
    """Positions written elsewhere (the admin, an import) may have gaps: a move still works."""
    for position, title in ((5, "甲"), (9, "乙"), (12, "丙")):
        f.category(inspection=insp_a, title=title, position=position)
    services.category_move(category=Category.objects.get(title="丙"), user=personas.secretary_a, direction="up")
    rows = Category.objects.filter(inspection=insp_a).order_by("position")
    assert [(c.title, c.position) for c in rows] == [("甲", 1), ("丙", 2), ("乙", 3)]


# ------------------------------------------------------------------ services: findings


def test_sub_problems_follow_their_finding_in_document_order(personas, insp_a):
    user = personas.secretary_a
    cat = services.category_create(inspection=insp_a, user=user, title="甲方面")
    one = services.finding_create(category=cat, user=user, heading="事项一")
    two = services.finding_create(category=cat, user=user, heading="事项二")
    services.finding_create(category=cat, user=user, heading="子一", parent=one)
    services.finding_create(category=cat, user=user, heading="子二", parent=one)
    assert findings(cat) == [("事项一", 1, None), ("子一", 2, "事项一"), ("子二", 3, "事项一"), ("事项二", 4, None)]

    # A top-level move carries the sub-problems along.
    services.finding_move(finding=two, user=user, direction="up")
    assert findings(cat) == [("事项二", 1, None), ("事项一", 2, None), ("子一", 3, "事项一"), ("子二", 4, "事项一")]

    # A sub-problem moves among its siblings only.
    sub_two = Finding.objects.get(heading="子二")
    services.finding_move(finding=sub_two, user=user, direction="up")
    assert [h for h, _p, _parent in findings(cat)] == ["事项二", "事项一", "子二", "子一"]
    with pytest.raises(ValidationError):
        services.finding_move(finding=sub_two, user=user, direction="up")


def test_finding_update_moves_it_under_a_new_parent(personas, insp_a):
    user = personas.secretary_a
    cat = services.category_create(inspection=insp_a, user=user, title="甲方面")
    one = services.finding_create(category=cat, user=user, heading="事项一")
    services.finding_create(category=cat, user=user, heading="子一", parent=one)
    two = services.finding_create(category=cat, user=user, heading="事项二")
    three = services.finding_create(category=cat, user=user, heading="事项三")
    services.finding_update(finding=three, user=user, heading="事项三（改）", problem="内部描述", parent=one)
    assert findings(cat) == [
        ("事项一", 1, None),
        ("子一", 2, "事项一"),
        ("事项三（改）", 3, "事项一"),
        ("事项二", 4, None),
    ]
    # Back to top level: it goes last.
    services.finding_update(finding=Finding.objects.get(pk=three.pk), user=user, heading="事项三", parent=None)
    assert [h for h, _p, _x in findings(cat)][-1] == "事项三"
    # One level of sub-problems only, and never under itself.
    with pytest.raises(ValidationError, match="下级整改事项下不能再设下级事项"):
        services.finding_create(category=cat, user=user, heading="孙", parent=Finding.objects.get(heading="子一"))
    with pytest.raises(ValidationError):
        services.finding_update(finding=one, user=user, heading="事项一", parent=two)


def test_parent_from_another_category_is_refused(personas, insp_a):
    user = personas.secretary_a
    cat1 = services.category_create(inspection=insp_a, user=user, title="甲方面")
    cat2 = services.category_create(inspection=insp_a, user=user, title="乙方面")
    other = services.finding_create(category=cat2, user=user, heading="别处的事项")
    with pytest.raises(ValidationError, match="同一问题类别"):
        services.finding_create(category=cat1, user=user, heading="子", parent=other)


# ------------------------------------------------------------------ services: measures


def test_measure_create_assigns_people_and_starts_the_timeline(personas, insp_a):
    user = personas.secretary_a
    finding = f.finding(category=f.category(inspection=insp_a))
    m = services.measure_create(
        finding=finding,
        user=user,
        title="一是开展专项排查工作",
        kind=Measure.Kind.TIME_BOUND,
        due_on=dt.date(2025, 6, 30),
        leader=personas.person_member_a,
        owners=[personas.person_staff_a],
        new_owner_names="陈新、 赵敏",
    )
    assert (m.position, m.status, m.version) == (1, Measure.Status.NOT_STARTED, 1)
    assert m.original_due_on == dt.date(2025, 6, 30)
    # 陈新 is new (no login yet); 赵敏 already exists and is not duplicated.
    assert sorted(p.name for p in m.owners.all()) == ["赵敏", "陈新"]
    assert Person.objects.get(organisation=personas.tree.a, name="陈新").user is None
    assert Person.objects.filter(name="赵敏", organisation=personas.tree.a).count() == 1
    assert m.entries.get().kind == ProgressEntry.Kind.SYSTEM
    assert m.history.get().history_user == user


@pytest.mark.parametrize(
    ("kind", "due_on", "message"),
    [
        (Measure.Kind.ONGOING, dt.date(2025, 6, 30), "长期坚持"),
        (Measure.Kind.TIME_BOUND, None, "须填写完成时限"),
        (Measure.Kind.IMMEDIATE, None, "须填写完成时限"),
        ("someday", None, "整改类型"),
    ],
)
def test_measure_kind_and_deadline_must_agree(personas, insp_a, kind, due_on, message):
    finding = f.finding(category=f.category(inspection=insp_a))
    with pytest.raises(ValidationError, match=message):
        services.measure_create(finding=finding, user=personas.secretary_a, title="措施", kind=kind, due_on=due_on)
    assert not Measure.objects.exists()


def test_people_of_another_organisation_cannot_be_assigned(personas, insp_a):
    finding = f.finding(category=f.category(inspection=insp_a))
    with pytest.raises(ValidationError, match="不属于本党组织"):
        services.measure_create(
            finding=finding,
            user=personas.secretary_a,
            title="措施",
            due_on=dt.date(2025, 6, 30),
            owners=[personas.person_staff_b],
        )
    assert not Measure.objects.exists()


def test_measures_reorder_without_touching_their_version(personas, measure_a):
    user = personas.secretary_a
    finding = measure_a.finding
    second = f.measure(finding=finding, title="措施2")
    third = f.measure(finding=finding, title="措施3")
    services.measure_move(measure=third, user=user, direction="up")
    services.measure_move(measure=measure_a, user=user, direction="down")
    assert measure_titles(finding) == ["措施3", measure_a.title, "措施2"]
    assert {m.version for m in finding.measures.all()} == {1}
    assert second.history.latest().position == 3


def test_deleting_renumbers_and_is_in_the_history(personas, measure_a):
    user = personas.secretary_a
    finding = measure_a.finding
    f.measure(finding=finding, title="措施2")
    pk = measure_a.pk
    services.measure_delete(measure=measure_a, user=user)
    assert list(finding.measures.values_list("title", "position")) == [("措施2", 1)]
    deleted = Measure.history.filter(id=pk, history_type="-").get()
    assert deleted.history_user == user


def _evidence(measure, user) -> Evidence:
    return Evidence.objects.create(
        measure=measure,
        file=ContentFile(b"%PDF-1.4", name="x.pdf"),
        original_name="会议纪要.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        uploaded_by=user,
    )


@pytest.mark.parametrize("level", ["measure", "finding", "category"])
def test_work_on_record_blocks_deletion(personas, measure_a, level):
    _evidence(measure_a, personas.staff_a)
    target = {"measure": measure_a, "finding": measure_a.finding, "category": measure_a.finding.category}[level]
    delete = getattr(services, f"{level}_delete")
    with pytest.raises(ValidationError, match="佐证材料或销号记录"):
        delete(**{level: target, "user": personas.secretary_a})
    assert Measure.objects.filter(pk=measure_a.pk).exists()


def test_sign_off_on_a_sub_problem_blocks_deleting_its_parent(personas, insp_a):
    parent = f.finding(category=f.category(inspection=insp_a), heading="事项")
    sub = f.finding(category=parent.category, heading="下级整改事项", parent=parent)
    measure = f.measure(finding=sub, title="已销号的措施", status=Measure.Status.DONE)
    SignOff.objects.create(measure=measure, decision=SignOff.Decision.APPROVED, decided_by=personas.secretary_a)
    with pytest.raises(ValidationError, match="已销号的措施"):
        services.finding_delete(finding=parent, user=personas.secretary_a)
    assert Finding.objects.count() == 2


def test_deleting_a_category_takes_its_tree_and_renumbers(personas, insp_a):
    user = personas.secretary_a
    gone = services.category_create(inspection=insp_a, user=user, title="甲方面")
    services.category_create(inspection=insp_a, user=user, title="乙方面")
    finding = services.finding_create(category=gone, user=user, heading="事项")
    services.finding_create(category=gone, user=user, heading="子", parent=finding)
    f.measure(finding=finding)
    services.category_delete(category=gone, user=user)
    assert list(Category.objects.filter(inspection=insp_a).values_list("title", "position")) == [("乙方面", 1)]
    assert not Finding.objects.exists() and not Measure.objects.exists()
    assert Finding.history.filter(history_type="-").count() == 2


def test_inspection_dates_must_be_in_order(personas):
    base = {
        "user": personas.secretary_a,
        "organisation": personas.tree.a,
        "team": "区委第四巡察组",
        "onsite_start": dt.date(2024, 9, 25),
        "onsite_end": dt.date(2024, 12, 27),
        "feedback_on": dt.date(2025, 1, 21),
    }
    with pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        services.inspection_create(**base | {"onsite_end": dt.date(2024, 9, 1)})
    with pytest.raises(ValidationError, match="反馈日期"):
        services.inspection_create(**base | {"feedback_on": dt.date(2024, 12, 1)})
    with pytest.raises(ValidationError, match="整改期限"):
        services.inspection_create(**base | {"deadline": dt.date(2025, 1, 1)})
    inspection = services.inspection_create(**base)
    services.inspection_update(inspection=inspection, user=personas.secretary_a, team="区委第五巡察组")
    assert list(inspection.history.values_list("team", flat=True)) == ["区委第五巡察组", "区委第四巡察组"]


def test_person_ensure_is_idempotent(personas):
    a = services.person_ensure(organisation=personas.tree.a, name=" 陈新 ")
    b = services.person_ensure(organisation=personas.tree.a, name="陈新")
    assert a.pk == b.pk and a.name == "陈新"


# ------------------------------------------------------------------ views: permissions


@pytest.fixture
def world(personas, measure_a, measure_b):
    """One object of each level in A and in B."""
    return personas


def _urls(measure) -> dict[str, str]:
    finding = measure.finding
    category = finding.category
    return {
        "inspection_edit": reverse("rectification:inspection_edit", args=[category.inspection_id]),
        "category_create": reverse("rectification:category_create", args=[category.inspection_id]),
        "category_edit": reverse("rectification:category_edit", args=[category.pk]),
        "category_delete": reverse("rectification:category_delete", args=[category.pk]),
        "finding_create": reverse("rectification:finding_create", args=[category.pk]),
        "finding_edit": reverse("rectification:finding_edit", args=[finding.pk]),
        "finding_delete": reverse("rectification:finding_delete", args=[finding.pk]),
        "measure_create": reverse("rectification:measure_create", args=[finding.pk]),
        "measure_edit": reverse("rectification:measure_edit", args=[measure.pk]),
        "measure_delete": reverse("rectification:measure_delete", args=[measure.pk]),
    }


def _move_urls(measure) -> list[str]:
    finding = measure.finding
    return [
        reverse("rectification:category_move", args=[finding.category_id]),
        reverse("rectification:finding_move", args=[finding.pk]),
        reverse("rectification:measure_move", args=[measure.pk]),
    ]


def test_secretary_of_a_may_open_every_editor(client, world, measure_a):
    client.force_login(world.secretary_a)
    for name, url in _urls(measure_a).items():
        assert client.get(url).status_code == 200, name
    for url in _move_urls(measure_a):
        assert client.post(url, {"direction": "down"}).status_code == 302


@pytest.mark.parametrize("who", ["staff_a", "member_a", "supervisor"])
def test_others_who_see_a_may_not_edit(client, world, measure_a, who):
    client.force_login(getattr(world, who))
    for name, url in _urls(measure_a).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"title": "x", "heading": "x"}).status_code == 403, name
    for url in _move_urls(measure_a):
        assert client.post(url, {"direction": "down"}).status_code == 403
    assert Category.objects.filter(title="x").count() == 0


@pytest.mark.parametrize("who", ["secretary_a", "staff_a"])
def test_objects_of_b_are_not_found_for_a(client, world, measure_b, who):
    client.force_login(getattr(world, who))
    for name, url in _urls(measure_b).items():
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"title": "x"}).status_code == 404, name
    for url in _move_urls(measure_b):
        assert client.post(url, {"direction": "up"}).status_code == 404
    tree = reverse("rectification:inspection_detail", args=[measure_b.finding.category.inspection_id])
    assert client.get(tree).status_code == 404


def test_anonymous_is_sent_to_login(client, world, measure_a):
    for url in [*_urls(measure_a).values(), reverse("rectification:inspection_create")]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_moves_and_deletes_are_post_only(client, world, measure_a):
    client.force_login(world.secretary_a)
    for url in _move_urls(measure_a):
        assert client.get(url).status_code == 405
    # GET on a delete URL only asks for confirmation.
    assert client.get(_urls(measure_a)["measure_delete"]).status_code == 200
    assert Measure.objects.filter(pk=measure_a.pk).exists()


# ------------------------------------------------------------------ views: the tree page


def test_tree_shows_edit_controls_to_the_secretary_only(client, world, measure_a):
    url = reverse("rectification:inspection_detail", args=[measure_a.finding.category.inspection_id])
    client.force_login(world.secretary_a)
    body = client.get(url).content.decode()
    assert measure_a.title in body and "添加整改措施" in body
    assert reverse("rectification:measure_edit", args=[measure_a.pk]) in body
    for who in ("staff_a", "supervisor"):
        client.force_login(getattr(world, who))
        body = client.get(url).content.decode()
        assert measure_a.title in body
        assert "添加整改措施" not in body and "/edit/" not in body and "只读" in body


def _tree(inspection, size: int, people: list[Person]) -> None:
    for _c in range(size):
        category = f.category(inspection=inspection)
        for i in range(size):
            finding = f.finding(category=category)
            sub = f.finding(category=category, parent=finding)
            for target in (finding, sub):
                for _ in range(size):
                    f.measure(finding=target, leader=people[0], owners=people[i % 2 :])


@pytest.mark.parametrize("size", [1, 3])
def test_tree_page_queries_do_not_grow(client, personas, insp_a, size, django_assert_num_queries):
    _tree(insp_a, size, [personas.person_member_a, personas.person_staff_a])
    url = reverse("rectification:inspection_detail", args=[insp_a.pk])
    client.force_login(personas.secretary_a)
    # Queries: session, user, memberships (scope), inspection, people of the organisation
    # (for the add forms), categories, findings, measures with leader, owners, the plan's and
    # reports' states (their links), the acceptance opinion issued (its link); the top bar's
    # unread-notification count.
    with django_assert_num_queries(12):
        body = client.get(url).content.decode()
    assert body.count('class="tree-measure"') == 2 * size**3
    client.force_login(personas.supervisor)
    # Read-only viewers get no add forms, hence no people list; a supervisor's menu counts
    # the documents awaiting their review; with no opinion issued yet, whether they may
    # draft one asks their supervisor levels and the district's acceptance rule (2).
    with django_assert_num_queries(14):
        body = client.get(url).content.decode()
    assert body.count('class="tree-measure"') == 2 * size**3


# ------------------------------------------------------------------ views: editing


def test_secretary_builds_a_tree_in_the_browser_forms(client, personas):
    client.force_login(personas.secretary_a)
    response = client.post(
        reverse("rectification:inspection_create"),
        {
            "organisation": personas.tree.a.pk,
            "deployed_by": "区委",
            "team": "区委第四巡察组",
            "onsite_start": "2024-09-25",
            "onsite_end": "2024-12-27",
            "feedback_on": "2025-01-21",
        },
    )
    inspection = personas.tree.a.inspections.get()
    assert response.status_code == 302
    client.post(reverse("rectification:category_create", args=[inspection.pk]), {"title": "关于党的建设方面"})
    category = inspection.categories.get()
    client.post(reverse("rectification:finding_create", args=[category.pk]), {"heading": "压实安全管理工作"})
    finding = category.findings.get()
    client.post(reverse("rectification:finding_create", args=[category.pk]), {"heading": "子", "parent": finding.pk})
    response = client.post(
        reverse("rectification:measure_create", args=[finding.pk]),
        {
            "quick": "1",
            "title": "一是开展专项排查",
            "kind": "time_bound",
            "due_on": "2025-06-30",
            "owner": personas.person_staff_a.pk,
            "leader": personas.person_member_a.pk,
        },
    )
    measure = finding.measures.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#m{measure.pk}")
    assert list(measure.owners.all()) == [personas.person_staff_a] and measure.leader == personas.person_member_a
    assert category.findings.get(heading="子").parent == finding


def test_invalid_input_is_shown_on_the_form(client, personas, insp_a):
    finding = f.finding(category=f.category(inspection=insp_a))
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_create", args=[finding.pk])
    response = client.post(url, {"quick": "1", "title": "措施", "kind": "ongoing", "due_on": "2025-06-30"})
    assert response.status_code == 400
    assert "长期坚持的措施不设完成时限" in response.content.decode()
    response = client.post(url, {"quick": "1", "title": "措施", "kind": "time_bound", "due_on": "not a date"})
    assert response.status_code == 400
    assert not Measure.objects.exists()
    response = client.post(url, {"quick": "1", "title": "措" * 100_000, "kind": "time_bound", "due_on": "2025-06-30"})
    assert response.status_code == 400  # texts are bounded: no 100 KB measure title
    assert not Measure.objects.exists()


def test_move_buttons_reorder_and_report_the_edge(client, personas, measure_a):
    second = f.measure(finding=measure_a.finding, title="措施2")
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_move", args=[second.pk])
    response = client.post(url, {"direction": "up"})
    assert response.status_code == 302 and response["Location"].endswith(f"#m{second.pk}")
    assert measure_titles(measure_a.finding) == ["措施2", measure_a.title]
    response = client.post(url, {"direction": "up"}, follow=True)
    assert "已经排在最前面" in response.content.decode()
    assert client.post(url, {"direction": "sideways"}).status_code == 302
    assert measure_titles(measure_a.finding) == ["措施2", measure_a.title]


def test_delete_refusal_is_explained(client, personas, measure_a):
    _evidence(measure_a, personas.staff_a)
    client.force_login(personas.secretary_a)
    url = reverse("rectification:category_delete", args=[measure_a.finding.category_id])
    body = client.post(url, follow=True).content.decode()
    assert "不能删除" in body
    assert Measure.objects.filter(pk=measure_a.pk).exists()


def test_delete_after_confirmation(client, personas, measure_a):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:finding_delete", args=[measure_a.finding_id])
    assert "1 条整改措施" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert not Finding.objects.filter(pk=measure_a.finding_id).exists()


def test_measure_edit_saves_through_the_workflow(client, personas, measure_a):
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_edit", args=[measure_a.pk])
    data = {
        "title": "一是开展专项排查（修订）",
        "kind": "time_bound",
        "due_on": "2025-07-31",
        "leader": personas.person_member_a.pk,
        "owners": [personas.person_staff_a.pk],
        "new_owner_names": "陈新",
        "version": measure_a.version,
    }
    assert client.post(url, data).status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.title == "一是开展专项排查（修订）" and measure_a.version == 2
    assert sorted(p.name for p in measure_a.owners.all()) == ["赵敏", "陈新"]
    assert measure_a.entries.filter(kind=ProgressEntry.Kind.SYSTEM).exists()


def test_the_editor_keeps_the_mark_that_joins_a_title_to_its_progress(client, personas, measure_a):
    """「，」 at the end of a title is the author's: kept, and the bulletin joins with it."""
    from rectification.documents.kinds.bulletin import measure_sentence

    client.force_login(personas.secretary_a)
    data = {"title": "多维开展宣传动员，", "kind": "time_bound", "due_on": "2025-07-31", "version": measure_a.version}
    assert client.post(reverse("rectification:measure_edit", args=[measure_a.pk]), data).status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.title == "多维开展宣传动员，"
    assert measure_sentence(measure_a.title, "通过微信群宣传。") == "多维开展宣传动员，通过微信群宣传。"


def test_measure_edit_with_a_stale_version_shows_both_versions(client, personas, measure_a):
    services.measure_update(measure=measure_a, user=personas.secretary_a, expected_version=1, title="别人改的标题")
    client.force_login(personas.secretary_a)
    url = reverse("rectification:measure_edit", args=[measure_a.pk])
    data = {"title": "我的标题", "kind": "time_bound", "due_on": "2025-06-30", "version": 1}
    response = client.post(url, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "已被他人修改" in body and "别人改的标题" in body and "我的标题" in body
    measure_a.refresh_from_db()
    assert measure_a.title == "别人改的标题"
    # The re-shown form carries the current version: a second submit is a deliberate overwrite.
    assert 'name="version" value="2"' in body
    assert client.post(url, data | {"version": 2}).status_code == 302
    measure_a.refresh_from_db()
    assert measure_a.title == "我的标题"


def test_inspection_create_offers_only_own_organisations(client, personas):
    client.force_login(personas.secretary_a)
    body = client.get(reverse("rectification:inspection_create")).content.decode()
    assert personas.tree.a.short_name in body and personas.tree.b.short_name not in body
    response = client.post(
        reverse("rectification:inspection_create"),
        {
            "organisation": personas.tree.b.pk,
            "deployed_by": "区委",
            "team": "x",
            "onsite_start": "2024-09-25",
            "onsite_end": "2024-12-27",
            "feedback_on": "2025-01-21",
        },
    )
    assert response.status_code == 400 and not personas.tree.b.inspections.exists()
    client.force_login(personas.staff_a)
    assert client.get(reverse("rectification:inspection_create")).status_code == 403
