"""Bulk actions of the measure list: status, responsible person, leader or deadline for many
measures at once; all or nothing; each change versioned, on the timeline and in the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rectification import services
from rectification.models import Measure, ProgressEntry

from . import factories as f

Status = Measure.Status


@pytest.fixture
def three(personas):
    """Three not-started measures of A under one item, staff_a responsible."""
    finding = f.finding(category=f.category(inspection=f.inspection(organisation=personas.tree.a)))
    return [
        f.measure(finding=finding, title=f"措施{i}", status=Status.NOT_STARTED, owners=[personas.person_staff_a])
        for i in (1, 2, 3)
    ]


def snapshot(measures) -> list[tuple]:
    """What a refused bulk action must leave untouched."""
    rows = Measure.objects.filter(pk__in=[m.pk for m in measures]).order_by("pk")
    return [
        (m.status, m.version, m.due_on, m.leader_id, tuple(m.owners.values_list("pk", flat=True)), m.entries.count())
        for m in rows
    ]


def history_count(measures) -> int:
    return Measure.history.filter(id__in=[m.pk for m in measures]).count()


# ------------------------------------------------------------------ the service


def test_bulk_status_change_goes_through_the_workflow(personas, three):
    before = history_count(three)
    count = services.measures_bulk_update(
        user=personas.secretary_a, measure_ids=[m.pk for m in three], to_status=Status.IN_PROGRESS
    )
    assert count == 3
    for m in three:
        m.refresh_from_db()
        assert (m.status, m.version) == (Status.IN_PROGRESS, 2)
        entry = m.entries.get(kind=ProgressEntry.Kind.STATUS)
        assert (entry.old_status, entry.new_status, entry.author) == (
            Status.NOT_STARTED,
            Status.IN_PROGRESS,
            personas.secretary_a,
        )
        assert m.history.latest().history_user == personas.secretary_a
    assert history_count(three) == before + 3


def test_one_illegal_transition_changes_nothing(personas, three):
    """措施3 is already awaiting sign-off: moving it (back) to in progress without a reason
    is refused, so the two legal changes are rolled back too."""
    Measure.objects.filter(pk=three[2].pk).update(status=Status.AWAITING_SIGN_OFF, progress="已完成排查")
    before, history = snapshot(three), history_count(three)
    with pytest.raises(ValidationError) as refused:
        services.measures_bulk_update(
            user=personas.secretary_a, measure_ids=[m.pk for m in three], to_status=Status.IN_PROGRESS
        )
    messages = refused.value.messages
    assert messages[0].startswith("未做任何修改")
    assert len(messages) == 2 and "措施3" in messages[1] and "理由" in messages[1]
    assert snapshot(three) == before and history_count(three) == history


def test_each_refused_measure_is_listed(personas, three):
    """Not started → awaiting sign-off skips a step: every such measure is named."""
    with pytest.raises(ValidationError) as refused:
        services.measures_bulk_update(
            user=personas.secretary_a, measure_ids=[m.pk for m in three], to_status=Status.AWAITING_SIGN_OFF
        )
    assert [m for m in refused.value.messages if "不能从" in m] == [
        f"「措施{i}」：不能从“未启动”改为“待销号”。" for i in (1, 2, 3)
    ]


def test_a_foreign_measure_spoils_the_batch(personas, three, measure_b):
    before_a, before_b = snapshot(three), snapshot([measure_b])
    with pytest.raises(ValidationError) as refused:
        services.measures_bulk_update(
            user=personas.secretary_a,
            measure_ids=[*(m.pk for m in three), measure_b.pk],
            due_on=dt.date(2025, 9, 30),
        )
    # B's measure is not named by title: A's secretary must not learn anything about it.
    assert any(str(measure_b.pk) in m and "不存在或无权查看" in m for m in refused.value.messages)
    assert measure_b.title not in " ".join(refused.value.messages)
    assert snapshot(three) == before_a and snapshot([measure_b]) == before_b


@pytest.mark.parametrize("who", ["staff_a", "member_a", "supervisor"])
def test_only_secretaries_bulk_change(personas, three, who):
    before = snapshot(three)
    with pytest.raises(ValidationError) as refused:
        services.measures_bulk_update(
            user=getattr(personas, who), measure_ids=[m.pk for m in three], due_on=dt.date(2025, 9, 30)
        )
    assert sum("无权批量修改" in m for m in refused.value.messages) == 3
    assert snapshot(three) == before


def test_bulk_owner_and_deadline_changes_are_on_the_timeline(personas, three):
    newcomer = services.person_ensure(organisation=personas.tree.a, name="陈新")
    ids = [m.pk for m in three]
    services.measures_bulk_update(user=personas.secretary_a, measure_ids=ids, owner=newcomer)
    services.measures_bulk_update(user=personas.secretary_a, measure_ids=ids, due_on=dt.date(2025, 9, 30))
    for m in three:
        m.refresh_from_db()
        assert list(m.owners.all()) == [newcomer]
        assert m.due_on == dt.date(2025, 9, 30) and m.version == 3
        texts = list(m.entries.filter(kind=ProgressEntry.Kind.SYSTEM).values_list("text", flat=True))
        assert any("陈新" in t for t in texts) and any("2025" in t for t in texts)
        assert [h.due_on for h in m.history.order_by("history_id")][-1] == dt.date(2025, 9, 30)


def test_a_deadline_for_an_ongoing_measure_is_refused(personas, three):
    ongoing = f.measure(finding=three[0].finding, title="长期措施", kind=Measure.Kind.ONGOING)
    before = snapshot([*three, ongoing])
    with pytest.raises(ValidationError) as refused:
        services.measures_bulk_update(
            user=personas.secretary_a, measure_ids=[*(m.pk for m in three), ongoing.pk], due_on=dt.date(2025, 9, 30)
        )
    assert any("长期措施" in m and "长期坚持" in m for m in refused.value.messages)
    assert snapshot([*three, ongoing]) == before


def test_bulk_sign_off_of_awaiting_measures(personas, three):
    Measure.objects.filter(pk__in=[m.pk for m in three]).update(status=Status.AWAITING_SIGN_OFF, progress="已完成")
    services.measures_bulk_update(user=personas.secretary_a, measure_ids=[m.pk for m in three], to_status=Status.DONE)
    assert set(Measure.objects.filter(pk__in=[m.pk for m in three]).values_list("status", flat=True)) == {Status.DONE}
    assert all(m.sign_offs.count() == 1 for m in three)


def test_nothing_selected_or_nothing_to_do(personas, three):
    with pytest.raises(ValidationError, match="勾选"):
        services.measures_bulk_update(user=personas.secretary_a, measure_ids=[], to_status=Status.IN_PROGRESS)
    with pytest.raises(ValidationError, match="选择要批量修改的内容"):
        services.measures_bulk_update(user=personas.secretary_a, measure_ids=[three[0].pk])


# ------------------------------------------------------------------ the view


def test_bulk_view_applies_and_returns_to_the_list(client, personas, three):
    client.force_login(personas.secretary_a)
    back = "/measures/?status=not_started&page=2"
    response = client.post(
        reverse("rectification:measure_bulk"),
        {"measure": [m.pk for m in three], "action": "status", "to_status": "in_progress", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert set(Measure.objects.values_list("status", flat=True)) == {Status.IN_PROGRESS}


def test_bulk_view_reports_refusals_and_changes_nothing(client, personas, three):
    Measure.objects.filter(pk=three[0].pk).update(kind=Measure.Kind.ONGOING, due_on=None)
    client.force_login(personas.secretary_a)
    data = {"measure": [m.pk for m in three], "action": "due_on", "due_on": "2025-09-30", "next": "/"}
    response = client.post(reverse("rectification:measure_bulk"), data, follow=True)
    body = response.content.decode()
    assert "未做任何修改" in body and "措施1" in body
    assert not Measure.objects.filter(due_on=dt.date(2025, 9, 30)).exists()


def test_bulk_view_only_uses_the_field_of_the_chosen_action(client, personas, three):
    client.force_login(personas.secretary_a)
    data = {"measure": [three[0].pk], "action": "leader", "leader": personas.person_member_a.pk, "due_on": "2030-01-01"}
    client.post(reverse("rectification:measure_bulk"), data)
    three[0].refresh_from_db()
    assert three[0].leader == personas.person_member_a and three[0].due_on == dt.date(2025, 6, 30)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "status"},  # no status chosen
        {"action": "explode"},
        {"measure": ["x"], "action": "status", "to_status": "in_progress"},
        {"action": "due_on", "due_on": "soon"},
    ],
)
def test_bulk_view_survives_bad_input(client, personas, three, data):
    client.force_login(personas.secretary_a)
    before = snapshot(three)
    response = client.post(reverse("rectification:measure_bulk"), {"measure": [three[0].pk], **data}, follow=True)
    assert response.status_code == 200
    assert snapshot(three) == before


def test_bulk_view_refuses_non_secretaries_and_unsafe_redirects(client, personas, three):
    client.force_login(personas.staff_a)
    data = {"measure": [three[0].pk], "action": "due_on", "due_on": "2025-09-30"}
    assert client.post(reverse("rectification:measure_bulk"), data).status_code == 403
    assert client.get(reverse("rectification:measure_bulk")).status_code == 405
    client.force_login(personas.secretary_a)
    response = client.post(reverse("rectification:measure_bulk"), data | {"next": "https://evil.example/"})
    assert "evil" not in response["Location"]


# ------------------------------------------------------------------ the bulk bar on the list


@pytest.mark.parametrize(("who", "shown"), [("secretary_a", True), ("staff_a", False), ("supervisor", False)])
def test_bulk_bar_is_for_secretaries_only(client, personas, three, who, shown):
    client.force_login(getattr(personas, who))
    body = client.get(reverse("rectification:measure_list"), {"mine": "0", "status": "not_started"}).content.decode()
    assert three[0].title in body
    assert ('id="bulk-form"' in body) is shown
    assert (f'name="measure" value="{three[0].pk}" form="bulk-form"' in body) is shown
    if shown:
        assert 'value="/measures/?mine=0&amp;status=not_started"' in body
        assert personas.person_staff_a.name in body and personas.person_staff_b.name not in body
