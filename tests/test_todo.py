"""The to-do home (待办): each person's items, most urgent first, each count equal to the
list it links to, in a fixed number of queries; the inspection table on its own page; the
public start page for visitors."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from rectification import services
from rectification.documents.kinds.upward import SECTIONS
from rectification.models import Measure, ReCheck, Review, UpwardDocument
from rectification.selectors.todo import todo_for
from rectification.services import upward

from . import factories as f

S = Measure.Status
TODAY = dt.date(2025, 6, 20)


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2025, 6, 20, 2, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def work(personas, frozen):
    """staff_a answers for one measure of each kind of urgency, plus a signed-off one and
    one far off; the secretary has a submission, an extension request and a re-check to
    decide; B has an overdue measure of its own."""
    p, a = personas, personas.tree.a
    mine = {"owners": [p.person_staff_a], "leader": p.person_member_a}
    w = {
        "overdue": f.measure_in(a, title="超期的措施", due_on=dt.date(2025, 5, 1), **mine),
        "overdue2": f.measure_in(a, title="另一项超期", due_on=dt.date(2025, 6, 10), **mine),
        "soon": f.measure_in(a, title="临期的措施", due_on=dt.date(2025, 6, 24), **mine),
        "far": f.measure_in(a, title="远期的措施", due_on=dt.date(2025, 12, 31), **mine),
        "stale": f.measure_in(a, title="长期坚持", kind=Measure.Kind.ONGOING, stale_since=dt.date(2025, 5, 1), **mine),
        "done": f.measure_in(a, title="已完成", status=S.DONE, due_on=dt.date(2025, 1, 1), **mine),
        "sent_back": f.measure_in(a, title="将被退回", due_on=dt.date(2025, 9, 30), progress="已完成。", **mine),
        "awaiting": f.measure_in(a, title="待销号的", due_on=dt.date(2025, 9, 30), progress="已完成。", **mine),
        "b": f.measure_in(p.tree.b, title="岗厦超期", due_on=dt.date(2025, 5, 1), owners=[p.person_staff_b]),
    }
    for key in ("sent_back", "awaiting"):
        services.measure_change_status(measure=w[key], user=p.staff_a, to_status=S.AWAITING_SIGN_OFF)
    services.measure_send_back(measure=w["sent_back"], user=p.secretary_a, reason="佐证材料不足")
    services.extension_request(measure=w["far"], user=p.staff_a, new_due_on=dt.date(2026, 3, 31), reason="需要更多时间")
    ReCheck.objects.create(measure=w["done"], due_on=dt.date(2025, 6, 1))
    return w


def _items(user) -> dict[str, int]:
    return {item.key: item.count for item in todo_for(user=user, today=TODAY).items}


def _listed(client, url: str) -> int:
    """How many rows the page behind a to-do link lists."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "awaiting" in context:  # the sign-off queue: both lists on one page
        return -1
    return context["page"].paginator.count


@pytest.mark.django_db
def test_staff_sees_their_own_work_overdue_first(client, personas, work):
    items = todo_for(user=personas.staff_a, today=TODAY).items
    assert [i.key for i in items] == ["overdue", "sent_back", "due_soon", "stale", "notifications"]
    counts = {i.key: i.count for i in items}
    assert counts == {"overdue": 2, "sent_back": 1, "due_soon": 1, "stale": 1, "notifications": counts["notifications"]}
    # The most overdue measure is the first one named, with its days overdue.
    first = items[0].measures[0]
    assert first.title == "超期的措施" and first.days_overdue == 50
    # The send-back told staff_a (a notification), which the home counts.
    assert counts["notifications"] >= 1
    # B's staff see their own overdue measure, none of A's work.
    assert _items(personas.staff_b) == {"overdue": 1}


@pytest.mark.django_db
def test_every_count_equals_the_list_it_links_to(client, personas, work):
    for user in (personas.staff_a, personas.secretary_a, personas.supervisor):
        client.force_login(user)
        body = client.get(reverse("rectification:home"))
        todo = body.context["todo"]
        assert todo.items or todo.late_organisations, user
        for item in todo.items:
            if item.route == "rectification:signoff_queue":
                queue = client.get(item.url).context
                listed = len(queue["awaiting"] if item.key == "sign_off" else queue["extensions"])
            else:
                listed = _listed(client, item.url)
            assert listed == item.count, (user.username, item.key, item.url)
            assert f'href="{item.url.replace("&", "&amp;")}"' in body.content.decode()
        for row in todo.late_organisations:
            assert _listed(client, row.url) == row.overdue, (user.username, row.name)


@pytest.mark.django_db
def test_secretary_sees_the_decisions_waiting(personas, work):
    counts = _items(personas.secretary_a)
    assert counts["sign_off"] == 1 and counts["extensions"] == 1 and counts["rechecks"] == 1
    # Decisions come right after their own overdue measures, before what is merely due soon.
    keys = [i.key for i in todo_for(user=personas.secretary_a, today=TODAY).items]
    assert keys[:3] == ["sign_off", "extensions", "rechecks"]
    # staff have no decisions to take
    assert not {"sign_off", "extensions", "rechecks"} & set(_items(personas.staff_a))


@pytest.mark.django_db
def test_supervisor_sees_which_organisations_are_late(personas, work):
    todo = todo_for(user=personas.supervisor, today=TODAY)
    late = {row.name: row.overdue for row in todo.late_organisations}
    assert late == {personas.tree.a.short_name: 2, personas.tree.b.short_name: 1}
    assert todo.oversees and not todo.signs_off
    # staff oversee nothing; the secretary sees their own organisation only
    assert todo_for(user=personas.staff_a, today=TODAY).late_organisations == []
    secretary = todo_for(user=personas.secretary_a, today=TODAY).late_organisations
    assert [(r.name, r.overdue) for r in secretary] == [(personas.tree.a.short_name, 2)]


@pytest.mark.django_db
def test_the_home_page_runs_a_fixed_number_of_queries(client, personas, work, django_assert_num_queries):
    client.force_login(personas.staff_a)
    # session, user, memberships; own measures: counts, examples; unread notifications:
    # examples, count; the bell's count: 8.
    with django_assert_num_queries(8):
        assert client.get(reverse("rectification:home")).status_code == 200
    client.force_login(personas.secretary_a)
    # … plus the sign-off queue, the extension requests, the due re-checks, the documents
    # returned from above, the 督办函 awaiting their reply and the overdue measures per
    # organisation: 14.
    with django_assert_num_queries(14):
        assert client.get(reverse("rectification:home")).status_code == 200
    client.force_login(personas.supervisor)
    # staff's 8 plus the overdue measures per organisation and the documents awaiting their
    # review (the menu's 「报送审核」 shows the same count, not counted again), and the
    # measures awaiting their acceptance (their supervisor levels, the rules; no rule asks
    # for acceptance here, so the count is known empty without a query), and the answered
    # 督办函 they issued, to close: 13.
    with django_assert_num_queries(13):
        assert client.get(reverse("rectification:home")).status_code == 200
    for i in range(10):  # more data, the same queries
        f.measure_in(personas.tree.a, due_on=dt.date(2025, 1, i + 1), owners=[personas.person_staff_a])
    with django_assert_num_queries(13):
        client.get(reverse("rectification:home"))


@pytest.mark.django_db
def test_nothing_to_do_says_so(client, personas, frozen):
    client.force_login(personas.staff_b)
    body = client.get(reverse("rectification:home")).content.decode()
    assert "眼下没有等您处理的事项" in body


@pytest.mark.django_db
def test_the_inspection_table_has_its_own_page(client, personas, measure_a, measure_b, django_assert_num_queries):
    client.force_login(personas.staff_a)
    # session, user, memberships, inspections with counts, the bell
    with django_assert_num_queries(5):
        body = client.get(reverse("rectification:inspection_list")).content.decode()
    assert personas.tree.a.short_name in body and personas.tree.b.short_name not in body
    home = client.get(reverse("rectification:home")).content.decode()
    assert reverse("rectification:inspection_list") in home


@pytest.mark.django_db
def test_a_visitor_is_led_to_the_published_bulletins(client, personas):
    from .test_authz_matrix import _published

    inspection = f.inspection(organisation=personas.tree.a)
    _published(inspection, personas.secretary_a)
    response = client.get(reverse("rectification:home"))
    assert response.status_code == 302 and response["Location"] == reverse("rectification:public_index")
    body = client.get(reverse("rectification:public_index")).content.decode()
    assert reverse("rectification:public_bulletin_list", args=[personas.tree.a.slug]) in body
    assert personas.tree.b.name not in body  # nothing published there
    login = client.get(reverse("login")).content.decode()
    assert reverse("rectification:public_index") in login


@pytest.mark.django_db
def test_documents_handed_upward_wait_on_both_sides(client, personas, measure_a, settings, tmp_path):
    """A submitted plan is on the supervisor's to-do, counted as the review queue lists it;
    once returned, it is on the secretary's, named and linked to its page."""
    settings.BULLETIN_FONTS, settings.BULLETIN_PDF_CACHE_DIR = "free", tmp_path / "cache"
    p = personas
    plan = upward.upward_document_open(
        inspection=measure_a.finding.category.inspection, kind=UpwardDocument.Kind.PLAN, user=p.secretary_a
    )
    values = {"text": "按要求开展整改。", "lines": ["组长：李书记"], "date": "2025-06-30"}
    content = {s.key: values[s.kind] for s in SECTIONS[plan.kind]}
    plan = upward.upward_update(document=plan, user=p.secretary_a, content=content, expected_version=plan.version)
    version = upward.upward_submit(
        document=plan, user=p.secretary_a, attestation_confirmed=True, expected_version=plan.version
    )
    assert _items(p.supervisor)["review_queue"] == 1
    client.force_login(p.supervisor)
    assert len(client.get(reverse("rectification:review_queue")).context["documents"]) == 1
    assert 'class="nav-count">1<' in client.get(reverse("rectification:home")).content.decode()  # the menu agrees
    assert "returned_documents" not in _items(p.secretary_a)

    upward.upward_review(
        submitted_version=version, user=p.supervisor, decision=Review.Decision.RETURNED, comments="请补充"
    )
    assert "review_queue" not in _items(p.supervisor)  # nothing waits any more: the item is dropped
    assert _items(p.secretary_a)["returned_documents"] == 1
    assert "returned_documents" not in _items(p.staff_a)  # the secretary revises, not the staff
    client.force_login(p.secretary_a)
    body = client.get(reverse("rectification:home")).content.decode()
    assert reverse("rectification:upward_document", args=[plan.pk]) in body
    assert "《整改方案》" in body
