"""Each workflow permission rule by role, across two organisations (personas: A and B
under one street, the supervisor over the street)."""

from __future__ import annotations

import pytest

from rectification import services
from rectification.models import Evidence
from rectification.permissions import answering_user_ids

from . import factories as f

PERSONAS = ("secretary_a", "member_a", "staff_a", "staff_b", "supervisor")

# Expected answer per persona, in PERSONAS order, on A's measure (staff_a responsible,
# member_a leader). B's measure: only the supervisor reads it and nobody of A may do anything.
RULES_ON_A = {
    "view_measure": (1, 1, 1, 0, 1),
    "change_measure": (1, 1, 1, 0, 0),
    "add_evidence": (1, 1, 1, 0, 0),
    "request_extension": (1, 1, 1, 0, 0),
    "view_evidence": (1, 1, 1, 0, 1),
    "sign_off_measure": (1, 0, 0, 0, 0),
    "edit_measure": (1, 0, 0, 0, 0),
    "decide_extension": (1, 0, 0, 0, 0),
}


@pytest.mark.django_db
@pytest.mark.parametrize("perm", sorted(RULES_ON_A))
def test_rules_on_a_measure_of_a(personas, measure_a, perm):
    got = tuple(int(getattr(personas, p).has_perm(f"rectification.{perm}", measure_a)) for p in PERSONAS)
    assert got == RULES_ON_A[perm]


@pytest.mark.django_db
@pytest.mark.parametrize("perm", sorted(RULES_ON_A))
def test_nobody_of_a_acts_on_b(personas, measure_b, perm):
    for name in ("secretary_a", "member_a", "staff_a"):
        assert not getattr(personas, name).has_perm(f"rectification.{perm}", measure_b)
    # B's own responsible person works their measure; the supervisor only reads.
    assert personas.staff_b.has_perm("rectification.change_measure", measure_b)
    assert personas.supervisor.has_perm("rectification.view_measure", measure_b)
    assert not personas.supervisor.has_perm("rectification.change_measure", measure_b)


@pytest.mark.django_db
def test_staff_changes_only_measures_they_answer_for(personas):
    someone_else = f.measure_in(personas.tree.a, owners=[f.person(organisation=personas.tree.a)])
    assert personas.staff_a.has_perm("rectification.view_measure", someone_else)
    assert not personas.staff_a.has_perm("rectification.change_measure", someone_else)
    assert not personas.staff_a.has_perm("rectification.add_evidence", someone_else)


@pytest.mark.django_db
def test_street_secretary_reads_the_communities_below_but_their_own_secretary_acts(personas, measure_a, measure_b):
    # Issue 19: an organisation's secretary is who holds the role in that organisation; the
    # street's secretary reads the communities as a supervisor does (this test said the
    # opposite before: the street's secretary signed off the communities' measures).
    street_secretary = f.user(organisation=personas.tree.street, role="secretary")
    acting = ("change_measure", "sign_off_measure", "edit_measure", "decide_extension", "add_evidence")
    for m in (measure_a, measure_b):
        assert street_secretary.has_perm("rectification.view_measure", m)
        assert street_secretary.has_perm("rectification.view_evidence", m)
        for perm in (*acting, "request_extension", "bulk_change_measure", "decide_recheck"):
            assert not street_secretary.has_perm(f"rectification.{perm}", m), perm
    for perm in acting:
        assert personas.secretary_a.has_perm(f"rectification.{perm}", measure_a), perm


@pytest.mark.django_db
def test_delete_evidence_by_uploader_or_secretary_only(personas, measure_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")
    ev: Evidence = services.evidence_add(measure=measure_a, user=personas.staff_a, files=[upload])[0]
    got = tuple(int(getattr(personas, p).has_perm("rectification.delete_evidence", ev)) for p in PERSONAS)
    # secretary yes, the leader (not the uploader) no, the uploader yes, B no, supervisor no.
    assert got == (1, 0, 1, 0, 0)


@pytest.mark.django_db
def test_signoff_queue_only_for_secretaries(personas, admin_user):
    got = tuple(int(getattr(personas, p).has_perm("rectification.view_signoff_queue")) for p in PERSONAS)
    assert got == (1, 0, 0, 0, 0)
    assert admin_user.has_perm("rectification.view_signoff_queue")


@pytest.mark.django_db
def test_answering_users_use_prefetched_owners(personas, measure_a, django_assert_num_queries):
    from rectification.models import Measure

    m = Measure.objects.select_related("leader").prefetch_related("owners").get(pk=measure_a.pk)
    with django_assert_num_queries(0):
        assert answering_user_ids(m) == {personas.staff_a.pk, personas.member_a.pk}


@pytest.mark.django_db
def test_model_permissions_are_for_staff_only(django_assert_num_queries):
    """Django's model permissions serve the admin: a staff user granted one has it (and
    the admin shows the model); a user who cannot enter the admin is not given it and
    costs no permission queries when a rule says no."""
    from django.contrib import admin
    from django.contrib.auth.models import Permission
    from django.test import RequestFactory

    grant = Permission.objects.get(codename="view_person", content_type__app_label="rectification")
    clerk, editor = f.user(), f.user()
    editor.is_staff = True
    editor.save()
    for u in (clerk, editor):
        u.user_permissions.add(grant)
    clerk, editor = (type(clerk).objects.get(pk=u.pk) for u in (clerk, editor))  # no cached permissions
    assert editor.has_perm("rectification.view_person")
    request = RequestFactory().get("/admin/")
    request.user = editor
    assert "rectification" in {app["app_label"] for app in admin.site.get_app_list(request)}
    with django_assert_num_queries(1):  # the memberships behind the rule; no permission tables
        assert not clerk.has_perm("rectification.view_rollup")
        assert not clerk.has_perm("rectification.view_person")
