"""三员: the system administrator (accounts, settings), the security administrator (roles,
memberships) and the auditor (the trail) cannot do each other's work; one person holds one
role; the superuser's acts are audited like anyone's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from rectification import services
from rectification.models import AdministratorRole, AuditEvent, Membership

from . import factories as f

Role = AdministratorRole.Role
User = get_user_model()


@pytest.fixture
def admins(tree):
    root = User.objects.create_superuser("root", password="pw-Secret-123")
    made = {}
    for role in Role.values:
        made[role] = f.user(username=f"admin-{role}")
        services.administrator_grant(by=root, user=made[role], role=role)
        made[role].refresh_from_db()
    made["root"] = root
    return made


def _as(client, user):
    client.force_login(user)
    return client


ADD_USER = reverse("admin:auth_user_add")
USERS = reverse("admin:auth_user_changelist")
ADD_MEMBERSHIP = reverse("admin:rectification_membership_add")
MEMBERSHIPS = reverse("admin:rectification_membership_changelist")
ROLES = reverse("admin:rectification_administratorrole_changelist")
AUDIT = reverse("rectification:audit_list")
LOCKOUTS = reverse("admin:axes_accessattempt_changelist")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, allowed, refused",
    [
        (Role.SYSTEM, [ADD_USER, USERS, LOCKOUTS], [ADD_MEMBERSHIP, MEMBERSHIPS, ROLES, AUDIT]),
        (Role.SECURITY, [ADD_MEMBERSHIP, MEMBERSHIPS, ROLES], [ADD_USER, LOCKOUTS, AUDIT]),
        (Role.AUDITOR, [AUDIT], [ADD_USER, USERS, ADD_MEMBERSHIP, MEMBERSHIPS, ROLES, LOCKOUTS]),
    ],
)
def test_each_administrator_reaches_only_their_own_pages(client, admins, role, allowed, refused):
    _as(client, admins[role])
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in refused:
        assert client.get(url).status_code in (302, 403), url  # the admin sends a non-holder away


@pytest.mark.django_db
def test_the_system_administrator_creates_accounts_but_grants_nothing(client, admins, tree):
    _as(client, admins[Role.SYSTEM])
    created = client.post(
        ADD_USER,
        {"username": "newbie", "password1": "Neu-Konto-2026", "password2": "Neu-Konto-2026", "usable_password": "true"},
    )
    assert created.status_code == 302
    newbie = User.objects.get(username="newbie")
    page = client.get(reverse("admin:auth_user_change", args=[newbie.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="groups"' not in page and 'name="is_staff"' not in page
    # A form that sends the flags anyway changes none of them.
    client.post(
        reverse("admin:auth_user_change", args=[newbie.pk]),
        {"username": "newbie", "is_active": "on", "is_superuser": "on", "is_staff": "on"},
    )
    newbie.refresh_from_db()
    assert not newbie.is_superuser and not newbie.is_staff
    # Nor may they touch another administrator's account (e.g. reset the auditor's password).
    auditor = admins[Role.AUDITOR]
    assert client.get(reverse("admin:auth_user_change", args=[auditor.pk])).status_code == 302
    assert (
        client.post(ADD_MEMBERSHIP, {"user": newbie.pk, "organisation": tree.a.pk, "role": "secretary"}).status_code
        == 403
    )
    assert not Membership.objects.filter(user=newbie).exists()


@pytest.mark.django_db
def test_the_security_administrator_gives_memberships_but_keeps_no_accounts(client, admins, tree):
    _as(client, admins[Role.SECURITY])
    person = f.user(username="person")
    added = client.post(ADD_MEMBERSHIP, {"user": person.pk, "organisation": tree.a.pk, "role": "staff"})
    assert added.status_code == 302
    assert Membership.objects.filter(user=person, role="staff").exists()
    assert (
        client.post(
            ADD_USER, {"username": "x", "password1": "Neu-Konto-2026", "password2": "Neu-Konto-2026"}
        ).status_code
        == 403
    )
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.MEMBERSHIP_CHANGED).latest("pk")
    assert event.actor_id == admins[Role.SECURITY].pk and event.detail == f"added staff @{tree.a.pk}"


@pytest.mark.django_db
def test_one_person_one_role_and_nobody_grants_themselves(admins, settings):
    security = admins[Role.SECURITY]
    with pytest.raises(ValidationError, match="不同的人担任"):
        services.administrator_grant(by=admins["root"], user=admins[Role.SYSTEM], role=Role.AUDITOR)
    with pytest.raises(ValidationError, match="自己"):
        services.administrator_grant(by=security, user=security, role=Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.administrator_grant(by=admins[Role.SYSTEM], user=f.user(username="x"), role=Role.AUDITOR)
    settings.THREE_ADMINS_MAY_COMBINE = True  # a small deployment may allow it
    services.administrator_grant(by=security, user=admins[Role.SYSTEM], role=Role.AUDITOR)
    assert set(admins[Role.SYSTEM].admin_roles.values_list("role", flat=True)) == {Role.SYSTEM, Role.AUDITOR}


@pytest.mark.django_db
def test_revoking_the_last_role_ends_staff_access(admins):
    granted = AdministratorRole.objects.get(user=admins[Role.AUDITOR])
    services.administrator_revoke(by=admins[Role.SECURITY], granted=granted)
    admins[Role.AUDITOR].refresh_from_db()
    assert not admins[Role.AUDITOR].is_staff


@pytest.mark.django_db
def test_the_superuser_is_audited_and_does_not_read_the_trail(client, admins, tree):
    _as(client, admins["root"])
    assert client.get(AUDIT).status_code == 403
    person = f.user(username="person")
    client.post(ADD_MEMBERSHIP, {"user": person.pk, "organisation": tree.a.pk, "role": "secretary"})
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.MEMBERSHIP_CHANGED).latest("pk")
    assert event.actor_name == "root"
