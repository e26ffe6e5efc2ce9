"""Writing a ledger import's plan: bulk queries, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ...ledger.format import LedgerRow
from ...models import Category, Finding, Inspection, Measure, MeasureKind, MeasureStatus, Person, ProgressEntry
from ..headings import categories_map_headings
from .plan import LedgerActions, LedgerPlan, norm, owners_differ


class LedgerApplier:
    """Writes a plan with bulk queries; every step is skipped when it has nothing to do."""

    def __init__(self, plan: LedgerPlan, user, today: dt.date) -> None:
        self.plan = plan
        self.actions: LedgerActions = plan.actions  # type: ignore[assignment]
        self.user = user
        self.today = today
        self.now = timezone.now()
        self.entries: list[ProgressEntry] = []

    def run(self) -> None:
        inspection = self._inspection()
        self.plan.inspection = inspection
        if self.actions.new_people:
            Person.objects.bulk_create(self.actions.new_people)
        self._categories(inspection)
        self._findings()
        self._create_measures()
        self._update_measures()
        if self.entries:
            ProgressEntry.objects.bulk_create(self.entries)

    def _inspection(self) -> Inspection:
        fields = self.actions.info_fields
        if not self.actions.existing_inspection:
            return Inspection.objects.create(organisation=self.plan.organisation, **fields)
        inspection = self.plan.inspection
        if fields:
            for name, value in fields.items():
                setattr(inspection, name, value)
            inspection.save(update_fields=list(fields))
        return inspection  # type: ignore[return-value]

    def _categories(self, inspection: Inspection) -> None:
        new = [
            Category(inspection=inspection, title=title, position=pos) for _k, title, pos in self.actions.new_categories
        ]
        if new:
            made = bulk_create_with_history(new, Category, default_user=self.user)
            for category in made:
                self.actions.categories[norm(category.title)] = category
            categories_map_headings(organisation=inspection.organisation, categories=made)  # free text → 四个聚焦 …

    def _findings(self) -> None:
        new = [
            Finding(
                category=self.actions.categories[f.category],
                heading=f.heading,
                position=f.position,
                problem=f.problem,
                lead_in=f.lead_in,
            )
            for f in self.actions.new_findings
        ]
        if new:
            created = bulk_create_with_history(new, Finding, default_user=self.user)
            for spec, finding in zip(self.actions.new_findings, created, strict=True):
                self.actions.findings[(spec.category, norm(spec.heading))] = finding
        if self.actions.finding_updates:
            bulk_update_with_history(
                self.actions.finding_updates, Finding, ["problem", "lead_in"], default_user=self.user
            )

    def _create_measures(self) -> None:
        new: list[Measure] = []
        rows: list[LedgerRow] = []
        for item, position, row in self.actions.new_measures:
            m = Measure(finding=self.actions.findings[item], position=position, title=row.measure)
            m.original_due_on = row.due_on
            self._set_fields(m, row, {"progress", "unit", "note"})
            self._set_status(m, row.status or MeasureStatus.NOT_STARTED)
            new.append(m)
            rows.append(row)
        if not new:
            return
        created = bulk_create_with_history(new, Measure, default_user=self.user)
        self._set_owners(zip(created, rows, strict=True), replace=False)
        for m, row in zip(created, rows, strict=True):
            self._entry(m, ProgressEntry.Kind.SYSTEM, f"由整改台账导入（第 {row.row} 行）。")

    # Measure fields an import may change; only those that changed somewhere are written.
    UPDATABLE = (
        "title", "progress", "unit", "note", "kind", "due_on", "original_due_on", "status", "leader",
        "submitted_at", "completed_on", "signed_off_at", "signed_off_by", "last_progress_at", "accepted_at",
    )  # fmt: skip

    def _update_measures(self) -> None:
        updates = self.actions.measure_updates
        if not updates:
            return
        attnames = {name: Measure._meta.get_field(name).attname for name in self.UPDATABLE}
        changed: set[str] = {"version"}
        for m, row, changes in updates:
            before = {name: getattr(m, att) for name, att in attnames.items()}
            self._update_one(m, row, changes)
            changed |= {name for name, att in attnames.items() if getattr(m, att) != before[name]}
        bulk_update_with_history([m for m, _r, _c in updates], Measure, sorted(changed), default_user=self.user)
        owner_changes = [(m, row) for m, row, _c in updates if row.owners and owners_differ(m, row)]
        self._set_owners(owner_changes, replace=True)

    def _update_one(self, m: Measure, row: LedgerRow, changes: list[str]) -> None:
        old_status = m.status
        m.title = row.measure
        self._set_fields(m, row, {key for key in ("progress", "unit", "note") if getattr(row, key)})
        if row.status and row.status != m.status:
            self._set_status(m, row.status)
        if m.original_due_on is None:
            m.original_due_on = m.due_on
        m.version += 1
        text = "根据整改台账更新：" + "；".join(changes) + "。"
        if m.status != old_status:
            self._entry(m, ProgressEntry.Kind.STATUS, text, old_status)
        else:
            self._entry(m, ProgressEntry.Kind.SYSTEM, text)

    def _set_fields(self, m: Measure, row: LedgerRow, texts: set[str]) -> None:
        for attr in texts:
            if attr == "progress" and row.progress != m.progress:
                m.last_progress_at = self.now
            setattr(m, attr, getattr(row, attr))
        m.kind = row.kind
        m.due_on = None if row.kind == MeasureKind.ONGOING else row.due_on
        if row.leader:
            m.leader = self.actions.people[row.leader]

    def _set_status(self, m: Measure, status: str) -> None:
        """Status written in the ledger by the secretary who imports it: 已完成 counts as signed off."""
        m.status = status
        done = status == MeasureStatus.DONE
        m.accepted_at = None  # a new sign-off, or none: not accepted (services.measures.save_measure)
        m.signed_off_at = self.now if done else None
        m.signed_off_by = self.user if done else None
        m.completed_on = self.today if done else None
        if status == MeasureStatus.AWAITING_SIGN_OFF:
            m.submitted_at = self.now

    def _set_owners(self, pairs, *, replace: bool) -> None:
        pairs = list(pairs)
        through = Measure.owners.through
        if replace and pairs:
            through.objects.filter(measure_id__in=[m.pk for m, _row in pairs]).delete()
        links = [
            through(measure_id=m.pk, person_id=self.actions.people[name].pk) for m, row in pairs for name in row.owners
        ]
        if links:
            through.objects.bulk_create(links)

    def _entry(self, m: Measure, kind: str, text: str, old_status: str = "") -> None:
        self.entries.append(
            ProgressEntry(
                measure=m,
                kind=kind,
                author=self.user,
                text=text,
                old_status=old_status,
                new_status=m.status if old_status else "",
                created_at=self.now,
            )
        )
