"""Import of the rectification ledger (整改台账): preview what will change, then apply it.

``ledger_preview`` reads the workbook, matches it against the database and returns a
``LedgerPlan``: what will be created or updated and every problem, located by sheet, row
and column. ``ledger_import`` builds the same plan inside one transaction and applies it
with bulk queries, so the query count does not grow with the number of rows, and any
problem leaves the database exactly as it was.

Matching, so that importing the same ledger twice duplicates nothing:
- organisation: given explicitly, else by full name (or short name) among the
  organisations where the user is secretary;
- inspection: given explicitly, else by organisation + 巡察组 + 反馈日期; none -> new;
- category by title; item (Finding) by heading within its category;
- measure by title within its item, else by position (a retitled measure);
- people by name within the organisation; a member whose account name matches gets a
  Person linked to that account; anyone else becomes a Person without a login.
In update mode an empty cell never erases what the app already holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..ledger.format import (
    INFO_BY_KEY,
    KIND_LABELS,
    SHEET_INFO,
    SHEET_LEDGER,
    STATUS_LABELS,
    InspectionInfo,
    Ledger,
    LedgerRow,
    Problem,
)
from ..ledger.reader import Limits, read_ledger
from ..models import (
    Category,
    Finding,
    Inspection,
    Measure,
    MeasureKind,
    MeasureStatus,
    Organisation,
    Person,
    ProgressEntry,
)
from ..permissions import ledger_import_organisations


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
    actions: _Actions | None = field(default=None, repr=False)

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


def ledger_preview(
    *,
    data: bytes,
    user=None,
    organisation: Organisation | None = None,
    inspection: Inspection | None = None,
    limits: Limits | None = None,
    lock: bool = False,
) -> LedgerPlan:
    """The plan of an import, changing nothing. ``user`` None means the system (the command).
    ``lock`` (inside a transaction) holds the organisation's row while matching."""
    ledger = read_ledger(data, limits)
    plan = LedgerPlan(sha256=hashlib.sha256(data).hexdigest(), problems=list(ledger.problems), info=ledger.info)
    if ledger.info is not None and ledger.rows and not ledger.errors:
        _Planner(plan, ledger, user).run(organisation, inspection, lock=lock)
    elif not ledger.rows and not ledger.errors:
        plan.problems.append(Problem(SHEET_LEDGER, None, None, _("台账中没有任何整改措施（表头以下都是空行）。")))
    plan.problems.sort(key=lambda p: (p.sheet != SHEET_INFO, p.sheet, p.row or 0, p.warning))
    return plan


@transaction.atomic
def ledger_import(
    *,
    data: bytes,
    user=None,
    organisation: Organisation | None = None,
    inspection: Inspection | None = None,
    expected_sha256: str | None = None,
    today: dt.date | None = None,
    limits: Limits | None = None,
) -> LedgerPlan:
    """Apply the ledger in one transaction; return the plan with ``inspection`` set to the
    inspection created or updated. Raises ValidationError listing every problem."""
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise ValidationError(_("上传的文件校验不一致（文件已变化），请重新上传。"))
    plan = ledger_preview(
        data=data, user=user, organisation=organisation, inspection=inspection, limits=limits, lock=True
    )
    if plan.errors or plan.actions is None:
        raise ValidationError([str(p) for p in plan.errors] or [_("台账中没有可导入的整改措施。")])
    _Applier(plan, user, today or timezone.localdate()).run()
    return plan


def _norm(text: str) -> str:
    return "".join(text.split())


@dataclass
class _NewFinding:
    category: str
    heading: str
    position: int
    problem: str
    lead_in: str


@dataclass
class _Actions:
    """Everything the applier writes, decided by the planner."""

    existing_inspection: bool
    info_fields: dict[str, object] = field(default_factory=dict)
    new_categories: list[tuple[str, str, int]] = field(default_factory=list)  # (key, title, position)
    new_findings: list[_NewFinding] = field(default_factory=list)
    finding_updates: list[Finding] = field(default_factory=list)
    categories: dict[str, Category] = field(default_factory=dict)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    new_measures: list[tuple[tuple[str, str], int, LedgerRow]] = field(default_factory=list)
    measure_updates: list[tuple[Measure, LedgerRow, list[str]]] = field(default_factory=list)
    people: dict[str, Person] = field(default_factory=dict)
    new_people: list[Person] = field(default_factory=list)


class _Planner:
    """Matches the ledger rows against the database (a fixed number of queries)."""

    def __init__(self, plan: LedgerPlan, ledger: Ledger, user) -> None:
        self.plan = plan
        self.ledger = ledger
        self.info: InspectionInfo = ledger.info  # type: ignore[assignment]
        self.user = user

    def error(self, key: str | None, message: str, warning: bool = False) -> None:
        row = self.info.rows.get(key) if key else None
        column = INFO_BY_KEY[key].label if key else None
        self.plan.problems.append(Problem(SHEET_INFO, row, column, message, warning))

    def run(self, organisation: Organisation | None, inspection: Inspection | None, *, lock: bool) -> None:
        org = self._organisation(organisation, inspection)
        if org is None:
            return
        if lock:
            # Two imports into one organisation (a double-clicked confirm) queue here, so the
            # second sees the first's inspection and people instead of creating them again.
            list(Organisation.objects.select_for_update().filter(pk=org.pk).values_list("pk"))
        self.plan.organisation = org
        existing = inspection or self._find_inspection(org)
        actions = _Actions(existing_inspection=existing is not None)
        self.plan.inspection = existing
        actions.info_fields = self._info_fields(existing)
        if self.plan.errors:
            return
        self._structure(actions, existing)
        self._people(actions, org)
        self.plan.actions = actions

    def _organisation(self, given: Organisation | None, inspection: Inspection | None) -> Organisation | None:
        name = self.info.organisation_name
        if inspection is not None:
            given = inspection.organisation
        if given is not None:
            if name and name not in (given.name, given.short_name):
                message = _("台账写的是“{name}”，将导入到所选的“{chosen}”。").format(name=name, chosen=given.name)
                self.error("organisation_name", message, warning=True)
            return given
        if not name:
            self.error("organisation_name", _("缺少“被巡察党组织”，请填写党组织全称或在导入时选择党组织。"))
            return None
        scope = Organisation.objects.all() if self.user is None else ledger_import_organisations(self.user)
        found = list(scope.filter(name=name)[:1]) or list(scope.filter(short_name=name)[:2])
        if len(found) != 1:
            self.error(
                "organisation_name",
                _("未找到党组织“{name}”，或您不是该党组织的书记，无权导入其台账。").format(name=name),
            )
            return None
        return found[0]

    def _find_inspection(self, org: Organisation) -> Inspection | None:
        return Inspection.objects.filter(
            organisation=org, team=self.info.team, feedback_on=self.info.feedback_on
        ).first()

    def _info_fields(self, existing: Inspection | None) -> dict[str, object]:
        """Inspection fields to write: all of them for a new one, the changed ones for an update."""
        wanted = {
            "deployed_by": self.info.deployed_by or (existing.deployed_by if existing else "区委"),
            "team": self.info.team,
            "onsite_start": self.info.onsite_start,
            "onsite_end": self.info.onsite_end,
            "feedback_on": self.info.feedback_on,
            "deadline": self.info.deadline or (existing.deadline if existing else None),
        }
        if wanted["deadline"] and wanted["deadline"] < wanted["feedback_on"]:
            self.error("deadline", _("整改期限早于反馈日期。"))
        if existing is None:
            return wanted
        changed = {k: v for k, v in wanted.items() if v != getattr(existing, k)}
        self.plan.info_changes = [f"{INFO_BY_KEY[k].label}：{_show(v)}" for k, v in changed.items()]
        return changed

    def _structure(self, actions: _Actions, existing: Inspection | None) -> None:
        categories, findings, measures = self._existing(existing)
        actions.categories, actions.findings = categories, findings
        next_cat = max((c.position for c in categories.values()), default=0)
        next_finding: dict[str, int] = defaultdict(int)
        for (cat, _heading), finding in findings.items():
            next_finding[cat] = max(next_finding[cat], finding.position)
        for (cat, heading), rows in self._items().items():
            if cat not in categories and cat not in {key for key, _t, _p in actions.new_categories}:
                next_cat += 1
                actions.new_categories.append((cat, rows[0].category, next_cat))
                self.plan.new_categories.append(rows[0].category)
            finding = findings.get((cat, heading))
            if finding is None:
                next_finding[cat] += 1
                self._new_finding(actions, cat, heading, rows, next_finding[cat])
                for position, row in enumerate(rows, start=1):
                    self._new_measure(actions, (cat, heading), position, row)
            else:
                self._update_finding(actions, finding, rows)
                self._match_measures(actions, (cat, heading), rows, measures.get(finding.pk, []))
        untouched = sum(len(v) for v in measures.values())
        self.plan.untouched_measures = untouched - len(self.plan.updated_measures) - len(self.plan.unchanged_measures)

    def _existing(self, inspection: Inspection | None):
        if inspection is None:
            return {}, {}, {}
        categories = {_norm(c.title): c for c in Category.objects.filter(inspection=inspection)}
        by_pk = {c.pk: key for key, c in categories.items()}
        findings: dict[tuple[str, str], Finding] = {}
        for f in Finding.objects.filter(category__inspection=inspection).order_by("category", "position"):
            findings.setdefault((by_pk[f.category_id], _norm(f.heading)), f)
        measures: dict[int, list[Measure]] = defaultdict(list)
        qs = Measure.objects.filter(finding__category__inspection=inspection).select_related("leader")
        for m in qs.prefetch_related("owners").order_by("finding", "position"):
            measures[m.finding_id].append(m)
        return categories, findings, measures

    def _items(self) -> dict[tuple[str, str], list[LedgerRow]]:
        items: dict[tuple[str, str], list[LedgerRow]] = {}
        for row in self.ledger.rows:
            items.setdefault((_norm(row.category), _norm(row.item)), []).append(row)
        return items

    def _new_finding(self, actions: _Actions, cat: str, heading: str, rows: list[LedgerRow], position: int) -> None:
        problem = next((r.problem for r in rows if r.problem), "")
        lead_in = next((r.lead_in for r in rows if r.lead_in), "")
        actions.new_findings.append(_NewFinding(cat, rows[0].item, position, problem, lead_in))
        self.plan.new_items.append((rows[0].category, rows[0].item))

    def _update_finding(self, actions: _Actions, finding: Finding, rows: list[LedgerRow]) -> None:
        changed = False
        for attr in ("problem", "lead_in"):
            value = next((getattr(r, attr) for r in rows if getattr(r, attr)), "")
            if value and value != getattr(finding, attr):
                setattr(finding, attr, value)
                changed = True
        if changed:
            actions.finding_updates.append(finding)

    def _new_measure(self, actions: _Actions, item: tuple[str, str], position: int, row: LedgerRow) -> None:
        actions.new_measures.append((item, position, row))
        self.plan.new_measures.append(PlannedMeasure(row.row, row.category, row.item, row.measure))

    def _match_measures(self, actions: _Actions, item, rows: list[LedgerRow], existing: list[Measure]) -> None:
        by_title = {_norm(m.title): m for m in existing}
        titles = {_norm(r.measure) for r in rows}
        claimed: set[int] = set()
        matches: dict[int, Measure] = {}
        for row in rows:
            m = by_title.get(_norm(row.measure))
            if m is not None and m.pk not in claimed:
                matches[row.row] = m
                claimed.add(m.pk)
        next_position = max((m.position for m in existing), default=0)
        for ordinal, row in enumerate(rows):
            m = matches.get(row.row)
            if m is None and ordinal < len(existing):
                # Same place in the item, and its old title is not elsewhere in the sheet: a retitled measure.
                candidate = existing[ordinal]
                if candidate.pk not in claimed and _norm(candidate.title) not in titles:
                    m = candidate
                    claimed.add(m.pk)
            if m is None:
                next_position += 1
                self._new_measure(actions, item, next_position, row)
                continue
            changes = _measure_changes(m, row, self.ledger.columns)
            planned = PlannedMeasure(row.row, row.category, row.item, row.measure, changes)
            if changes:
                actions.measure_updates.append((m, row, changes))
                self.plan.updated_measures.append(planned)
            else:
                self.plan.unchanged_measures.append(planned)

    def _people(self, actions: _Actions, org: Organisation) -> None:
        names: list[str] = []
        for _item, _pos, row in actions.new_measures:
            names += [row.leader, *row.owners]
        for _m, row, _changes in actions.measure_updates:
            names += [row.leader, *row.owners]
        wanted = list(dict.fromkeys(n for n in names if n))
        existing = {p.name: p for p in Person.objects.filter(organisation=org)}
        linked_users = {p.user_id for p in existing.values() if p.user_id}
        accounts = _accounts_by_name(org, [n for n in wanted if n not in existing])
        for name in wanted:
            if name in existing:
                actions.people[name] = existing[name]
                continue
            account = accounts.get(name)
            user = account if account is not None and account.pk not in linked_users else None
            person = Person(organisation=org, name=name, user=user)
            actions.people[name] = person
            actions.new_people.append(person)
            (self.plan.linked_people if user else self.plan.new_people).append(name)


def _accounts_by_name(org: Organisation, names: list[str]) -> dict[str, object]:
    """Members of ``org`` whose account name is one of ``names`` and unambiguous."""
    if not names:
        return {}
    found: dict[str, list] = defaultdict(list)
    users = get_user_model().objects.filter(memberships__organisation=org, first_name__in=names).distinct()
    for user in users:
        found[user.first_name].append(user)
    return {name: users[0] for name, users in found.items() if len(users) == 1}


def _measure_changes(m: Measure, row: LedgerRow, columns: frozenset[str]) -> list[str]:
    """Words for what the row changes on an existing measure (empty cells change nothing)."""
    changes: list[str] = []
    if _norm(m.title) != _norm(row.measure):
        changes.append(f"措施改为“{row.measure}”")
    for attr, label in (("progress", "整改进展"), ("unit", "责任部门"), ("note", "备注")):
        value = getattr(row, attr)
        if attr in columns and value and value != getattr(m, attr):
            changes.append(label)
    if row.kind != m.kind:
        changes.append(f"整改类型：{KIND_LABELS[m.kind]} → {KIND_LABELS[row.kind]}")
    if row.due_on != m.due_on:
        changes.append(f"完成时限：{_day(m.due_on)} → {_day(row.due_on)}")
    if row.status and row.status != m.status:
        changes.append(f"整改状态：{STATUS_LABELS[m.status]} → {STATUS_LABELS[row.status]}")
    if row.leader and (m.leader is None or m.leader.name != row.leader):
        changes.append(f"责任领导：{row.leader}")
    if row.owners and _owners_differ(m, row):
        changes.append(f"责任人：{'、'.join(row.owners)}")
    return changes


def _owners_differ(m: Measure, row: LedgerRow) -> bool:
    return sorted(row.owners) != sorted(p.name for p in m.owners.all())


def _show(value: object) -> str:
    return _day(value) if isinstance(value, dt.date) or value is None else str(value)


def _day(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "不设时限"


class _Applier:
    """Writes a plan with bulk queries; every step is skipped when it has nothing to do."""

    def __init__(self, plan: LedgerPlan, user, today: dt.date) -> None:
        self.plan = plan
        self.actions: _Actions = plan.actions  # type: ignore[assignment]
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
            for category in bulk_create_with_history(new, Category, default_user=self.user):
                self.actions.categories[_norm(category.title)] = category

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
                self.actions.findings[(spec.category, _norm(spec.heading))] = finding
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
        "submitted_at", "completed_on", "signed_off_at", "signed_off_by", "last_progress_at",
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
        owner_changes = [(m, row) for m, row, _c in updates if row.owners and _owners_differ(m, row)]
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
