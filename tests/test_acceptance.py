"""Acceptance (验收): the district's rule, who accepts, the queue, the counts, bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from rectification import services
from rectification.documents.kinds.bulletin_statistics import compute_statistics
from rectification.models import (
    Measure,
    MeasureStatus,
    Membership,
    Notification,
    ProgressEntry,
    ReCheck,
    ReportingRules,
    SignOff,
    accepted_q,
    sent_back_q,
)
from rectification.selectors.acceptance import acceptance_queue_count, acceptance_queue_rows
from rectification.selectors.bulletins import bulletin_source
from rectification.selectors.counting import count_rules
from rectification.selectors.todo import todo_for
from rectification.services import ConflictError

from . import factories as f

Level = ReportingRules.AcceptanceLevel
Role = Membership.Role


def _rule(organisation, level: str) -> ReportingRules:
    return ReportingRules.objects.create(organisation=organisation, acceptance_level=level)


def _signed_off(personas, organisation=None, **kwargs) -> Measure:
    """A measure of A (or ``organisation``) submitted by staff and signed off by its secretary."""
    organisation = organisation or personas.tree.a
    in_a = organisation == personas.tree.a
    person, staff = (personas.person_staff_a, personas.staff_a) if in_a else (personas.person_staff_b, personas.staff_b)
    measure = f.measure_in(organisation, owners=[person], progress="已整改到位", **kwargs)
    measure = services.measure_change_status(measure=measure, user=staff, to_status=MeasureStatus.AWAITING_SIGN_OFF)
    secretary = personas.secretary_a
    if organisation != personas.tree.a:
        secretary = f.user(username=f"sec{organisation.pk}", organisation=organisation, role=Role.SECRETARY)
    services.measure_sign_off(measure=measure, user=secretary)
    measure.refresh_from_db()
    return measure


@pytest.fixture
def district_supervisor(personas):
    return f.user(username="district_sup", organisation=personas.tree.district, role=Role.SUPERVISOR, name="区巡察办")


@pytest.fixture
def other_street_supervisor(personas):
    other = f.organisation(level="street", parent=personas.tree.district, name="中共深圳市福田区南园街道工作委员会")
    return f.user(username="other_sup", organisation=other, role=Role.SUPERVISOR)


# ---------------------------------------------------------------------------- the rule


def test_off_by_default_nobody_accepts_and_the_queue_is_empty(personas):
    measure = _signed_off(personas)
    assert not personas.supervisor.has_perm("rectification.accept_measure", measure)
    assert acceptance_queue_count(user=personas.supervisor) == 0
    with pytest.raises(PermissionDenied):
        services.measure_accept(measure=measure, user=personas.supervisor)
    assert not SignOff.objects.filter(level=SignOff.Level.SUPERVISOR).exists()


def test_street_rule_lets_street_and_district_supervisors_accept(personas, district_supervisor):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    assert personas.supervisor.has_perm("rectification.accept_measure", measure)
    assert district_supervisor.has_perm("rectification.accept_measure", measure)
    assert not personas.secretary_a.has_perm("rectification.accept_measure", measure)
    assert not personas.staff_a.has_perm("rectification.accept_measure", measure)


def test_district_rule_leaves_the_street_out(personas, district_supervisor):
    _rule(personas.tree.district, Level.DISTRICT)
    measure = _signed_off(personas)
    assert not personas.supervisor.has_perm("rectification.accept_measure", measure)
    assert acceptance_queue_count(user=personas.supervisor) == 0
    assert district_supervisor.has_perm("rectification.accept_measure", measure)
    assert acceptance_queue_count(user=district_supervisor) == 1


def test_nearer_rule_decides(personas):
    """The district asks for acceptance; community A's own rule says none: A's measures
    need none, B's do."""
    _rule(personas.tree.district, Level.STREET)
    _rule(personas.tree.a, Level.NONE)
    in_a = _signed_off(personas)
    in_b = _signed_off(personas, organisation=personas.tree.b)
    assert not personas.supervisor.has_perm("rectification.accept_measure", in_a)
    assert personas.supervisor.has_perm("rectification.accept_measure", in_b)
    assert [m.pk for m in acceptance_queue_rows(user=personas.supervisor)] == [in_b.pk]


def test_supervisor_of_another_street_sees_and_does_nothing(personas, other_street_supervisor, client):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    assert not other_street_supervisor.has_perm("rectification.accept_measure", measure)
    assert acceptance_queue_count(user=other_street_supervisor) == 0
    client.force_login(other_street_supervisor)
    url = reverse("rectification:measure_acceptance", kwargs={"pk": measure.pk})
    response = client.post(url, {"decision": "accept", "version": measure.version})
    assert response.status_code == 404
    assert not SignOff.objects.filter(level=SignOff.Level.SUPERVISOR).exists()


# ---------------------------------------------------------------------------- accept and return


def test_accept_marks_it_accepted_and_tells_its_people(personas):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    assert Measure.objects.filter(accepted_q()).count() == 0
    decision = services.measure_accept(measure=measure, user=personas.supervisor, expected_version=measure.version)
    assert (decision.level, decision.decision) == (SignOff.Level.SUPERVISOR, SignOff.Decision.APPROVED)
    assert decision.progress_snapshot == "已整改到位"
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.DONE
    assert list(Measure.objects.filter(accepted_q())) == [measure]
    assert acceptance_queue_count(user=personas.supervisor) == 0
    assert Notification.objects.filter(recipient=personas.staff_a, message__contains="验收").exists()


def test_return_reopens_with_timeline_entry_and_notice(personas):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    services.measure_return_acceptance(
        measure=measure, user=personas.supervisor, reason="佐证材料不足", expected_version=measure.version
    )
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS
    assert measure.signed_off_at is None and measure.recheck_on is None
    entry = measure.entries.order_by("-pk").first()
    assert entry.kind == ProgressEntry.Kind.SEND_BACK and "佐证材料不足" in entry.text
    assert entry.new_status == MeasureStatus.IN_PROGRESS
    assert Measure.objects.filter(sent_back_q()).filter(pk=measure.pk).exists()  # the staff's to-do 退回
    for user in (personas.staff_a, personas.secretary_a):
        assert Notification.objects.filter(recipient=user, message__contains="佐证材料不足").exists()
    # Resubmitted and signed off again: it awaits acceptance again.
    services.measure_change_status(measure=measure, user=personas.staff_a, to_status=MeasureStatus.AWAITING_SIGN_OFF)
    services.measure_sign_off(measure=measure, user=personas.secretary_a)
    assert acceptance_queue_count(user=personas.supervisor) == 1


def test_reopened_after_acceptance_awaits_it_again(personas):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    services.measure_accept(measure=measure, user=personas.supervisor)
    services.measure_report_progress(
        measure=measure, user=personas.staff_a, note="补充说明", progress="已整改到位，补充"
    )
    services.measure_sign_off(measure=measure, user=personas.secretary_a)
    assert not Measure.objects.filter(accepted_q()).exists()
    assert acceptance_queue_count(user=personas.supervisor) == 1


# ---------------------------------------------------------------------------- bad input changes nothing


def _unchanged(measure: Measure) -> tuple:
    measure.refresh_from_db()
    return measure.status, measure.version, SignOff.objects.filter(level=SignOff.Level.SUPERVISOR).count()


def test_bad_inputs_are_refused_and_change_nothing(personas):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    before = _unchanged(measure)
    with pytest.raises(ValidationError, match="理由"):
        services.measure_return_acceptance(measure=measure, user=personas.supervisor, reason="  ")
    with pytest.raises(ConflictError):
        services.measure_accept(measure=measure, user=personas.supervisor, expected_version=measure.version - 1)
    with pytest.raises(PermissionDenied):
        services.measure_accept(measure=measure, user=personas.secretary_a)
    with pytest.raises(PermissionDenied):
        services.measure_return_acceptance(measure=measure, user=personas.staff_a, reason="x")
    assert _unchanged(measure) == before
    services.measure_accept(measure=measure, user=personas.supervisor)
    after = _unchanged(measure)
    with pytest.raises(ValidationError, match="已验收"):
        services.measure_accept(measure=measure, user=personas.supervisor)
    assert _unchanged(measure) == after


def test_a_measure_not_signed_off_cannot_be_accepted(personas):
    _rule(personas.tree.district, Level.STREET)
    measure = f.measure_in(personas.tree.a, owners=[personas.person_staff_a])
    with pytest.raises(ValidationError, match="已销号"):
        services.measure_accept(measure=measure, user=personas.supervisor)


def test_view_bad_posts_get_a_message(personas, client):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    client.force_login(personas.supervisor)
    url = reverse("rectification:measure_acceptance", kwargs={"pk": measure.pk})
    before = _unchanged(measure)
    for data in (
        {},
        {"decision": "maybe", "version": measure.version},
        {"decision": "accept", "version": "x"},
        {"decision": "return", "version": measure.version, "reason": ""},
        {"decision": "accept", "version": measure.version - 1},
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, data
        assert list(response.context["messages"]), data
        assert _unchanged(measure) == before, data
    response = client.post(url, {"decision": "accept", "version": measure.version}, follow=True)
    assert "已验收通过" in response.content.decode()
    # A double submit of the same form: refused with a message, nothing more recorded.
    after = _unchanged(measure)
    response = client.post(url, {"decision": "accept", "version": measure.version}, follow=True)
    assert list(response.context["messages"])
    assert _unchanged(measure) == after
    assert client.get(url).status_code == 405


# ---------------------------------------------------------------------------- reads


def test_queue_page_shows_the_frozen_sign_off(personas, client):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    services.measure_report_progress(measure=measure, user=personas.secretary_a, progress="后来改的")
    client.force_login(personas.supervisor)
    # The change reopened it (awaiting sign-off): it waits for the secretary, not the supervisor.
    assert acceptance_queue_count(user=personas.supervisor) == 0
    assert "后来改的" not in client.get(reverse("rectification:acceptance_queue")).content.decode()
    services.measure_sign_off(measure=measure, user=personas.secretary_a)
    page = client.get(reverse("rectification:acceptance_queue")).content.decode()
    assert "后来改的" in page and "李书记" in page


def _fill(personas, n: int) -> None:
    for _ in range(n):
        _signed_off(personas)


@pytest.mark.parametrize("n", [1, 6])
def test_queue_query_count_is_flat(personas, django_assert_num_queries, n):
    _rule(personas.tree.district, Level.STREET)
    _fill(personas, n)
    user = type(personas.supervisor).objects.get(pk=personas.supervisor.pk)
    # 1 memberships, 1 supervisor levels, 1 rules that matter, 1 the queue rows.
    with django_assert_num_queries(4):
        rows = list(acceptance_queue_rows(user=user))
    assert len(rows) == n
    assert all(row.signed_by_name == "李书记" and row.signed_progress == "已整改到位" for row in rows)


@pytest.mark.parametrize("n", [1, 5])
def test_queue_page_query_count_is_flat(personas, client, django_assert_max_num_queries, n):
    _rule(personas.tree.district, Level.STREET)
    _fill(personas, n)
    client.force_login(personas.supervisor)
    # session, user, memberships, levels, rules, count, rows, the menu's review count,
    # notifications … a fixed budget whatever n.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("rectification:acceptance_queue"))
    assert response.content.decode().count('class="card queue-item"') == n


def test_todo_counts_the_queue_for_supervisors(personas):
    _rule(personas.tree.district, Level.STREET)
    _fill(personas, 2)
    import datetime as dt

    todo = todo_for(user=personas.supervisor, today=dt.date(2025, 6, 1))
    item = next(i for i in todo.items if i.key == "acceptance")
    assert item.count == 2 and item.route == "rectification:acceptance_queue"
    staff = todo_for(user=personas.staff_a, today=dt.date(2025, 6, 1))
    assert not [i for i in staff.items if i.key == "acceptance"]


def test_counting_rule_accepted_beside_done(personas):
    _rule(personas.tree.district, Level.STREET)
    one, two = _signed_off(personas), _signed_off(personas)
    services.measure_accept(measure=one, user=personas.supervisor)
    rules = count_rules(dt_today(), 7)
    done = Measure.objects.filter(rules["done"]).count()
    accepted = Measure.objects.filter(rules["accepted"]).count()
    assert (done, accepted) == (2, 1)
    assert two.pk not in Measure.objects.filter(rules["accepted"]).values_list("pk", flat=True)


def dt_today():
    import datetime as dt

    return dt.date(2025, 6, 1)


def test_dashboard_shows_accepted_only_under_the_rule(personas, client):
    measure = _signed_off(personas)
    inspection = measure.finding.category.inspection
    client.force_login(personas.secretary_a)
    url = reverse("rectification:dashboard") + f"?inspection={inspection.pk}"
    page = client.get(url).content.decode()
    assert 'data-figure="accepted"' not in page
    _rule(personas.tree.district, Level.STREET)
    services.measure_accept(measure=measure, user=personas.supervisor)
    response = client.get(url)
    figures = {fig.key: fig.value for fig in response.context["data"].figures}
    assert figures["done"] == 1 and figures["accepted"] == 1
    assert 'data-figure="accepted"' in response.content.decode()


def test_bulletin_counts_finished_as_the_rule_says(personas):
    measure = _signed_off(personas)
    bulletin = services_bulletin_draft(measure)
    stats = _stats(bulletin)
    assert (stats.measures_done, stats.done) == (1, 1)  # no rule: signed off is finished
    _rule(personas.tree.district, Level.STREET)
    stats = _stats(services_bulletin_draft(measure))
    assert (stats.measures_done, stats.done, stats.basically_done) == (0, 0, 1)
    services.measure_accept(measure=measure, user=personas.supervisor)
    stats = _stats(services_bulletin_draft(measure))
    assert (stats.measures_done, stats.done) == (1, 1)


def services_bulletin_draft(measure):
    from rectification.selectors import bulletin_draft

    return bulletin_draft(inspection=measure.finding.category.inspection)


def _stats(bulletin):
    from rectification.documents.kinds.bulletin import items

    source = bulletin_source(bulletin=bulletin)
    problems = (item.all_measures() for category in source.categories for item in items(category))
    return compute_statistics(problems, acceptance=source.acceptance)


HOSTILE = ["<script>alert(1)</script>", "\x00\x01理由", "长" * 5000, "' OR 1=1 --"]


def test_hostile_acceptance_input_is_refused_or_cleaned(personas, client):
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    client.force_login(personas.supervisor)
    url = reverse("rectification:measure_acceptance", kwargs={"pk": measure.pk})
    before = _unchanged(measure)
    for version in ["", "-1", "1.5", "9" * 30, "\x00"]:
        response = client.post(url, {"decision": "accept", "version": version})
        assert response.status_code == 302
        assert _unchanged(measure) == before, version
    for decision in ["", "ACCEPT", "<script>", "\x00"]:
        client.post(url, {"decision": decision, "version": measure.version})
        assert _unchanged(measure) == before, decision
    response = client.post(url, {"decision": "return", "version": measure.version, "reason": HOSTILE[1] + HOSTILE[2]})
    assert response.status_code == 302
    decision = SignOff.objects.get(level=SignOff.Level.SUPERVISOR)
    assert "\x00" not in decision.reason and "\x01" not in decision.reason and len(decision.reason) <= 2000


# ---------------------------------------------------------------------------- accepted_at, the counted fact


def test_accepted_at_holds_for_one_sign_off_only(personas):
    """Counting reads ``accepted_at``: set by the acceptance, gone when the measure leaves
    已完成 (a re-check finding the problem back) — the database refuses it otherwise."""
    _rule(personas.tree.district, Level.STREET)
    measure = _signed_off(personas)
    decision = services.measure_accept(measure=measure, user=personas.supervisor)
    measure.refresh_from_db()
    assert measure.accepted_at == decision.decided_at
    recheck = ReCheck.objects.create(measure=measure, due_on=measure.completed_on)
    day = measure.completed_on
    services.recheck_reopen(recheck=recheck, user=personas.secretary_a, note="问题反弹", today=day, due_on=day)
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.IN_PROGRESS and measure.accepted_at is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Measure.objects.filter(pk=measure.pk).update(accepted_at=decision.decided_at)


def test_the_migration_carries_earlier_acceptances_over(personas):
    """Acceptances recorded before ``accepted_at`` existed (the latest decision a
    supervisor's approval) are found by the data migration; others are left alone."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("rectification.migrations.0018_measure_accepted_at")
    _rule(personas.tree.district, Level.STREET)
    accepted, returned_then_signed, signed = _signed_off(personas), _signed_off(personas), _signed_off(personas)
    services.measure_accept(measure=accepted, user=personas.supervisor)
    services.measure_return_acceptance(measure=returned_then_signed, user=personas.supervisor, reason="不到位")
    returned_then_signed.refresh_from_db()
    services.measure_change_status(
        measure=returned_then_signed, user=personas.staff_a, to_status=MeasureStatus.AWAITING_SIGN_OFF
    )
    services.measure_sign_off(measure=returned_then_signed, user=personas.secretary_a)
    Measure.objects.update(accepted_at=None)  # as before the field
    migration.accepted_from_sign_offs(apps, None)
    found = dict(Measure.objects.values_list("pk", "accepted_at"))
    latest = SignOff.objects.filter(measure=accepted).latest("decided_at")
    assert found[accepted.pk] == latest.decided_at
    assert found[returned_then_signed.pk] is None and found[signed.pk] is None
