"""The hard rules of the model, enforced by the database (run on SQLite and PostgreSQL)."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from rectification.models import Category, DeadlineExtension, Finding, Inspection, Measure, Membership, SignOff

from . import factories as f

TODAY = dt.date(2025, 6, 1)


def _violates(fn) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        fn()


@pytest.mark.django_db
class TestConstraints:
    def test_inspection_dates_must_be_in_order(self, tree):
        base = dict(organisation=tree.a, team="巡察组", onsite_start=dt.date(2024, 9, 25))
        _violates(
            lambda: Inspection.objects.create(**base, onsite_end=dt.date(2024, 9, 1), feedback_on=dt.date(2025, 1, 1))
        )
        _violates(
            lambda: Inspection.objects.create(
                **base, onsite_end=dt.date(2024, 12, 27), feedback_on=dt.date(2024, 12, 1)
            )
        )
        _violates(
            lambda: Inspection.objects.create(
                **base, onsite_end=dt.date(2024, 12, 27), feedback_on=dt.date(2025, 1, 21), deadline=dt.date(2025, 1, 1)
            )
        )
        Inspection.objects.create(**base, onsite_end=dt.date(2024, 12, 27), feedback_on=dt.date(2025, 1, 21))

    def test_positions_are_unique_per_parent(self, tree):
        insp = f.inspection(organisation=tree.a)
        cat = f.category(inspection=insp, position=1)
        _violates(lambda: Category.objects.create(inspection=insp, title="另一类", position=1))
        other = f.inspection(organisation=tree.b)
        Category.objects.create(inspection=other, title="另一类", position=1)  # same position, other parent
        fnd = f.finding(category=cat, position=1)
        _violates(lambda: Finding.objects.create(category=cat, heading="x", position=1))
        f.measure(finding=fnd, position=1)
        _violates(lambda: f.measure(finding=fnd, position=1))

    def test_status_and_kind_values_are_checked(self, tree):
        fnd = f.finding(category=f.category(inspection=f.inspection(organisation=tree.a)))
        _violates(lambda: f.measure(finding=fnd, status="finished"))
        _violates(lambda: f.measure(finding=fnd, kind="someday"))
        _violates(lambda: Membership.objects.create(user=f.user(), organisation=tree.a, role="king"))

    def test_deadline_rules_by_kind(self, tree):
        fnd = f.finding(category=f.category(inspection=f.inspection(organisation=tree.a)))
        _violates(lambda: Measure.objects.create(finding=fnd, position=1, title="t", kind="ongoing", due_on=TODAY))
        _violates(lambda: Measure.objects.create(finding=fnd, position=1, title="t", kind="time_bound", due_on=None))
        Measure.objects.create(finding=fnd, position=1, title="t", kind="ongoing", due_on=None)

    def test_done_requires_sign_off_time(self, tree):
        fnd = f.finding(category=f.category(inspection=f.inspection(organisation=tree.a)))
        _violates(lambda: Measure.objects.create(finding=fnd, position=1, title="t", status="done", due_on=TODAY))

    def test_extension_must_move_later_and_only_one_pending(self, measure_a, personas):
        ext = dict(measure=measure_a, old_due_on=TODAY, reason="r", requested_by=personas.staff_a)
        _violates(lambda: DeadlineExtension.objects.create(**ext, new_due_on=TODAY))
        DeadlineExtension.objects.create(**ext, new_due_on=TODAY + dt.timedelta(days=30))
        _violates(lambda: DeadlineExtension.objects.create(**ext, new_due_on=TODAY + dt.timedelta(days=60)))

    def test_send_back_needs_a_reason(self, measure_a, personas):
        _violates(
            lambda: SignOff.objects.create(measure=measure_a, decision="sent_back", decided_by=personas.secretary_a)
        )


@pytest.mark.django_db
class TestOverdue:
    """Overdue = has a deadline, the deadline has passed, not signed off."""

    @pytest.fixture
    def measures(self, tree):
        fnd = f.finding(category=f.category(inspection=f.inspection(organisation=tree.a)))
        day = dt.timedelta(days=1)
        return {
            "past_open": f.measure(finding=fnd, due_on=TODAY - day),
            "past_awaiting": f.measure(finding=fnd, due_on=TODAY - day, status="awaiting_sign_off"),
            "past_done": f.measure(finding=fnd, due_on=TODAY - day, status="done"),
            "due_today": f.measure(finding=fnd, due_on=TODAY),
            "future": f.measure(finding=fnd, due_on=TODAY + day),
            "ongoing": f.measure(finding=fnd, kind="ongoing"),
        }

    def test_property_and_queryset_agree(self, measures):
        expected = {"past_open", "past_awaiting"}
        assert {k for k, m in measures.items() if m.is_overdue(TODAY)} == expected
        overdue_ids = set(Measure.objects.overdue(TODAY).values_list("pk", flat=True))
        assert overdue_ids == {measures[k].pk for k in expected}

    def test_days_overdue(self, measures):
        assert measures["past_open"].days_overdue(TODAY) == 1
        assert measures["due_today"].days_overdue(TODAY) == 0
        assert measures["ongoing"].days_overdue(TODAY) == 0

    def test_due_within_includes_today_and_excludes_done(self, measures):
        ids = set(Measure.objects.due_within(TODAY, 7).values_list("pk", flat=True))
        assert ids == {measures["due_today"].pk, measures["future"].pk}


@pytest.mark.django_db
class TestOrganisationTree:
    def test_paths_make_descendants_one_query(self, tree, django_assert_num_queries):
        from rectification.models import Organisation

        with django_assert_num_queries(1):
            below_street = set(
                Organisation.objects.filter(path__startswith=tree.street.path).values_list("pk", flat=True)
            )
        assert below_street == {tree.street.pk, tree.a.pk, tree.b.pk}

    def test_rebuild_paths_after_a_move(self, tree):
        from rectification import services

        tree.b.parent = tree.district
        tree.b.save()
        assert services.organisation_rebuild_paths() == 1
        tree.b.refresh_from_db()
        assert tree.b.path == f"{tree.district.path}{tree.b.pk}/"
        assert services.organisation_rebuild_paths() == 0


class TestStatusDisplay:
    """Measure overrides Django's generated get_status_display (for speed); it must say
    what Django's would, in either language, unknown values included."""

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    def test_same_as_djangos(self, language):
        from django.utils import translation

        field = Measure._meta.get_field("status")
        with translation.override(language):
            for value in [*Measure.Status.values, "no-such-status"]:
                measure = Measure(status=value)
                assert measure.get_status_display() == measure._get_FIELD_display(field)
        with translation.override("en"):
            assert Measure(status=Measure.Status.DONE).get_status_display() == "Done"
