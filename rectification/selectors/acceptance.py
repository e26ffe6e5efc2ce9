"""Reads for acceptance (验收): where a supervisor accepts, their queue of signed-off
measures awaiting acceptance with the frozen sign-off, and each organisation's rule.

Which organisations ask for acceptance is their district's rule (ReportingRules.
acceptance_level; the nearest organisation up the tree with rules decides, as for the
documents' deadlines). The rules are a handful per district, so they are read once and
turned into a filter on the organisation path: a fixed number of queries for any number
of organisations and measures.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import OuterRef, Q, QuerySet, Subquery

from .. import workflow
from ..deadlines import ancestor_ids
from ..models import Measure, ReportingRules, SignOff, awaiting_acceptance_q
from ..permissions import supervisor_levels

Acceptance = ReportingRules.AcceptanceLevel
ORG = "finding__category__inspection__organisation"
ORG_PATH = f"{ORG}__path"


def acceptance_levels_for_paths(paths: Iterable[str]) -> dict[str, str]:
    """The acceptance level each organisation (by materialised path) follows: the nearest
    organisation up its tree with rules, else none. Queries: 1 (none for no paths)."""
    paths = set(paths)
    if not paths:
        return {}
    ids = {pk for path in paths for pk in ancestor_ids(path)}
    found = dict(
        ReportingRules.objects.filter(organisation_id__in=ids).values_list("organisation_id", "acceptance_level")
    )
    return {path: next((found[pk] for pk in ancestor_ids(path) if pk in found), Acceptance.NONE) for path in paths}


def _supervised(user) -> list[tuple[str, str]]:
    """(path, level) of the subtrees where the user supervises; a superuser: everything,
    at the highest level."""
    if getattr(user, "is_superuser", False):
        return [("/", "district")]
    return supervisor_levels(user)


def acceptance_scope(user, path_field: str = ORG_PATH) -> Q:
    """A Q selecting the rows (through ``path_field``, an organisation path) whose measures
    the user accepts: under a rule that asks for acceptance at a level the user's supervisor
    membership above meets. Queries: the user's supervisor levels (1, cached per request)
    and the rules that can matter — those set above or within their subtrees (1)."""
    supervised = _supervised(user)
    if not supervised:
        return Q(pk__in=[])
    relevant = Q(organisation_id__in={pk for path, _level in supervised for pk in ancestor_ids(path)})
    relevant |= reduce(or_, (Q(organisation__path__startswith=path) for path, _level in supervised))
    rules = dict(ReportingRules.objects.filter(relevant).values_list("organisation__path", "acceptance_level"))
    regions = []
    for rule_path, level in rules.items():
        accepting = [path for path, org_level in supervised if workflow.level_accepts(org_level, level)]
        if not accepting:
            continue
        region = Q(**{f"{path_field}__startswith": rule_path}) & reduce(
            or_, (Q(**{f"{path_field}__startswith": path}) for path in accepting)
        )
        # A nearer rule below this one decides for its own subtree.
        for other in rules:
            if other != rule_path and other.startswith(rule_path):
                region &= ~Q(**{f"{path_field}__startswith": other})
        regions.append(region)
    return reduce(or_, regions) if regions else Q(pk__in=[])


def _latest_secretary_sign_off() -> QuerySet[SignOff]:
    return SignOff.objects.filter(
        measure=OuterRef("pk"), level=SignOff.Level.SECRETARY, decision=SignOff.Decision.APPROVED
    ).order_by("-decided_at", "-pk")


def acceptance_queue_rows(*, user) -> QuerySet[Measure]:
    """Signed-off measures awaiting the user's acceptance across their subtree, the longest
    waiting first, as a queryset to count and cut into pages. Each carries its finding,
    inspection and organisation and, from the secretary's latest sign-off, ``signed_progress``,
    ``signed_evidence`` (the frozen list) and ``signed_by_name``.

    Queries: 1 per evaluation (after the 2 of ``acceptance_scope``), however many."""
    latest = _latest_secretary_sign_off()
    return (
        Measure.objects.filter(acceptance_scope(user), awaiting_acceptance_q())
        .select_related(f"{ORG}", "finding__category__inspection")
        .annotate(
            signed_progress=Subquery(latest.values("progress_snapshot")[:1]),
            signed_evidence=Subquery(latest.values("evidence_snapshot")[:1]),
            signed_by_name=Subquery(latest.values("decided_by__first_name")[:1]),
        )
        .order_by("signed_off_at", "pk")
    )


def acceptance_queue_count(*, user) -> int:
    """How many measures await the user's acceptance. Queries: 3 (2 when cached levels)."""
    return Measure.objects.filter(acceptance_scope(user), awaiting_acceptance_q()).count()


def measure_acceptance(measure: Measure) -> str:
    """The acceptance level ``measure``'s organisation follows (cached on it for the rule
    ``accept_measure``). Queries: 1."""
    organisation = measure.finding.category.inspection.organisation
    level = acceptance_levels_for_paths([organisation.path])[organisation.path]
    organisation._acceptance_level = level
    return level
