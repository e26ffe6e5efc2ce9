"""The one place that says who may see or change what (django-rules).

Views and templates ask ``user.has_perm("rectification.<rule>", obj)`` (templates:
``perms.rectification.<rule>`` for questions without an object, workflow.measure_actions
for a measure page), services call ``require`` below, and querysets are restricted with
the scope helpers; nothing else decides access.

Roles (Membership.Role):
- secretary: everything in their own organisation, signs off, publishes, imports. A
  secretary of an ancestor organisation only reads the descendants, as a supervisor does:
  each organisation's secretary is the one who holds the role in that organisation, and
  the notices go to them (``secretary_memberships``);
- member / staff / grid: read their organisation (and its descendants); change only
  measures they answer for (responsible person or responsible leader);
- supervisor: read-only over their organisation's whole subtree, except that they review
  the documents the organisations below hand upward (``review_upward``) and the
  changes to an approved plan (``decide_plan_change``) and, where the district
  requires it, the bulletin before publication (``review_bulletin``).
Superusers may do everything (the admin).
"""

from __future__ import annotations

from collections.abc import Iterable

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from . import workflow
from .deadlines import ancestor_ids
from .models import (
    AcceptanceOpinion,
    Bulletin,
    BulletinReview,
    BulletinVersion,
    Category,
    Evidence,
    Finding,
    Inspection,
    Measure,
    Membership,
    Organisation,
    PlanChange,
    PublicComment,
    ReportingRules,
    SubmittedVersion,
    Talk,
    UpwardDocument,
    UrgingAttachment,
    UrgingLetter,
    UrgingReply,
    WithheldFinding,
)
from .permission_texts import WHO_MAY, denial_message  # noqa: F401 (views ask permissions for both)
from .permissions_admin import (  # noqa: F401 (三员, re-exported: views and services ask permissions)
    ADMIN_ROLE_PERMISSIONS,
    AdminModelBackend,
    administrator_roles,
    is_auditor,
    require_administrator,
)

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


def require(user, perm: str, obj=None, *, message: str | None = None) -> None:
    """Raise PermissionDenied unless ``user`` holds ``perm`` ("rectification.<rule>" or
    just "<rule>") on ``obj``. Services call it even when their view has checked: bulk
    actions, tasks and commands reach them without a view. The message says who may."""
    name = perm if "." in perm else f"rectification.{perm}"
    if not user.has_perm(name, obj):
        raise PermissionDenied(message or denial_message(name))


def _role_below(role: str) -> str:
    """The role a membership gives in the descendants of its organisation: the same one,
    except that a secretary only reads there (the descendant's own secretary is the one
    accountable, see the module docstring)."""
    return Role.SUPERVISOR if role == Role.SECRETARY else role


def _role_over(membership: tuple[int, str, str], organisation: Organisation) -> str | None:
    """The role ``membership`` gives over ``organisation`` (None: not in its subtree)."""
    org_id, path, role = membership
    if organisation.pk == org_id:
        return role
    return _role_below(role) if organisation.path.startswith(path) else None


def organisation_scope(user, roles: Iterable[str] | None = None) -> Q:
    """A Q on Organisation selecting the organisations where the user holds one of
    ``roles`` (any role when None), own or through an ancestor's membership as
    ``_role_below`` says: ``roles=[SECRETARY]`` gives the organisations where they are
    secretary themselves, not the descendants they only read."""
    if getattr(user, "is_superuser", False):
        return Q()
    q = Q(pk__in=[])
    for org_id, path, role in _memberships(user):
        here = roles is None or role in roles
        below = roles is None or _role_below(role) in roles
        if here and below:
            q |= Q(path__startswith=path)
        elif here:
            q |= Q(pk=org_id)
        elif below:
            q |= Q(path__startswith=path) & ~Q(pk=org_id)
    return q


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
    """The user's strongest role over ``organisation`` (own or an ancestor's membership,
    which a secretary's gives as supervisor: see ``_role_below``)."""
    order = [Role.SECRETARY, Role.MEMBER, Role.STAFF, Role.GRID, Role.SUPERVISOR]
    found = {_role_over(m, organisation) for m in _memberships(user)}
    return next((r for r in order if r in found), None)


def works_in(user, organisation: Organisation) -> bool:
    """Whether ``organisation`` is one the user works in rather than only reads (supervises,
    or oversees as an ancestor's secretary); e.g. the dashboard opens on it."""
    return role_in(user, organisation) not in (None, Role.SUPERVISOR)


def secretary_memberships(organisation_ids: Iterable[int]) -> QuerySet[Membership]:
    """The secretaries of these organisations: who holds the role in the organisation
    itself (an ancestor's secretary only reads it), active users only. Notices,
    escalations and digests addressed to "the secretary" go to them."""
    return Membership.objects.filter(organisation_id__in=list(organisation_ids), **secretary_filter())


def secretary_filter(prefix: str = "") -> dict[str, object]:
    """The same rule as a filter on Membership fields reached through ``prefix``, e.g.
    ``secretary_filter("finding__category__inspection__organisation__memberships__")`` on
    Measure: the memberships of that very organisation, never an ancestor's."""
    return {f"{prefix}role": Role.SECRETARY, f"{prefix}user__is_active": True}


def oversees_measures(user) -> bool:
    """Secretaries and supervisors (and admins) follow every measure they may see; the
    measure list opens on everything for them, on their own measures for everyone else."""
    return holds_role_somewhere(user, [Role.SECRETARY, Role.SUPERVISOR])


def spans_organisations(user) -> bool:
    """Supervisors (and admins) read several organisations: lists offer them the
    organisation filter."""
    return holds_role_somewhere(user, [Role.SUPERVISOR])


def holds_role_somewhere(user, roles: Iterable[str]) -> bool:
    """Whether the user holds one of ``roles`` anywhere (superusers always do); for
    user-level rules and defaults (secretary_somewhere, oversees_measures)."""
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
    if isinstance(obj, UrgingAttachment):
        obj = obj.reply
    if isinstance(obj, UrgingReply):
        obj = obj.letter
    if isinstance(obj, UrgingLetter | Talk | PublicComment):
        return obj.organisation
    if isinstance(obj, SubmittedVersion):
        obj = obj.document
    if isinstance(obj, BulletinVersion | BulletinReview):
        obj = obj.bulletin
    if isinstance(obj, WithheldFinding):
        obj = obj.finding
    if isinstance(obj, PlanChange):
        obj = obj.plan
    if isinstance(obj, Bulletin | Category | UpwardDocument | AcceptanceOpinion):
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
# Withdrawing a published version (撤回) is the publisher's own correction: the organisation's
# secretary, like publishing; a supervisor above asks them to, it does not do it for them.
rules.add_perm("rectification.withdraw_bulletin", is_admin | is_secretary)
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
    """Organisations the user may import a ledger into (those they are secretary of)."""
    return Organisation.objects.filter(organisation_scope(user, roles=[Role.SECRETARY]))


@rules.predicate
def secretary_somewhere(user) -> bool:
    return holds_role_somewhere(user, [Role.SECRETARY])


rules.add_perm("rectification.import_ledger", is_admin | is_secretary)
rules.add_perm("rectification.start_ledger_import", is_admin | secretary_somewhere)
rules.add_perm("rectification.export_ledger", is_admin | can_read)
# Onboarding a district creates accounts and grants every role, secretary included: the
# system administrator's work, never a role's (a secretary could otherwise promote anyone).
rules.add_perm("rectification.onboard", is_admin)

# The sign-off queue (measures awaiting sign-off, pending extensions) of the organisations
# where the user signs off; everyone else has no queue.
rules.add_perm("rectification.view_signoff_queue", is_admin | secretary_somewhere)

# Setting up an inspection (for the organisations the user is secretary of) and the measure
# list's bulk bar (per measure, ``bulk_change_measure`` decides): secretaries only.
rules.add_perm("rectification.create_inspection", is_admin | secretary_somewhere)
rules.add_perm("rectification.use_bulk_actions", is_admin | secretary_somewhere)

# Re-checks (回头看): the secretary confirms a signed-off measure stayed fixed or reopens it;
# the re-check list is in the menu of whoever signs off somewhere.
rules.add_perm("rectification.decide_recheck", is_admin | is_secretary)
rules.add_perm("rectification.view_rechecks", is_admin | secretary_somewhere)


# Documents handed upward (整改方案, 整改情况报告). They are internal, never public. Read by
# the committee that writes them (its secretary and members: the 整改工作领导小组) and by
# the supervisors above; staff and grid workers answer for measures, which they read on
# the measure pages, not for the committee's correspondence with its reviewers. The
# organisation's own secretary drafts, signs and submits. Reviewing takes a real
# supervisor membership of the organisation or an ancestor: an ancestor's secretary reads
# a community as a supervisor (``_role_below``) but reviews nothing.
def review_scope(user, path_field: str = "path") -> Q:
    """A Q selecting the organisations whose documents the user reviews (the subtrees of
    their own SUPERVISOR memberships; superusers: all), on the organisation path reached
    through ``path_field`` (e.g. "inspection__organisation__path" on UpwardDocument)."""
    if getattr(user, "is_superuser", False):
        return Q()
    return _prefixed(Q(pk__in=[]), path_field, [m for m in _memberships(user) if m[2] == Role.SUPERVISOR])


@rules.predicate
def is_member(user, obj) -> bool:
    return obj is not None and role_in(user, _org_of(obj)) == Role.MEMBER


@rules.predicate
def supervises(user, obj) -> bool:
    """A SUPERVISOR membership of ``obj``'s organisation or of an ancestor (not a role
    derived from an ancestor's secretary)."""
    if obj is None:
        return False
    path = _org_of(obj).path
    return any(role == Role.SUPERVISOR and path.startswith(p) for _id, p, role in _memberships(user))


rules.add_perm("rectification.view_upward", is_admin | is_secretary | is_member | is_supervisor)
rules.add_perm("rectification.edit_upward", is_admin | is_secretary)
rules.add_perm("rectification.submit_upward", is_admin | is_secretary)
rules.add_perm("rectification.review_upward", is_admin | supervises)
rules.add_perm("rectification.view_review_queue", is_admin | supervises_any)
# 方案调整: once the plan is approved, adding, removing or re-dating a measure is asked for
# by the organisation's own secretary (who edits the plan) and decided by those who
# approved the plan, on review_upward's rule.
rules.add_perm("rectification.request_plan_change", is_admin | is_secretary)
rules.add_perm("rectification.decide_plan_change", is_admin | supervises)
# The bulletin's review before publication (where the district's ReportingRules require
# it): the organisation's own secretary submits the draft, who publishes it; a real
# supervisor above approves or returns it, on review_upward's rule (an ancestor's
# secretary reads but does not review). The review page is theirs and the secretary's.
rules.add_perm("rectification.submit_bulletin_review", is_admin | is_secretary)
rules.add_perm("rectification.review_bulletin", is_admin | supervises)
rules.add_perm("rectification.view_bulletin_review", is_admin | is_secretary | supervises)


# Acceptance (验收): where the district's rule asks for it (ReportingRules.acceptance_level,
# the nearest organisation up the tree decides), a signed-off measure is accepted or returned
# by a real supervisor membership above it at the rule's level or higher (a street rule: the
# street's or the district's supervisors; a district rule: the district's only). An ancestor's
# secretary reads but does not accept, as with reviews.
_LEVELS_ATTR = "_rectification_supervisor_levels"


def supervisor_levels(user) -> list[tuple[str, str]]:
    """(path, organisation level) of each of the user's SUPERVISOR memberships, cached on the
    user. Queries: 1 the first time, none when the user supervises nothing."""
    cache = getattr(user, _LEVELS_ATTR, None)
    if cache is None:
        ids = [org_id for org_id, _path, role in _memberships(user) if role == Role.SUPERVISOR]
        cache = list(Organisation.objects.filter(pk__in=ids).values_list("path", "level")) if ids else []
        setattr(user, _LEVELS_ATTR, cache)
    return cache


def acceptance_level_of(organisation: Organisation) -> str:
    """The acceptance level the organisation's rule asks for, cached on the object (a selector
    that read the rules already sets ``_acceptance_level``). Queries: 1, or none when set."""
    level = getattr(organisation, "_acceptance_level", None)
    if level is None:
        ids = ancestor_ids(organisation.path)
        found = dict(
            ReportingRules.objects.filter(organisation_id__in=ids).values_list("organisation_id", "acceptance_level")
        )
        level = next((found[pk] for pk in ids if pk in found), ReportingRules.AcceptanceLevel.NONE)
        organisation._acceptance_level = level
    return level


@rules.predicate
def accepts(user, obj) -> bool:
    if obj is None:
        return False
    organisation = _org_of(obj)
    above = [level for path, level in supervisor_levels(user) if organisation.path.startswith(path)]
    if not above:
        return False
    required = acceptance_level_of(organisation)
    return any(workflow.level_accepts(level, required) for level in above)


rules.add_perm("rectification.accept_measure", is_admin | accepts)
rules.add_perm("rectification.view_acceptance_queue", is_admin | supervises_any)
# 整改验收意见: concluded (drafted, issued) by those who accept the organisation's measures;
# the issued opinion is read as its correspondence upward is (view_upward's rule).
rules.add_perm("rectification.conclude_acceptance", is_admin | accepts)
rules.add_perm("rectification.view_acceptance_opinion", is_admin | is_secretary | is_member | is_supervisor)

# Urging from above (督办): a real supervisor membership of the organisation or above
# issues 督办函 and records 约谈 (as review_upward: an ancestor's secretary only reads);
# the organisation's own secretary answers. The letters, replies and talks are read by
# those who read its correspondence upward (view_upward's rule), never by staff or the public.
rules.add_perm("rectification.issue_urging", is_admin | supervises)
rules.add_perm("rectification.record_talk", is_admin | supervises)
rules.add_perm("rectification.reply_urging", is_admin | is_secretary)
rules.add_perm("rectification.view_urging", is_admin | is_secretary | is_member | is_supervisor)


# The register of comments from the public (意见建议登记簿): private to the organisation's
# committee (secretary and members read it), the secretary logs, answers and closes; the
# supervisors above see its counts only (roll-up). Writing a comment on a public page needs
# no rule: anyone may, within the comment window.
def comment_register_organisations(user):
    """Organisations whose register the user reads (own secretary or member role)."""
    return Organisation.objects.filter(organisation_scope(user, roles=[Role.SECRETARY, Role.MEMBER]))


rules.add_perm("rectification.view_comments", is_admin | is_secretary | is_member)
rules.add_perm("rectification.handle_comment", is_admin | is_secretary)


@rules.predicate
def committee_somewhere(user) -> bool:
    return holds_role_somewhere(user, [Role.SECRETARY, Role.MEMBER])


rules.add_perm("rectification.view_comment_register", is_admin | committee_somewhere)


def supervising_organisation(user, organisation: Organisation) -> Organisation | None:
    """The organisation in whose name ``user`` urges ``organisation``: their nearest
    SUPERVISOR membership at or above it (a superuser: its top); None when they hold none."""
    if getattr(user, "is_superuser", False):
        top = organisation.path.strip("/").split("/")[0]
        return Organisation.objects.get(pk=int(top)) if top else organisation
    found = [
        (len(path), org_id)
        for org_id, path, role in _memberships(user)
        if role == Role.SUPERVISOR and organisation.path.startswith(path)
    ]
    return Organisation.objects.get(pk=max(found)[1]) if found else None
