"""Matching a ledger against the database, so that importing the same ledger twice
duplicates nothing; the result is a ``LedgerPlan`` with its ``LedgerActions``.

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
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from ...ledger.format import (
    COLUMN_BY_KEY,
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
from ...models import Category, Finding, Inspection, Measure, Organisation, Person
from ...permissions import ledger_import_organisations
from ...selectors.plan_changes import plan_fixes_measures
from .plan import LedgerActions, LedgerPlan, NewFinding, PlannedMeasure, norm, owners_differ


class LedgerPlanner:
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
        actions = LedgerActions(existing_inspection=existing is not None)
        self.plan.inspection = existing
        actions.info_fields = self._info_fields(existing)
        if self.plan.errors:
            return
        self._structure(actions, existing)
        self._respect_fixed_plan(actions, existing)
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

    def _structure(self, actions: LedgerActions, existing: Inspection | None) -> None:
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

    def _respect_fixed_plan(self, actions: LedgerActions, existing: Inspection | None) -> None:
        """An approved 整改方案 fixes the measures and their deadlines (workflow.plan_is_fixed):
        a ledger still reports progress on them, but a new measure or a new deadline is asked
        for in the app (方案调整) and decided above, so the rows that would make one are errors."""
        redated = [(m, row) for m, row, _changes in actions.measure_updates if row.due_on != m.due_on]
        if existing is None or not (actions.new_measures or redated):
            return
        if not plan_fixes_measures(inspection_id=existing.pk):
            return
        for _item, _position, row in actions.new_measures:
            message = _(
                "整改方案已审核通过，新增措施“{title}”需在“整改结构”页面提出方案调整申请，经上级审批后生效，不能通过台账导入。"
            )
            self.plan.problems.append(Problem(SHEET_LEDGER, row.row, None, message.format(title=row.measure[:30])))
        for m, row in redated:
            message = _(
                "整改方案已审核通过，调整完成时限（{old} → {new}）需在措施页面提出方案调整申请，经上级审批后生效，不能通过台账导入。"
            )
            text = message.format(old=_day(m.due_on), new=_day(row.due_on))
            self.plan.problems.append(Problem(SHEET_LEDGER, row.row, COLUMN_BY_KEY["due_on"].header, text))

    def _existing(self, inspection: Inspection | None):
        if inspection is None:
            return {}, {}, {}
        categories = {norm(c.title): c for c in Category.objects.filter(inspection=inspection)}
        by_pk = {c.pk: key for key, c in categories.items()}
        findings: dict[tuple[str, str], Finding] = {}
        for f in Finding.objects.filter(category__inspection=inspection).order_by("category", "position"):
            findings.setdefault((by_pk[f.category_id], norm(f.heading)), f)
        measures: dict[int, list[Measure]] = defaultdict(list)
        qs = Measure.objects.filter(finding__category__inspection=inspection).select_related("leader")
        for m in qs.prefetch_related("owners").order_by("finding", "position"):
            measures[m.finding_id].append(m)
        return categories, findings, measures

    def _items(self) -> dict[tuple[str, str], list[LedgerRow]]:
        items: dict[tuple[str, str], list[LedgerRow]] = {}
        for row in self.ledger.rows:
            items.setdefault((norm(row.category), norm(row.item)), []).append(row)
        return items

    def _new_finding(
        self, actions: LedgerActions, cat: str, heading: str, rows: list[LedgerRow], position: int
    ) -> None:
        problem = next((r.problem for r in rows if r.problem), "")
        lead_in = next((r.lead_in for r in rows if r.lead_in), "")
        actions.new_findings.append(NewFinding(cat, rows[0].item, position, problem, lead_in))
        self.plan.new_items.append((rows[0].category, rows[0].item))

    def _update_finding(self, actions: LedgerActions, finding: Finding, rows: list[LedgerRow]) -> None:
        changed = False
        for attr in ("problem", "lead_in"):
            value = next((getattr(r, attr) for r in rows if getattr(r, attr)), "")
            if value and value != getattr(finding, attr):
                setattr(finding, attr, value)
                changed = True
        if changed:
            actions.finding_updates.append(finding)

    def _new_measure(self, actions: LedgerActions, item: tuple[str, str], position: int, row: LedgerRow) -> None:
        actions.new_measures.append((item, position, row))
        self.plan.new_measures.append(PlannedMeasure(row.row, row.category, row.item, row.measure))

    def _match_measures(self, actions: LedgerActions, item, rows: list[LedgerRow], existing: list[Measure]) -> None:
        by_title = {norm(m.title): m for m in existing}
        titles = {norm(r.measure) for r in rows}
        claimed: set[int] = set()
        matches: dict[int, Measure] = {}
        for row in rows:
            m = by_title.get(norm(row.measure))
            if m is not None and m.pk not in claimed:
                matches[row.row] = m
                claimed.add(m.pk)
        next_position = max((m.position for m in existing), default=0)
        for ordinal, row in enumerate(rows):
            m = matches.get(row.row)
            if m is None and ordinal < len(existing):
                # Same place in the item, and its old title is not elsewhere in the sheet: a retitled measure.
                candidate = existing[ordinal]
                if candidate.pk not in claimed and norm(candidate.title) not in titles:
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

    def _people(self, actions: LedgerActions, org: Organisation) -> None:
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
    if norm(m.title) != norm(row.measure):
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
    if row.owners and owners_differ(m, row):
        changes.append(f"责任人：{'、'.join(row.owners)}")
    return changes


def _show(value: object) -> str:
    return _day(value) if isinstance(value, dt.date) or value is None else str(value)


def _day(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "不设时限"
