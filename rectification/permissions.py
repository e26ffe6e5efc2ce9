"""The one place that says who may see or change what (django-rules).

Views ask ``user.has_perm("rectification.<rule>", obj)`` or use the scope helpers
below to restrict querysets; nothing else decides access.

Roles (Membership.Role):
- secretary: everything in their organisation (and its descendants), signs off, publishes;
- member / staff / grid: read their organisation; change only measures they answer for
  (responsible person or responsible leader);
- supervisor: read-only over their organisation's whole subtree.
Superusers may do everything (the admin).
"""

from __future__ import annotations

from collections.abc import Iterable

import rules
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import Bulletin, Category, Evidence, Finding, Inspection, Measure, Membership, Organisation

Role = Membership.Role
_CACHE_ATTR = "_rectification_scope_cache"


def _memberships(user) -> list[tuple[int, str, str]]:
    """(organisation id, path, role) for each of the user's memberships, cached on the user."""
    if not user.is_authenticated:
        return []
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = list(user.memberships.values_list("organisation_id", "organisation__path", "role"))
        setattr(user, _CACHE_ATTR, cache)
    return cache


def organisation_scope(user, roles: Iterable[str] | None = None) -> Q:
    """A Q on Organisation selecting the organisations (and descendants) where the user
    holds one of ``roles`` (any role when None)."""
    if getattr(user, "is_superuser", False):
        return Q()
    memberships = [m for m in _memberships(user) if roles is None or m[2] in roles]
    return _prefixed(Q(pk__in=[]), "path", memberships)


def _prefixed(none: Q, path_field: str, memberships: Iterable[tuple[int, str, str]]) -> Q:
    """``none`` OR'd with "``path_field`` starts with the path" for each membership."""
    q = none
    for _org_id, path, _role in memberships:
        q |= Q(**{f"{path_field}__startswith": path})
    return q


def visible_organisations(user):
    return Organisation.objects.filter(organisation_scope(user))


def visible_organisation_ids(user) -> set[int]:
    return set(visible_organisations(user).values_list("pk", flat=True))


def role_in(user, organisation: Organisation) -> str | None:
    """The user's strongest role that covers ``organisation`` (own or an ancestor's)."""
    order = [Role.SECRETARY, Role.MEMBER, Role.STAFF, Role.GRID, Role.SUPERVISOR]
    found = {role for _id, path, role in _memberships(user) if organisation.path.startswith(path)}
    return next((r for r in order if r in found), None)


def holds_role_somewhere(user, roles: Iterable[str]) -> bool:
    """Whether the user holds one of ``roles`` anywhere (superusers always do); for
    showing controls on pages that span organisations, e.g. the list's bulk bar."""
    if getattr(user, "is_superuser", False):
        return True
    return any(role in roles for _id, _path, role in _memberships(user))


def measure_scope(user) -> Q:
    """A Q on Measure: the measures the user may see.

    It tests the organisation's path through the join a list's ``select_related`` makes
    anyway rather than ``organisation IN (SELECT …)``: with the subquery, PostgreSQL spent
    longer planning a community's list query than running it (5.6 ms against 2.9 ms;
    2.7 ms of planning now, see BENCHMARKS.md)."""
    if getattr(user, "is_superuser", False):
        return Q()
    return _prefixed(Q(pk__in=[]), "finding__category__inspection__organisation__path", _memberships(user))


def _org_of(obj) -> Organisation:
    if isinstance(obj, Organisation):
        return obj
    if isinstance(obj, Inspection):
        return obj.organisation
    if isinstance(obj, Bulletin | Category):
        return obj.inspection.organisation
    if isinstance(obj, Finding):
        return obj.category.inspection.organisation
    if isinstance(obj, Evidence):
        obj = obj.measure
    if isinstance(obj, Measure):
        return obj.finding.category.inspection.organisation
    raise TypeError(f"no organisation for {type(obj).__name__}")


@rules.predicate
def can_read(user, obj) -> bool:
    return obj is not None and role_in(user, _org_of(obj)) is not None


@rules.predicate
def is_secretary(user, obj) -> bool:
    return obj is not None and role_in(user, _org_of(obj)) == Role.SECRETARY


@rules.predicate
def is_supervisor(user, obj) -> bool:
    return obj is not None and role_in(user, _org_of(obj)) == Role.SUPERVISOR


def answering_user_ids(measure: Measure) -> set[int]:
    """Users who answer for ``measure`` (responsible people and leader). Uses prefetched
    ``owners`` and a select_related ``leader`` when present, so lists stay at fixed queries."""
    ids = {person.user_id for person in measure.owners.all() if person.user_id}
    if measure.leader_id and measure.leader.user_id:
        ids.add(measure.leader.user_id)
    return ids


@rules.predicate
def answers_for(user, measure) -> bool:
    """Responsible person or responsible leader of the measure (through Person.user)."""
    if measure is None or role_in(user, _org_of(measure)) in (None, Role.SUPERVISOR):
        return False
    return user.pk in answering_user_ids(measure)


@rules.predicate
def uploaded_it(user, evidence) -> bool:
    return evidence is not None and evidence.uploaded_by_id == user.pk


is_admin = rules.is_superuser

rules.add_perm("rectification.view_organisation", is_admin | can_read)
rules.add_perm("rectification.view_measure", is_admin | can_read)
rules.add_perm("rectification.change_measure", is_admin | is_secretary | answers_for)
rules.add_perm("rectification.sign_off_measure", is_admin | is_secretary)
rules.add_perm("rectification.manage_inspection", is_admin | is_secretary)
# Bulk status / person / deadline changes on the measure list (structure services).
rules.add_perm("rectification.bulk_change_measure", is_admin | is_secretary)
rules.add_perm("rectification.view_dashboard", is_admin | can_read)
rules.add_perm("rectification.edit_bulletin", is_admin | is_secretary)
rules.add_perm("rectification.publish_bulletin", is_admin | is_secretary)
rules.add_perm("rectification.view_bulletin", is_admin | can_read)  # its published versions list
rules.add_perm("rectification.delete_evidence", is_admin | is_secretary | (uploaded_it & can_read))
rules.add_perm("rectification.decide_extension", is_admin | is_secretary)
# Measure workflow: the responsible people work the measure (progress, status, evidence,
# extension requests); the secretary may do all of it and, alone, edits the plan itself
# (owners, leader, deadline, title) and decides. Supervisors only read.
rules.add_perm("rectification.edit_measure", is_admin | is_secretary)
rules.add_perm("rectification.view_evidence", is_admin | can_read)
rules.add_perm("rectification.add_evidence", is_admin | is_secretary | answers_for)
rules.add_perm("rectification.request_extension", is_admin | is_secretary | answers_for)


# Dashboard roll-up: supervisors follow every organisation below the one they supervise.
def rollup_roots(user):
    """Organisations whose subtree the user may follow in the roll-up: those where they
    are supervisor (superusers: the top of every tree)."""
    if getattr(user, "is_superuser", False):
        return Organisation.objects.filter(parent__isnull=True)
    ids = [org_id for org_id, _path, role in _memberships(user) if role == Role.SUPERVISOR]
    return Organisation.objects.filter(pk__in=ids)


@rules.predicate
def supervises_any(user) -> bool:
    return any(role == Role.SUPERVISOR for _id, _path, role in _memberships(user))


rules.add_perm("rectification.view_rollup", is_admin | supervises_any)


# Ledger (整改台账). Only secretaries import: an import writes a whole inspection at once.
# Everyone who reads an inspection may export it, supervisors included: the export holds the
# internal problem wording (问题描述), which the same people already read on the measure pages;
# it is never offered to the public.
def ledger_import_organisations(user):
    """Organisations the user may import a ledger into (secretary of them or an ancestor)."""
    return Organisation.objects.filter(organisation_scope(user, roles=[Role.SECRETARY]))


@rules.predicate
def secretary_somewhere(user) -> bool:
    return holds_role_somewhere(user, [Role.SECRETARY])


rules.add_perm("rectification.import_ledger", is_admin | is_secretary)
rules.add_perm("rectification.start_ledger_import", is_admin | secretary_somewhere)
rules.add_perm("rectification.export_ledger", is_admin | can_read)

# The sign-off queue (measures awaiting sign-off, pending extensions) of the organisations
# where the user signs off; everyone else has no queue.
rules.add_perm("rectification.view_signoff_queue", is_admin | secretary_somewhere)

# Re-checks (回头看): the secretary confirms a signed-off measure stayed fixed or reopens it;
# the re-check list is in the menu of whoever signs off somewhere.
rules.add_perm("rectification.decide_recheck", is_admin | is_secretary)
rules.add_perm("rectification.view_rechecks", is_admin | secretary_somewhere)


class AdminModelBackend(ModelBackend):
    """Django's model permissions, which only the admin uses, for staff users only.

    Everything the app itself checks is a rule above. The stock ModelBackend answers
    every ``has_perm`` the rules refuse (the navigation asks four on every page) with two
    queries for the user's and groups' permissions; users who cannot enter the admin have
    no use for those, so they are not loaded for them."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or not (user_obj.is_staff or user_obj.is_superuser):
            return set()
        return super().get_all_permissions(user_obj, obj)
