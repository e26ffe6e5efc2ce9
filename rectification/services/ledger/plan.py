"""The plan of one ledger import: what it will create, update or leave, for people to read
(``LedgerPlan``), and the writes the applier carries out (``LedgerActions``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...ledger.format import InspectionInfo, LedgerRow, Problem
from ...models import Category, Finding, Inspection, Measure, Organisation, Person


@dataclass
class PlannedMeasure:
    row: int
    category: str
    item: str
    title: str
    changes: list[str] = field(default_factory=list)  # what an update changes, in words


@dataclass
class LedgerPlan:
    """What an import of one workbook will do, and what is wrong with it."""

    sha256: str
    problems: list[Problem]
    organisation: Organisation | None = None
    inspection: Inspection | None = None  # the existing inspection to update; after import, the result
    info: InspectionInfo | None = None
    info_changes: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    new_items: list[tuple[str, str]] = field(default_factory=list)
    new_measures: list[PlannedMeasure] = field(default_factory=list)
    updated_measures: list[PlannedMeasure] = field(default_factory=list)
    unchanged_measures: list[PlannedMeasure] = field(default_factory=list)
    untouched_measures: int = 0  # in the inspection but not in the ledger: left as they are
    new_people: list[str] = field(default_factory=list)
    linked_people: list[str] = field(default_factory=list)  # new Person rows linked to an existing account
    actions: LedgerActions | None = field(default=None, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    @property
    def is_update(self) -> bool:
        return self.actions is not None and self.actions.existing_inspection

    @property
    def people_count(self) -> int:
        return len(self.new_people) + len(self.linked_people)

    @property
    def row_count(self) -> int:
        return len(self.new_measures) + len(self.updated_measures) + len(self.unchanged_measures)


def norm(text: str) -> str:
    """Titles and headings match ignoring whitespace: people wrap long cells by hand."""
    return "".join(text.split())


@dataclass
class NewFinding:
    category: str
    heading: str
    position: int
    problem: str
    lead_in: str


@dataclass
class LedgerActions:
    """Everything the applier writes, decided by the planner."""

    existing_inspection: bool
    info_fields: dict[str, object] = field(default_factory=dict)
    new_categories: list[tuple[str, str, int]] = field(default_factory=list)  # (key, title, position)
    new_findings: list[NewFinding] = field(default_factory=list)
    finding_updates: list[Finding] = field(default_factory=list)
    categories: dict[str, Category] = field(default_factory=dict)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    new_measures: list[tuple[tuple[str, str], int, LedgerRow]] = field(default_factory=list)
    measure_updates: list[tuple[Measure, LedgerRow, list[str]]] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    new_people: list[Person] = field(default_factory=list)


def owners_differ(m: Measure, row: LedgerRow) -> bool:
    return sorted(row.owners) != sorted(p.name for p in m.owners.all())
