"""The scale-data generator: counts, a tree with right paths, a realistic mix, invariants the
database does not enforce, determinism by seed, and resuming without duplicates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from rectification.devdata.scale import (
    PASSWORD,
    ScaleSpec,
    community_slug,
    scale_data_find,
    scale_data_generate,
    supervisor_username,
    username,
)
from rectification.models import (
    Category,
    DeadlineExtension,
    Evidence,
    Finding,
    Inspection,
    Measure,
    Membership,
    Organisation,
    Person,
    ProgressEntry,
    SignOff,
)
from rectification.permissions import role_in
from rectification.services.organisations import organisation_rebuild_paths

pytestmark = pytest.mark.django_db
SPEC = ScaleSpec(communities=6, inspections_per_org=2, items_per_inspection=5, measures_per_item=4, seed=3)
REF = SPEC.reference_date
Status = Measure.Status


@pytest.fixture
def generated():
    return scale_data_generate(spec=SPEC)


def test_counts_follow_the_spec(generated):
    assert generated.communities_created == 6 and generated.communities_kept == 0
    assert Measure.objects.count() == 6 * 2 * 5 * 4 == SPEC.total_measures
    assert Inspection.objects.count() == 6 * 2
    assert Finding.objects.count() == 6 * 2 * 5
    levels = dict(Organisation.objects.values_list("level").annotate(n=Count("pk")))
    assert levels == {"district": 1, "street": SPEC.streets, "community": 6}
    # 10 logins per community (secretary, 3 members, 4 staff, 2 grid), 2 people without one;
    # one supervisor for the district and one per street.
    assert Person.objects.count() == 6 * 12
    assert get_user_model().objects.count() == 6 * 10 + 1 + SPEC.streets
    assert Membership.objects.filter(role="supervisor").count() == 1 + SPEC.streets
    assert generated.rows["Measure"] == SPEC.total_measures


def test_tree_paths_are_the_services_paths(generated):
    assert organisation_rebuild_paths() == 0  # nothing to fix: every path is parent path + own pk
    district = generated.district
    assert district.path == f"/{district.pk}/"
    for org in Organisation.objects.exclude(pk=district.pk).select_related("parent"):
        assert org.path == f"{org.parent.path}{org.pk}/"
        assert org.path.startswith(district.path)
    # Streets: 6 communities are spread over 2 streets, 3 each.
    per_street = Organisation.objects.filter(level="community").values("parent").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in per_street) == [3, 3]


def test_logins_and_roles_work(generated, client):
    community = Organisation.objects.get(slug=community_slug(SPEC, 0))
    secretary = get_user_model().objects.get(username=username(SPEC, 0, "secretary"))
    assert role_in(secretary, community) == "secretary"
    supervisor = get_user_model().objects.get(username=supervisor_username(SPEC))
    assert role_in(supervisor, community) == "supervisor"
    assert client.login(username=secretary.username, password=PASSWORD)


def test_statuses_kinds_and_deadlines_are_mixed(generated):
    measures = Measure.objects.all()
    assert set(measures.values_list("status", flat=True)) == set(Status.values)
    assert set(measures.values_list("kind", flat=True)) == set(Measure.Kind.values)
    assert measures.overdue(REF).exists()
    assert measures.filter(due_on__gte=REF).exclude(status=Status.DONE).exists()
    assert not measures.filter(kind="ongoing", status__in=[Status.DONE, Status.AWAITING_SIGN_OFF]).exists()
    # Inspections span years before the reference date.
    for org in Organisation.objects.filter(level="community"):
        first, last = sorted(org.inspections.values_list("feedback_on", flat=True))
        assert 200 < (last - first).days < 530 and last < REF


def test_invariants_the_database_does_not_enforce(generated):
    for m in Measure.objects.select_related("finding__category__inspection", "leader").prefetch_related("owners"):
        org_id = m.finding.category.inspection.organisation_id
        assert m.leader.organisation_id == org_id
        assert 1 <= len(m.owners.all()) <= 2 and all(p.organisation_id == org_id for p in m.owners.all())
        assert (m.status == Status.NOT_STARTED) == (m.progress == "") == (m.last_progress_at is None)
        if m.due_on:
            assert m.due_on > m.finding.category.inspection.feedback_on
        if m.status == Status.DONE:
            assert m.submitted_at < m.signed_off_at and m.completed_on <= REF
        else:
            assert m.signed_off_at is m.signed_off_by is m.completed_on is None
        # As if yesterday's sweep ran: only measures that fell due yesterday are left unmarked.
        if m.overdue_since is not None:
            assert m.is_overdue(REF) and m.overdue_since == m.due_on + dt.timedelta(days=1)
        elif m.is_overdue(REF):
            assert m.due_on == REF - dt.timedelta(days=1)


def test_sign_offs_freeze_what_was_approved(generated):
    done = Measure.objects.filter(status=Status.DONE)
    assert SignOff.objects.count() == done.count() > 0
    for sign_off in SignOff.objects.select_related("measure"):
        m = sign_off.measure
        assert sign_off.decision == "approved" and sign_off.decided_by_id == m.signed_off_by_id
        assert sign_off.progress_snapshot == m.progress
        files = [{"id": e.pk, "name": e.original_name, "sha256": e.sha256, "size": e.size} for e in m.evidence.all()]
        assert sign_off.evidence_snapshot == files
        assert m.entries.filter(kind="sign_off", new_status=Status.DONE).count() == 1


def test_timelines_and_evidence_look_real(generated):
    assert not ProgressEntry.objects.filter(measure__status=Status.NOT_STARTED).exists()
    assert not Evidence.objects.filter(measure__status=Status.NOT_STARTED).exists()
    for m in Measure.objects.exclude(status=Status.NOT_STARTED).prefetch_related("entries"):
        times = [e.created_at for e in m.entries.all()]
        assert max(times) == m.last_progress_at
    evidence = Evidence.objects.all()
    assert evidence.exists()
    assert all(2048 <= e.size <= 20 * 1024 * 1024 and len(e.sha256) == 64 for e in evidence)
    assert len({e.sha256 for e in evidence}) == evidence.count()
    assert evidence.first().file.storage.exists(evidence.first().file.name)
    for x in DeadlineExtension.objects.select_related("measure"):
        assert x.measure.original_due_on == x.old_due_on < x.new_due_on == x.measure.due_on


def _snapshot() -> list[tuple]:
    """Everything but keys and auto timestamps, by natural keys."""
    measures = list(
        Measure.objects.order_by(
            "finding__category__inspection__organisation__slug",
            "finding__category__inspection__feedback_on",
            "finding__category__position",
            "finding__position",
            "position",
        )
        .annotate(
            entries_n=Count("entries", distinct=True),
            evidence_n=Count("evidence", distinct=True),
            outcomes_n=Count("money", distinct=True) + Count("rules", distinct=True),
        )
        .values_list(
            "finding__category__inspection__organisation__slug",
            "finding__category__inspection__feedback_on",
            "finding__category__inspection__team",
            "finding__category__title",
            "finding__heading",
            "position",
            "title",
            "progress",
            "kind",
            "status",
            "due_on",
            "original_due_on",
            "leader__name",
            "unit",
            "submitted_at",
            "signed_off_at",
            "overdue_since",
            "last_progress_at",
            "outcomes_n",
            "entries_n",
            "evidence_n",
        )
    )
    people = list(
        Person.objects.order_by("organisation__slug", "name").values_list(
            "organisation__slug", "name", "user__username"
        )
    )
    files = list(Evidence.objects.order_by("sha256").values_list("sha256", "size", "original_name", "uploaded_at"))
    return [*measures, *people, *files]


def _delete_all() -> None:
    Measure.objects.all().delete()
    for model in (Category, Inspection, Person, Membership):
        model.objects.all().delete()
    get_user_model().objects.all().delete()
    for level in ("community", "street", "district"):
        Organisation.objects.filter(level=level).delete()


def test_same_seed_same_data_other_seed_other_data():
    scale_data_generate(spec=SPEC)
    first = _snapshot()
    _delete_all()
    scale_data_generate(spec=SPEC)
    assert _snapshot() == first
    _delete_all()
    scale_data_generate(spec=ScaleSpec(**{**SPEC.__dict__, "seed": 4}))
    assert Measure.objects.count() == SPEC.total_measures
    assert _snapshot() != first


def test_second_run_finds_the_data_and_resumes_a_partial_one(generated):
    assert scale_data_find(spec=SPEC)
    again = scale_data_generate(spec=SPEC)
    assert (again.communities_created, again.communities_kept, again.rows) == (0, 6, {})
    assert Measure.objects.count() == SPEC.total_measures
    # An interrupted run: one community's rows are missing; the next run builds only that one.
    # A community's rows go in one transaction, so an interrupted run leaves none of them.
    slug = community_slug(SPEC, 4)
    Measure.objects.filter(finding__category__inspection__organisation__slug=slug).delete()
    Inspection.objects.filter(organisation__slug=slug).delete()
    Person.objects.filter(organisation__slug=slug).delete()
    get_user_model().objects.filter(memberships__organisation__slug=slug).delete()
    assert not scale_data_find(spec=SPEC)
    resumed = scale_data_generate(spec=SPEC)
    assert (resumed.communities_created, resumed.communities_kept) == (1, 5)
    assert Measure.objects.count() == SPEC.total_measures


def test_other_shape_is_a_separate_data_set(generated):
    bigger = ScaleSpec(**{**SPEC.__dict__, "measures_per_item": 5})
    assert not scale_data_find(spec=bigger)


def test_bad_sizes_are_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        ScaleSpec(communities=0, inspections_per_org=1, items_per_inspection=1, measures_per_item=1)


def test_command(capsys):
    args = [
        "--communities",
        "2",
        "--inspections-per-org",
        "1",
        "--items-per-inspection",
        "3",
        "--measures-per-item",
        "2",
    ]
    call_command("generate_scale_data", *args, "--seed", "9", verbosity=0)
    out = capsys.readouterr().out
    assert "s9-c2-k1-i3-m2-r20250630: 2 communities generated" in out
    assert Measure.objects.count() == 12
    call_command("generate_scale_data", *args, "--seed", "9", verbosity=0)
    assert "0 communities generated, 2 already present" in capsys.readouterr().out


def test_names_stay_unique_at_city_scale():
    from rectification.devdata import vocabulary as vocab

    names = [vocab.community_name(i) for i in range(2500)]
    assert len(set(names)) == len(names)
    streets = [vocab.street_name(j) for j in range(30)]
    assert len(set(streets)) == len(streets)
