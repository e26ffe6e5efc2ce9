"""Personas shared by the whole suite.

The tree: district > street > {community A, community B}.
- secretary_a: 书记 of A; member_a: 委员 of A (a responsible leader); staff_a: 工作人员 of A;
- staff_b: 工作人员 of B; supervisor: 巡察办 of the street (reads A and B, changes nothing).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from rectification.models import Membership

from . import factories as f


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_lifts_the_audit_trigger():
    """The audit trail's SQLite trigger refuses to DELETE recent events, and so the flush
    that ends every transactional test (a live server's login writes one). Only here, the
    flush lifts the trigger around its DELETEs and sets it again (the same statements as
    the migration); on PostgreSQL the flush is a TRUNCATE, which the trigger lets through."""
    import importlib

    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    operations = type(connection.ops)
    trail = importlib.import_module("rectification.migrations.0022_audit_trail")
    flush = operations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if "rectification_auditevent" not in tables:
            return statements
        return [*trail.SQLITE_REVERSE, *statements, *trail.SQLITE_FORWARD]

    operations.sql_flush = sql_flush
    yield
    operations.sql_flush = flush


Role = Membership.Role


@pytest.fixture
def tree(db):
    district = f.organisation(level="district", name="中共深圳市福田区委员会")
    street = f.organisation(level="street", parent=district, name="中共深圳市福田区福田街道工作委员会")
    a = f.organisation(parent=street, name="中共深圳市福田区福田街道福华社区委员会")
    b = f.organisation(parent=street, name="中共深圳市福田区福田街道岗厦社区委员会")
    return SimpleNamespace(district=district, street=street, a=a, b=b)


@pytest.fixture
def personas(tree):
    p = SimpleNamespace(tree=tree)
    p.secretary_a = f.user(username="secretary_a", organisation=tree.a, role=Role.SECRETARY, name="李书记")
    p.member_a = f.user(username="member_a", organisation=tree.a, role=Role.MEMBER, name="王委员")
    p.staff_a = f.user(username="staff_a", organisation=tree.a, role=Role.STAFF, name="赵敏")
    p.staff_b = f.user(username="staff_b", organisation=tree.b, role=Role.STAFF, name="钱工")
    p.supervisor = f.user(username="supervisor", organisation=tree.street, role=Role.SUPERVISOR, name="街道督导")
    p.person_staff_a = f.person(organisation=tree.a, name="赵敏", user=p.staff_a)
    p.person_member_a = f.person(organisation=tree.a, name="王委员", user=p.member_a)
    p.person_staff_b = f.person(organisation=tree.b, name="钱工", user=p.staff_b)
    return p


@pytest.fixture
def measure_a(personas):
    """A time-bound measure of A: staff_a responsible, member_a leader."""
    return f.measure_in(personas.tree.a, leader=personas.person_member_a, owners=[personas.person_staff_a])


@pytest.fixture
def measure_b(personas):
    return f.measure_in(personas.tree.b, owners=[personas.person_staff_b])


@pytest.fixture
def demo(db):
    """The Fuhua demo data, loaded through the same service as `make run`."""
    from rectification.devdata.demo import demo_load

    demo_load()
    from rectification.models import Inspection

    return Inspection.objects.get(organisation__slug="fuhua")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the public pages keep what a version's
    addresses need there (selectors/public.py) under keys that a later test's rows, whose
    ids the rolled-back transaction hands out again, could meet."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _no_stray_database_sessions(django_db_setup, django_db_blocker):
    """End the sessions a browser test's live server leaves behind, before the test
    database is dropped. Chromium keeps HTTP connections alive; a live-server thread
    waiting on one still holds its database connection when the server stops (its
    threads are daemons, not joined), and PostgreSQL refuses to drop a database in use:
    pytest then warned "database … is being accessed by other users" at the end."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
