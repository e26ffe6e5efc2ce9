"""The scale data set's shape (``ScaleSpec``), its run report and the names it gives
organisations and logins, which benchmarks use to find their way into a generated set."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from ..models import Organisation

REFERENCE_DATE = dt.date(2025, 6, 30)
PASSWORD = "Bench@2025"


@dataclass(frozen=True)
class ScaleSpec:
    communities: int
    inspections_per_org: int
    items_per_inspection: int
    measures_per_item: int
    seed: int = 1
    reference_date: dt.date = REFERENCE_DATE

    def __post_init__(self) -> None:
        sizes = (self.communities, self.inspections_per_org, self.items_per_inspection, self.measures_per_item)
        if min(sizes) < 1:
            raise ValidationError("规模参数必须为正整数。")

    @property
    def tag(self) -> str:
        """Names the data set: the same tag means the same shape, seed and reference date."""
        return (
            f"s{self.seed}-c{self.communities}-k{self.inspections_per_org}-i{self.items_per_inspection}"
            f"-m{self.measures_per_item}-r{self.reference_date:%Y%m%d}"
        )

    @property
    def streets(self) -> int:
        return min(10, max(1, (self.communities + 4) // 5))

    @property
    def measures_per_community(self) -> int:
        return self.inspections_per_org * self.items_per_inspection * self.measures_per_item

    @property
    def total_measures(self) -> int:
        return self.communities * self.measures_per_community


@dataclass
class ScaleReport:
    spec: ScaleSpec
    district: Organisation
    communities_created: int = 0
    communities_kept: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, n: int) -> None:
        self.rows[what] = self.rows.get(what, 0) + n

    def __str__(self) -> str:
        made = ", ".join(f"{n} {what}" for what, n in self.rows.items()) or "nothing"
        return (
            f"scale data {self.spec.tag}: {self.communities_created} communities generated, "
            f"{self.communities_kept} already present; created {made}"
        )


def district_slug(spec: ScaleSpec) -> str:
    return f"scale-{spec.tag}"


def community_slug(spec: ScaleSpec, index: int) -> str:
    return f"scale-{spec.tag}-c{index:04d}"


def username(spec: ScaleSpec, community_index: int, key: str) -> str:
    """Login names: ``secretary``, ``member1``, ``staff2`` … of community ``community_index``."""
    return f"{spec.tag}-c{community_index:04d}-{key}"


def supervisor_username(spec: ScaleSpec, street_index: int | None = None) -> str:
    """The district inspection office (no street) or one street's supervisor."""
    return f"{spec.tag}-district-supervisor" if street_index is None else f"{spec.tag}-st{street_index:02d}-supervisor"
