"""The security audit trail: append-only in the database (UPDATE and DELETE refused by
triggers, on SQLite here and on PostgreSQL in the PostgreSQL pass), pruned only by the job
that records its own run, an event after each action it covers, read only by the auditor."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rectification import services
from rectification.models import AdministratorRole, AuditEvent, Membership
from rectification.services import urging
from rectification.services.audit import audit_prune, audit_record

from . import factories as f

Kind = AuditEvent.Kind
PASSWORD = "pw-Secret-123"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _kinds() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("kind", flat=True))


def _event(**kw) -> AuditEvent:
    return AuditEvent.objects.create(kind=Kind.LOGIN, actor_name="someone", **kw)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE rectification_auditevent SET actor_name = 'nobody'",
        "DELETE FROM rectification_auditevent",
        "DELETE FROM rectification_auditevent WHERE id = {pk}",
    ],
)
def test_the_database_refuses_update_and_delete(sql):
    event = _event()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(pk=event.pk))
    event.refresh_from_db()
    assert event.actor_name == "someone"


@pytest.mark.django_db
def test_the_orm_cannot_change_or_delete_an_event_either():
    event = _event()
    event.actor_name = "changed"
    with pytest.raises(DatabaseError), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, actor_name="someone").exists()


@pytest.mark.django_db
def test_pruning_deletes_only_old_events_and_records_its_run(settings):
    settings.AUDIT_RETENTION_DAYS = 30  # below the legal minimum: the minimum holds
    now = timezone.now()
    old = _event(at=now - dt.timedelta(days=200))
    kept = _event(at=now - dt.timedelta(days=100))
    assert audit_prune() == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    run = AuditEvent.objects.get(kind=Kind.PRUNED)
    assert run.detail.startswith("deleted=1 ")
    # A second run deletes nothing more, and shows too.
    assert audit_prune() == 0
    assert AuditEvent.objects.filter(kind=Kind.PRUNED).count() == 2


@pytest.mark.django_db
def test_the_trigger_refuses_a_young_event_even_past_the_setting(settings):
    young = _event(at=timezone.now() - dt.timedelta(days=100))
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=young.pk).delete()


@pytest.mark.django_db
def test_logins_logouts_failures_and_lockouts_are_recorded():
    f.user(username="amy")
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": "amy", "password": "wrong"})
    client.post(reverse("login"), {"username": "amy", "password": PASSWORD})
    client.post(reverse("logout"))
    for _ in range(6):
        client.post(reverse("login"), {"username": "amy", "password": "wrong"})
    kinds = _kinds()
    assert kinds[:3] == [Kind.ACCOUNT_CHANGED, Kind.LOGIN_FAILED, Kind.LOGIN]
    assert Kind.LOGOUT in kinds and Kind.LOCKED_OUT in kinds
    login = AuditEvent.objects.get(kind=Kind.LOGIN)
    assert (login.actor_name, login.address) == ("amy", "10.1.2.3")
    failed = AuditEvent.objects.filter(kind=Kind.LOGIN_FAILED).first()
    assert (failed.actor_id, failed.actor_name, failed.address) == (None, "amy", "10.1.2.3")


@pytest.mark.django_db
def test_password_change_is_recorded(client):
    amy = f.user(username="amy")
    client.force_login(amy)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Neues-Passwort-42", "new_password2": "Neues-Passwort-42"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=Kind.PASSWORD_CHANGED)
    assert event.actor_id == amy.pk and event.target.startswith(f"auth.user#{amy.pk}")


@pytest.mark.django_db
def test_membership_and_permission_changes_are_recorded(tree):
    amy = f.user(username="amy")
    membership = Membership.objects.create(user=amy, organisation=tree.a, role=Membership.Role.STAFF)
    membership.role = Membership.Role.SECRETARY
    membership.save()
    membership.delete()
    amy.is_superuser = True
    amy.save()
    root = f.user(username="root")
    root.is_superuser = True
    root.save()
    services.administrator_grant(by=root, user=amy, role=AdministratorRole.Role.AUDITOR)
    details = list(
        AuditEvent.objects.filter(kind__in=[Kind.MEMBERSHIP_CHANGED, Kind.PERMISSION_CHANGED])
        .order_by("pk")
        .values_list("kind", "detail")
    )
    assert details[:3] == [
        (Kind.MEMBERSHIP_CHANGED, f"added staff @{tree.a.pk}"),
        (Kind.MEMBERSHIP_CHANGED, f"changed secretary @{tree.a.pk}"),
        (Kind.MEMBERSHIP_CHANGED, f"removed secretary @{tree.a.pk}"),
    ]
    assert (Kind.PERMISSION_CHANGED, "is_superuser=True") in details
    assert (Kind.PERMISSION_CHANGED, "granted auditor") in details
    assert (Kind.PERMISSION_CHANGED, "is_staff=True") in details  # the role makes the account staff


@pytest.mark.django_db
def test_exports_downloads_publications_and_decisions_are_recorded(client, personas, measure_a):
    client.force_login(personas.secretary_a)
    inspection = measure_a.finding.category.inspection
    assert client.get(reverse("rectification:ledger_export", args=[inspection.pk])).status_code == 200
    (evidence,) = services.evidence_add(
        measure=measure_a, user=personas.staff_a, files=[SimpleUploadedFile("照片.png", PNG)], description=""
    )
    assert client.get(reverse("rectification:evidence_download", args=[evidence.pk])).status_code == 200
    services.bulletin_publish(inspection=inspection, user=personas.secretary_a, today=dt.date(2025, 12, 31))
    services.bulletin_withdraw(
        inspection=inspection, user=personas.secretary_a, number=1, reason="发布有误，撤回更正。"
    )
    urging.talk_record(
        user=personas.supervisor,
        organisation=personas.tree.a,
        held_on=timezone.localdate(),
        talked_by="街道督导",
        talked_with="李书记",
        reason="整改进度滞后",
    )
    events = {e.kind: e for e in AuditEvent.objects.all()}
    assert events[Kind.EXPORT].target.startswith(f"rectification.inspection#{inspection.pk}")
    assert events[Kind.EXPORT].actor_id == personas.secretary_a.pk
    assert events[Kind.EVIDENCE_DOWNLOAD].target.startswith(f"rectification.evidence#{evidence.pk}")
    publications = AuditEvent.objects.filter(kind=Kind.PUBLICATION).order_by("pk").values_list("detail", flat=True)
    assert list(publications) == ["published version 1", "withdrew version 1"]
    decision = events[Kind.DECISION]
    assert decision.actor_id == personas.supervisor.pk and decision.detail == "talk recorded"


@pytest.mark.django_db
def test_a_refused_action_leaves_no_event(personas, measure_a):
    inspection = measure_a.finding.category.inspection
    with pytest.raises(Exception):  # noqa: B017 (the refusal's own type is the service's business)
        services.bulletin_publish(inspection=inspection, user=personas.staff_a, today=dt.date(2025, 12, 31))
    assert not AuditEvent.objects.filter(kind=Kind.PUBLICATION).exists()


def _administrator(username: str, role: str):
    user = f.user(username=username)
    root = f.user(username=f"root-{username}")
    root.is_superuser = True
    root.save()
    services.administrator_grant(by=root, user=user, role=role)
    return user


@pytest.mark.django_db
def test_only_the_auditor_reads_and_exports_the_trail(client):
    audit_record(Kind.EXPORT, actor=None, actor_name="someone", target="x", detail="needle")
    auditor = _administrator("auditor", AdministratorRole.Role.AUDITOR)
    others = [
        _administrator("sysadmin", AdministratorRole.Role.SYSTEM),
        _administrator("secadmin", AdministratorRole.Role.SECURITY),
        f.user(username="plain"),
    ]
    superuser = f.user(username="super")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    for user in [*others, superuser]:
        client.force_login(user)
        assert client.get(reverse("rectification:audit_list")).status_code == 403, user
        assert client.get(reverse("rectification:audit_export")).status_code == 403, user
    client.force_login(auditor)
    page = client.get(reverse("rectification:audit_list"), {"kind": "export"})
    assert page.status_code == 200 and "needle" in page.content.decode()
    export = client.get(reverse("rectification:audit_export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    # Reading the trail is itself in it.
    assert AuditEvent.objects.filter(kind=Kind.AUDIT_READ, actor_id=auditor.pk).exists()
    assert AuditEvent.objects.filter(kind=Kind.EXPORT, actor_id=auditor.pk, target="audit trail").exists()


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_pruning_task(settings):
    from rectification.tasks import prune_audit_trail

    entry = settings.CELERY_BEAT_SCHEDULE["prune-audit-trail"]
    assert entry["task"] == prune_audit_trail.name
    _event(at=timezone.now() - dt.timedelta(days=400))
    assert prune_audit_trail.apply().get() == "audit trail: 1 events pruned"
    assert AuditEvent.objects.filter(kind=Kind.PRUNED).count() == 1
