"""Onboarding a district (上线名册): its organisation tree, accounts, identities and roles.

``onboarding_preview`` reads the workbook (ledger/onboarding.py), matches it against the
database and returns an ``OnboardingPlan``: what will be created, changed, deactivated,
and every problem by sheet, row and column. ``onboarding_import`` builds the same plan in
one transaction and applies it with bulk queries; any problem and nothing is written.

Matching, so that a second import changes nothing: organisations by full name; people by
employee number (``Profile.employee_number``, the one home of the stable identifiers);
a role by (person, organisation). The workbook is the roster of the organisations it
lists: an onboarded person (one with an employee number) who has a role in one of them but
is no longer listed, or is marked 离职, loses that role; with no role left anywhere the
account is deactivated, never deleted, and their open measures are listed for reassignment.
Accounts the workbook did not create (no employee number) are never touched.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ..ledger.format import Problem
from ..ledger.onboarding import LEVEL_LABELS, SHEET_ORGS, SHEET_PEOPLE, OrgRow, PersonRow, read_roster
from ..ledger.reader import Limits
from ..models import Measure, MeasureStatus, Membership, Organisation, Person, Profile
from ..permissions import require
from .audit import Kind as AuditKind
from .audit import audit_record
from .organisations import organisation_rebuild_paths

User = get_user_model()


@dataclass
class Entry:
    """One person of the workbook: their identity and roles (organisation name -> role)."""

    employee_number: str
    name: str
    mobile: str
    work_platform_id: str
    row: int
    roles: dict[str, str] = field(default_factory=dict)


@dataclass
class OnboardingPlan:
    sha256: str
    problems: list[Problem] = field(default_factory=list)
    new_organisations: list[OrgRow] = field(default_factory=list)
    changed_organisations: list[tuple[Organisation, list[str]]] = field(default_factory=list)
    new_people: list[Entry] = field(default_factory=list)
    changed_people: list[tuple[Entry, list[str]]] = field(default_factory=list)
    new_roles: list[tuple[Entry, str, str]] = field(default_factory=list)  # entry, org name, role
    changed_roles: list[tuple[Entry, str, str, str]] = field(default_factory=list)  # …, old role, new role
    removed_roles: list[Membership] = field(default_factory=list)
    deactivated: list = field(default_factory=list)  # users
    reactivated: list[Entry] = field(default_factory=list)
    open_measures: list[Measure] = field(default_factory=list)  # of the deactivated, to reassign
    people_total: int = 0
    organisations_total: int = 0
    entries: dict[str, Entry] = field(default_factory=dict)
    organisation_rows: dict[str, OrgRow] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    @property
    def changes(self) -> int:
        return sum(
            len(x)
            for x in (
                self.new_organisations,
                self.changed_organisations,
                self.new_people,
                self.changed_people,
                self.new_roles,
                self.changed_roles,
                self.removed_roles,
                self.deactivated,
                self.reactivated,
            )
        )


def onboarding_preview(*, data: bytes, user=None, limits: Limits | None = None) -> OnboardingPlan:
    """The plan of an import, changing nothing. ``user`` None means the system (the command)."""
    if user is not None:
        require(user, "onboard")
    roster = read_roster(data, limits)
    plan = OnboardingPlan(sha256=hashlib.sha256(data).hexdigest(), problems=list(roster.problems))
    if not roster.errors:
        if not roster.organisations and not roster.people:
            plan.problems.append(Problem(SHEET_ORGS, None, None, _("名册中没有任何党组织或人员。")))
        else:
            _Planner(plan, roster.organisations, roster.people).run()
    plan.problems.sort(key=lambda p: (p.sheet != SHEET_ORGS, p.row or 0))
    return plan


@transaction.atomic
def onboarding_import(
    *, data: bytes, user=None, expected_sha256: str | None = None, limits: Limits | None = None
) -> OnboardingPlan:
    """Apply the workbook in one transaction. Raises ValidationError listing every problem."""
    if expected_sha256 is not None and hashlib.sha256(data).hexdigest() != expected_sha256:
        raise ValidationError(_("上传的文件校验不一致（文件已变化），请重新上传。"))
    list(Organisation.objects.select_for_update().filter(parent=None).values_list("pk"))  # one import at a time
    plan = onboarding_preview(data=data, user=user, limits=limits)
    if plan.errors:
        raise ValidationError([str(p) for p in plan.errors])
    try:
        with transaction.atomic():
            _apply(plan)
    except IntegrityError as exc:  # another import or an admin's edit took a name or number meanwhile
        raise ValidationError(
            _("导入时数据已被修改（名称、工号、手机号码或平台账号冲突），请重新预览后再导入。")
        ) from exc
    _audit(plan, user)
    return plan


def _audit(plan: OnboardingPlan, user) -> None:
    """The workbook's grants and removals of roles and its account changes in the security
    audit trail (its bulk writes send no model signals): one event each, naming the workbook
    by its SHA-256 and the people by employee number."""
    target = f"onboarding workbook {plan.sha256[:16]}"
    roles = [
        *(f"+{e.employee_number} {role}@{org}" for e, org, role in plan.new_roles),
        *(f"{e.employee_number} {old}->{new}@{org}" for e, org, old, new in plan.changed_roles),
        *(f"-{m.user_id} {m.role}@{m.organisation_id}" for m in plan.removed_roles),
    ]
    if roles:
        audit_record(
            AuditKind.MEMBERSHIP_CHANGED, actor=user, target=target, detail=f"{len(roles)}: " + "; ".join(roles)
        )
    accounts = [
        *(f"deactivated user#{u.pk}" for u in plan.deactivated),
        *(f"reactivated {e.employee_number}" for e in plan.reactivated),
    ]
    new = len(plan.new_people)
    if accounts or new:
        detail = f"{new} created; " + "; ".join(accounts)
        audit_record(AuditKind.ACCOUNT_CHANGED, actor=user, target=target, detail=detail)


class _Planner:
    def __init__(self, plan: OnboardingPlan, orgs: list[OrgRow], people: list[PersonRow]) -> None:
        self.plan, self.orgs, self.people = plan, orgs, people

    def error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.plan.problems.append(Problem(sheet, row, column, message))

    def run(self) -> None:
        existing = {o.name: o for o in Organisation.objects.select_related("parent")}
        self.existing = existing
        known = self._organisations(existing)
        entries = self._entries(known)
        if self.plan.errors:
            return
        self._identities(entries)
        if self.plan.errors:
            return
        self._roles(entries, existing)

    # -- organisations
    def _organisations(self, existing: dict[str, Organisation]) -> set[str]:
        plan, rows = self.plan, {}
        for o in self.orgs:
            if o.name in rows:
                self.error(SHEET_ORGS, o.row, "党组织全称", _("与第 {row} 行重复。").format(row=rows[o.name].row))
            rows[o.name] = o
        for o in rows.values():
            if o.parent and o.parent not in rows and o.parent not in existing:
                self.error(SHEET_ORGS, o.row, "上级党组织", _("找不到党组织「{name}」。").format(name=o.parent))
            seen, up = {o.name}, o.parent
            while up in rows:
                if up in seen:
                    self.error(SHEET_ORGS, o.row, "上级党组织", _("上下级关系构成循环。"))
                    break
                seen.add(up)
                up = rows[up].parent
        plan.organisations_total = len(rows)
        for o in rows.values():
            org = existing.get(o.name)
            if org is None:
                plan.new_organisations.append(o)
                continue
            changes = []
            if org.short_name != o.short_name:
                changes.append(_("简称 {old} → {new}").format(old=org.short_name, new=o.short_name))
            if org.level != o.level:
                changes.append(_("层级 {old} → {new}").format(old=LEVEL_LABELS[org.level], new=LEVEL_LABELS[o.level]))
            if (org.parent.name if org.parent_id else "") != o.parent:
                changes.append(_("上级党组织 → {new}").format(new=o.parent or "—"))
            if changes:
                plan.changed_organisations.append((org, changes))
        self.rows = plan.organisation_rows = rows
        return set(rows) | set(existing)

    # -- people
    def _entries(self, known: set[str]) -> dict[str, Entry]:
        short = defaultdict(list)
        for o in self.rows.values():
            short[o.short_name].append(o.name)
        entries: dict[str, Entry] = {}
        left: set[str] = set()
        for p in self.people:
            org = p.organisation if p.organisation in known else None
            if org is None and len(short.get(p.organisation, ())) == 1:
                org = short[p.organisation][0]
            if org is None:
                self.error(SHEET_PEOPLE, p.row, "所属党组织", _("找不到党组织「{name}」。").format(name=p.organisation))
                continue
            entry = entries.setdefault(
                p.employee_number, Entry(p.employee_number, p.name, p.mobile, p.work_platform_id, p.row)
            )
            for column, mine, theirs in (
                ("姓名", p.name, entry.name),
                ("手机号码", p.mobile, entry.mobile),
                ("政务平台账号", p.work_platform_id, entry.work_platform_id),
            ):
                if mine != theirs:
                    self.error(
                        SHEET_PEOPLE,
                        p.row,
                        column,
                        _("同一工号在第 {row} 行填的是「{value}」。").format(row=entry.row, value=theirs),
                    )
            if org in entry.roles or (p.left and org in left):
                self.error(SHEET_PEOPLE, p.row, "工号", _("此人在该党组织已有一行。"))
            if p.left:
                left.add(org)
            else:
                entry.roles[org] = p.role
        for column, attribute in (("手机号码", "mobile"), ("政务平台账号", "work_platform_id")):
            holders: dict[str, Entry] = {}
            for entry in entries.values():
                value = getattr(entry, attribute)
                if value and holders.setdefault(value, entry) is not entry:
                    self.error(
                        SHEET_PEOPLE, entry.row, column, _("与第 {row} 行的人员相同。").format(row=holders[value].row)
                    )
        self.plan.people_total = len(entries)
        self.plan.entries = entries
        return entries

    def _identities(self, entries: dict[str, Entry]) -> None:
        plan = self.plan
        numbers = list(entries)
        mobiles = {e.mobile: e for e in entries.values() if e.mobile}
        platform_ids = {e.work_platform_id: e for e in entries.values() if e.work_platform_id}
        profiles = Profile.objects.select_related("user").filter(
            Q(employee_number__in=numbers) | Q(mobile__in=list(mobiles)) | Q(work_platform_id__in=list(platform_ids))
        )
        self.profiles = {}
        for profile in profiles:
            if profile.employee_number in entries:
                self.profiles[profile.employee_number] = profile
            for value, table, column in (
                (profile.mobile, mobiles, "手机号码"),
                (profile.work_platform_id, platform_ids, "政务平台账号"),
            ):
                entry = table.get(value)
                if entry is not None and entry.employee_number != profile.employee_number:
                    self.error(
                        SHEET_PEOPLE,
                        entry.row,
                        column,
                        _("已属于账号「{user}」。").format(user=profile.user.get_username()),
                    )
        new_numbers = [n for n in numbers if n not in self.profiles]
        for username in User.objects.filter(username__in=new_numbers).values_list("username", flat=True):
            self.error(
                SHEET_PEOPLE,
                entries[username].row,
                "工号",
                _("登录名「{name}」已被其他账号使用。").format(name=username),
            )
        for number, entry in entries.items():
            profile = self.profiles.get(number)
            if profile is None:
                if entry.roles:  # someone marked 离职 who was never onboarded: nothing to do
                    plan.new_people.append(entry)
                continue
            changes = []
            if profile.user.first_name != entry.name:
                changes.append(_("姓名 {old} → {new}").format(old=profile.user.first_name, new=entry.name))
            if profile.mobile != entry.mobile:
                changes.append(_("手机号码 → {new}").format(new=entry.mobile))
            if profile.work_platform_id != entry.work_platform_id:
                changes.append(_("政务平台账号 → {new}").format(new=entry.work_platform_id or "—"))
            if changes:
                plan.changed_people.append((entry, changes))
            if not profile.user.is_active and entry.roles:
                plan.reactivated.append(entry)

    # -- roles
    def _roles(self, entries: dict[str, Entry], existing: dict[str, Organisation]) -> None:
        plan = self.plan
        covered = [existing[name].pk for name in self.rows if name in existing]
        onboarded_here = Membership.objects.filter(
            organisation_id__in=covered, user__is_active=True, user__profile__employee_number__gt=""
        ).values("user_id")
        memberships = Membership.objects.select_related("organisation", "user").filter(
            Q(user__profile__employee_number__in=list(self.profiles)) | Q(user_id__in=onboarded_here)
        )
        held: dict[int, dict[str, Membership]] = defaultdict(dict)
        for m in memberships:
            held[m.user_id][m.organisation.name] = m
        for number, entry in entries.items():
            profile = self.profiles.get(number)
            mine = held.pop(profile.user_id, {}) if profile else {}
            for org, role in entry.roles.items():
                m = mine.get(org)
                if m is None:
                    plan.new_roles.append((entry, org, role))
                elif m.role != role:
                    plan.changed_roles.append((entry, org, m.role, role))
            gone = [m for org, m in mine.items() if org not in entry.roles and org in self.rows]
            plan.removed_roles.extend(gone)
            if profile and profile.user.is_active and not entry.roles and len(gone) == len(mine):
                plan.deactivated.append(profile.user)
        for mine in held.values():  # onboarded people the workbook no longer lists
            gone = [m for org, m in mine.items() if org in self.rows]
            plan.removed_roles.extend(gone)
            if len(gone) == len(mine):
                plan.deactivated.append(gone[0].user)
        if plan.deactivated:
            ids = [u.pk for u in plan.deactivated]
            plan.open_measures = list(
                Measure.objects.filter(Q(leader__user_id__in=ids) | Q(owners__user_id__in=ids))
                .exclude(status=MeasureStatus.DONE)
                .select_related("finding__category__inspection__organisation", "leader")
                .prefetch_related("owners")
                .distinct()
                .order_by("pk")
            )


def _apply(plan: OnboardingPlan) -> None:
    orgs = {o.name: o for o in Organisation.objects.all()}
    pending = list(plan.new_organisations)
    while pending:  # a generation at a time, parents first; the planner refused unknown parents and cycles
        ready = [o for o in pending if not o.parent or o.parent in orgs]
        created = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=o.name, short_name=o.short_name, slug=_slug(o.name), level=o.level, parent=orgs.get(o.parent)
                )
                for o in ready
            ]
        )
        if created and created[0].pk is None:  # a backend that returns no ids
            created = list(Organisation.objects.filter(name__in=[o.name for o in ready]).select_related("parent"))
        for org in created:  # the materialised path, as organisation_create writes it
            org.path = f"{org.parent.path if org.parent_id else '/'}{org.pk}/"
            orgs[org.name] = org
        Organisation.objects.bulk_update(created, ["path"])
        pending = [o for o in pending if o.name not in orgs]
    if plan.changed_organisations:
        for org, _changes in plan.changed_organisations:
            row = plan.organisation_rows[org.name]
            org.short_name, org.level, org.parent = row.short_name, row.level, orgs.get(row.parent)
            org.save(update_fields=["short_name", "level", "parent"])
        organisation_rebuild_paths()
    entries = plan.entries
    users = {
        p.employee_number: p.user
        for p in Profile.objects.select_related("user").filter(employee_number__in=list(entries))
    }
    if plan.new_people:
        created = User.objects.bulk_create(
            [User(username=e.employee_number, first_name=e.name, password=make_password(None)) for e in plan.new_people]
        )
        if created and created[0].pk is None:
            created = list(User.objects.filter(username__in=[e.employee_number for e in plan.new_people]))
        users |= {u.username: u for u in created}
        Profile.objects.bulk_create(
            [
                Profile(
                    user=users[e.employee_number],
                    employee_number=e.employee_number,
                    mobile=e.mobile,
                    work_platform_id=e.work_platform_id,
                )
                for e in plan.new_people
            ]
        )
    if plan.changed_people:
        changed = [users[e.employee_number] for e, _c in plan.changed_people]
        for e, _c in plan.changed_people:
            users[e.employee_number].first_name = e.name
        User.objects.bulk_update(changed, ["first_name"])
        profiles = list(
            Profile.objects.filter(employee_number__in=[e.employee_number for e, _c in plan.changed_people])
        )
        for profile in profiles:
            e = entries[profile.employee_number]
            profile.mobile, profile.work_platform_id = e.mobile, e.work_platform_id
        Profile.objects.bulk_update(profiles, ["mobile", "work_platform_id"])
    if plan.reactivated:
        User.objects.filter(pk__in=[users[e.employee_number].pk for e in plan.reactivated]).update(is_active=True)
    if plan.deactivated:
        User.objects.filter(pk__in=[u.pk for u in plan.deactivated]).update(is_active=False)
    if plan.removed_roles:
        Membership.objects.filter(pk__in=[m.pk for m in plan.removed_roles]).delete()
    Membership.objects.bulk_create(
        [
            Membership(user=users[e.employee_number], organisation=orgs[org], role=role)
            for e, org, role in plan.new_roles
        ]
    )
    for e, org, _old, new in plan.changed_roles:
        Membership.objects.filter(user=users[e.employee_number], organisation=orgs[org]).update(role=new)
    _link_people(plan, users, orgs)


def _link_people(plan: OnboardingPlan, users: dict, orgs: dict[str, Organisation]) -> None:
    """A responsible-person row (Person) for each role, so the person can be given measures:
    their own row, or the unlinked one of the same name (the ledger named them first)."""
    wanted = {(orgs[org].pk, users[e.employee_number].pk): e.name for e in plan.entries.values() for org in e.roles}
    if not wanted:
        return
    org_ids = {org_id for org_id, _u in wanted}
    people = list(Person.objects.filter(organisation_id__in=org_ids))
    by_user = {(p.organisation_id, p.user_id): p for p in people if p.user_id}
    by_name = {(p.organisation_id, p.name): p for p in people}
    new, linked, renamed = [], [], []
    for (org_id, user_id), name in wanted.items():
        namesake = by_name.get((org_id, name))
        own = by_user.get((org_id, user_id))
        if own is not None:
            if own.name != name and namesake is None:  # a corrected name, where it is free
                own.name = name
                renamed.append(own)
        elif namesake is None:
            new.append(Person(organisation_id=org_id, name=name, user_id=user_id))
        elif namesake.user_id is None:
            namesake.user_id = user_id
            linked.append(namesake)
    Person.objects.bulk_create(new)
    Person.objects.bulk_update(linked, ["user"])
    Person.objects.bulk_update(renamed, ["name"])


def _slug(name: str) -> str:
    return "org-" + hashlib.sha256(name.encode()).hexdigest()[:12]
