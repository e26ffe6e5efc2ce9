"""A district-size data generator for benchmarks and load tests (never for production).

Builds a district > ~10 streets > N communities tree, people with logins and memberships,
K inspections per community with categories, I items each and M measures per item, in a
realistic mix of kinds, statuses and deadlines relative to a fixed reference date, with
progress entries, evidence records (one tiny placeholder file, realistic sizes and
hashes), sign-offs and a few deadline extensions.

Rows go in with ``bulk_create`` (no signals, so no simple-history rows and no
notifications), one transaction per community. Each community draws from its own random
stream seeded by (seed, index), so the same spec gives the same data, and a run that was
interrupted resumes where it stopped: communities that already have inspections are kept.
Auto timestamps (``created_at``, ``updated_at``) and primary keys are the only values that
differ between two runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from ..models import Inspection, Membership, Organisation
from ..services.organisations import organisation_create
from . import vocabulary as vocab
from .scale_rows import CommunityBuilder
from .scale_spec import (
    PASSWORD,
    REFERENCE_DATE,
    ScaleReport,
    ScaleSpec,
    community_slug,
    district_slug,
    supervisor_username,
    username,
)

__all__ = [
    "PASSWORD",
    "REFERENCE_DATE",
    "ScaleReport",
    "ScaleSpec",
    "community_slug",
    "district_slug",
    "scale_data_find",
    "scale_data_generate",
    "supervisor_username",
    "username",
]
Role = Membership.Role


# ---------------------------------------------------------------------------- the tree


def _org(slug: str, **fields) -> Organisation:
    return Organisation.objects.filter(slug=slug).first() or organisation_create(slug=slug, **fields)


def _tree(spec: ScaleSpec) -> tuple[Organisation, list[Organisation], list[tuple[int, Organisation, int]]]:
    """District, streets and (index, community, street index), created where missing."""
    district = _org(
        district_slug(spec),
        name=f"中共深圳市{vocab.DISTRICT}委员会（{spec.tag}）",
        short_name=f"{vocab.DISTRICT}委",
        level=Organisation.Level.DISTRICT,
    )
    streets = [
        _org(
            f"scale-{spec.tag}-st{j:02d}",
            name=f"中共深圳市{vocab.DISTRICT}{vocab.street_name(j)}街道工作委员会（{spec.tag}）",
            short_name=f"{vocab.street_name(j)}街道党工委",
            level=Organisation.Level.STREET,
            parent=district,
        )
        for j in range(spec.streets)
    ]
    communities = []
    for i in range(spec.communities):
        j = i % spec.streets
        name = vocab.community_name(i)
        org = _org(
            community_slug(spec, i),
            name=f"中共深圳市{vocab.DISTRICT}{vocab.street_name(j)}街道{name}社区委员会（{spec.tag}）",
            short_name=f"{name}社区党委",
            level=Organisation.Level.COMMUNITY,
            parent=streets[j],
        )
        communities.append((i, org, j))
    return district, streets, communities


def _supervisors(spec: ScaleSpec, district: Organisation, streets: list[Organisation], password: str) -> None:
    User = get_user_model()
    wanted = [(supervisor_username(spec), district, "区委巡察办")] + [
        (supervisor_username(spec, j), street, f"{street.short_name}督导员") for j, street in enumerate(streets)
    ]
    existing = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
    for name, org, label in wanted:
        if name not in existing:
            user = User.objects.create(username=name, first_name=label, password=password)
            Membership.objects.create(user=user, organisation=org, role=Role.SUPERVISOR)


# ---------------------------------------------------------------------------- entry points


def scale_data_find(*, spec: ScaleSpec) -> bool:
    """Whether the data set of ``spec`` is complete in the database (every community built)."""
    district = Organisation.objects.filter(slug=district_slug(spec)).first()
    if district is None:
        return False
    built = (
        Inspection.objects.filter(organisation__path__startswith=district.path)
        .values("organisation_id")
        .distinct()
        .count()
    )
    return built == spec.communities


def _placeholder(spec: ScaleSpec) -> str:
    # Evidence rows all point at one tiny stored file: the rows are real, the bytes are not.
    path = f"scale/{spec.tag}/placeholder.txt"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(b"scale-data placeholder evidence\n"))
    return path


def scale_data_generate(*, spec: ScaleSpec, progress: Callable[[int, int], None] | None = None) -> ScaleReport:
    """Create whatever of the data set ``spec`` is missing; see the module docstring.

    Not one transaction: each community is its own, so a million measures do not sit in
    one open transaction and an interrupted run resumes.
    """
    with transaction.atomic():
        district, streets, communities = _tree(spec)
        password = make_password(PASSWORD, salt=f"scale{spec.seed}")
        _supervisors(spec, district, streets, password)
    report = ScaleReport(spec=spec, district=district)
    built = set(
        Inspection.objects.filter(organisation__path__startswith=district.path).values_list(
            "organisation_id", flat=True
        )
    )
    placeholder = _placeholder(spec)
    for n, (index, org, _street) in enumerate(communities, start=1):
        if org.pk in built:
            report.communities_kept += 1
        else:
            with transaction.atomic():
                community = CommunityBuilder(spec, index, org, password, report)
                community.placeholder = placeholder
                community.build()
            report.communities_created += 1
        if progress:
            progress(n, len(communities))
    return report
