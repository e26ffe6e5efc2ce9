"""Who "the secretary" of an organisation is (issue 19): whoever holds the secretary role in
that organisation itself. A secretary of an ancestor (the street) reads the descendants as a
supervisor does: sees, does not sign off, edit, publish or import there."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from rectification import permissions, selectors, services
from rectification.models import Measure, MeasureStatus, Organisation

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_secretary(personas):
    return f.user(username="street_sec", organisation=personas.tree.street, role="secretary")


def _awaiting(measure: Measure) -> Measure:
    Measure.objects.filter(pk=measure.pk).update(status=MeasureStatus.AWAITING_SIGN_OFF, progress="已整改")
    return Measure.objects.get(pk=measure.pk)


def test_role_in_gives_an_ancestors_secretary_the_supervisors_part(personas, street_secretary):
    tree = personas.tree
    assert permissions.role_in(street_secretary, tree.street) == "secretary"
    assert permissions.role_in(street_secretary, tree.a) == "supervisor"
    assert permissions.role_in(street_secretary, tree.district) is None
    assert permissions.role_in(personas.secretary_a, tree.a) == "secretary"
    assert permissions.works_in(street_secretary, tree.street)
    assert not permissions.works_in(street_secretary, tree.a)


def test_organisation_scopes(personas, street_secretary):
    tree = personas.tree

    def scope(user, roles=None) -> set[int]:
        return set(
            Organisation.objects.filter(permissions.organisation_scope(user, roles)).values_list("pk", flat=True)
        )

    assert scope(street_secretary) == {tree.street.pk, tree.a.pk, tree.b.pk}  # reads the subtree
    assert scope(street_secretary, ["secretary"]) == {tree.street.pk}  # acts in its own
    assert scope(street_secretary, ["supervisor"]) == {tree.a.pk, tree.b.pk}
    assert scope(personas.supervisor, ["supervisor"]) == {tree.street.pk, tree.a.pk, tree.b.pk}
    assert scope(personas.secretary_a, ["secretary"]) == {tree.a.pk}
    assert set(permissions.ledger_import_organisations(street_secretary)) == {tree.street}


def test_secretary_memberships_are_the_organisations_own(personas, street_secretary):
    tree = personas.tree
    gone = f.user(username="gone", organisation=tree.a, role="secretary")
    gone.is_active = False
    gone.save()
    got = permissions.secretary_memberships([tree.a.pk, tree.b.pk])
    assert [m.user for m in got] == [personas.secretary_a]
    assert [m.user for m in permissions.secretary_memberships([tree.street.pk])] == [street_secretary]


def test_street_secretary_may_not_sign_off_or_send_back_a_communitys_measure(personas, measure_a, street_secretary):
    measure = _awaiting(measure_a)
    with pytest.raises(PermissionDenied):
        services.measure_sign_off(measure=measure, user=street_secretary)
    with pytest.raises(PermissionDenied):
        services.measure_send_back(measure=measure, user=street_secretary, reason="再改")
    with pytest.raises(PermissionDenied):
        services.measure_update(measure=measure, user=street_secretary, expected_version=None, title="新标题")
    services.measure_sign_off(measure=measure, user=personas.secretary_a)
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.DONE


def test_street_secretary_may_not_edit_or_publish_a_communitys_bulletin(personas, measure_a, street_secretary):
    inspection = measure_a.finding.category.inspection
    for perm in ("edit_bulletin", "publish_bulletin", "manage_inspection", "import_ledger"):
        assert not street_secretary.has_perm(f"rectification.{perm}", inspection), perm
        assert personas.secretary_a.has_perm(f"rectification.{perm}", inspection), perm
    assert street_secretary.has_perm("rectification.view_bulletin", inspection)
    assert street_secretary.has_perm("rectification.export_ledger", inspection)
    with pytest.raises(PermissionDenied):
        services.bulletin_publish(inspection=inspection, user=street_secretary)
    own = f.inspection(organisation=personas.tree.street)
    assert street_secretary.has_perm("rectification.publish_bulletin", own)


def test_street_secretary_reads_a_communitys_measure_page_without_its_actions(
    client, personas, measure_a, street_secretary
):
    _awaiting(measure_a)
    client.force_login(street_secretary)
    response = client.get(reverse("rectification:measure_detail", args=[measure_a.pk]))
    assert response.status_code == 200
    actions = response.context["actions"]
    assert not (actions.sign_off or actions.report_progress or actions.add_evidence or actions.edit)
    assert 'id="sign-off"' not in response.content.decode()
    url = reverse("rectification:measure_sign_off", args=[measure_a.pk])
    assert client.post(url, {"version": 1, "decision": "approve"}).status_code == 403
    client.force_login(personas.secretary_a)
    assert 'id="sign-off"' in client.get(reverse("rectification:measure_detail", args=[measure_a.pk])).content.decode()


def test_the_sign_off_queue_holds_only_the_own_organisations_measures(personas, measure_a, street_secretary):
    _awaiting(measure_a)
    street_measure = _awaiting(f.measure_in(personas.tree.street))
    assert [m.pk for m in selectors.signoff_queue(user=street_secretary)["awaiting"]] == [street_measure.pk]
    assert [m.pk for m in selectors.signoff_queue(user=personas.secretary_a)["awaiting"]] == [measure_a.pk]
