"""The onboarding workbook (上线名册): a district of 100 communities and 1,000 people in one
go, idempotent, a changed role and a departed person applied, a bad row refusing all."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from rectification.ledger.onboarding import OrgRow, PersonRow, read_roster, write_roster
from rectification.models import AuditEvent, Measure, Membership, Organisation, Person, Profile, Role
from rectification.services.onboarding import onboarding_import, onboarding_preview

from . import factories as f

User = get_user_model()
DISTRICT = "中共深圳市南山区委员会"
ROLES = [Role.SECRETARY, Role.MEMBER, Role.MEMBER, Role.STAFF, Role.STAFF, Role.STAFF, Role.GRID, Role.GRID]


def district(streets: int = 10, communities: int = 10, per_community: int = 10):
    """A generated district: ``streets`` × ``communities`` communities, ``per_community``
    people in each (a secretary, members, staff, grid workers), one supervisor per street."""
    orgs = [OrgRow(0, "district", DISTRICT, "南山区委", "")]
    people: list[PersonRow] = []
    n = 0

    def person(org: str, role: str) -> None:
        nonlocal n
        n += 1
        people.append(PersonRow(0, f"人员{n:04d}", org, role, f"139{n:08d}", f"NS{n:05d}", f"ns.user{n}", False))

    for s in range(1, streets + 1):
        street = f"中共深圳市南山区第{s}街道工作委员会"
        orgs.append(OrgRow(0, "street", street, f"第{s}街道", DISTRICT))
        for c in range(1, communities + 1):
            community = f"中共深圳市南山区第{s}街道第{c}社区委员会"
            orgs.append(OrgRow(0, "community", community, f"{s}街{c}社区", street))
            for i in range(per_community - (1 if c == 1 else 0)):
                person(community, ROLES[i % len(ROLES)])
        person(street, Role.SUPERVISOR)
    return orgs, people


def snapshot():
    return (
        sorted(Organisation.objects.values_list("name", "short_name", "level", "parent__name", "path")),
        sorted(User.objects.values_list("username", "first_name", "is_active", "password")),
        sorted(Profile.objects.values_list("employee_number", "mobile", "work_platform_id", "user__username")),
        sorted(Membership.objects.values_list("user__username", "organisation__name", "role")),
        sorted(Person.objects.values_list("organisation__name", "name", "user__username")),
    )


@pytest.mark.django_db
def test_a_district_of_100_communities_and_1000_people_imports_once_and_again_changes_nothing(
    django_assert_max_num_queries,
):
    orgs, people = district()
    assert len([o for o in orgs if o.level == "community"]) == 100 and len(people) == 1000
    data = write_roster(orgs, people)

    # Bulk statements: organisations one generation at a time (insert, paths), users,
    # profiles, roles, responsible people, in batches; 40 here, not one per row.
    with django_assert_max_num_queries(45):
        plan = onboarding_import(data=data)
    assert not plan.errors
    assert (len(plan.new_organisations), len(plan.new_people), len(plan.new_roles)) == (111, 1000, 1000)
    assert Organisation.objects.filter(level="community", parent__parent__name=DISTRICT).count() == 100
    assert Profile.objects.filter(employee_number__startswith="NS").count() == 1000
    secretary = User.objects.get(profile__employee_number="NS00001")
    assert secretary.first_name == "人员0001" and not secretary.has_usable_password()
    assert secretary.profile.mobile == "13900000001" and secretary.profile.work_platform_id == "ns.user1"
    membership = secretary.memberships.get()
    assert membership.role == Role.SECRETARY and membership.organisation.short_name == "1街1社区"
    assert Person.objects.filter(user=secretary, organisation=membership.organisation).exists()
    community = Organisation.objects.get(short_name="3街4社区")
    assert community.path == f"{community.parent.parent.path}{community.parent.pk}/{community.pk}/"
    # The grants and the new accounts are in the security audit trail, one event each kind.
    events = dict(AuditEvent.objects.values_list("kind", "detail"))
    assert events[AuditEvent.Kind.MEMBERSHIP_CHANGED].startswith("1000: +NS00001 secretary@")
    assert events[AuditEvent.Kind.ACCOUNT_CHANGED].startswith("1000 created")

    before = snapshot()
    audited = AuditEvent.objects.count()
    # The lock, the organisations, profiles, usernames, roles (read and compared), the
    # savepoint around the writes (none here).
    with django_assert_max_num_queries(11):
        again = onboarding_import(data=data)
    assert again.changes == 0
    assert snapshot() == before and AuditEvent.objects.count() == audited


@pytest.mark.django_db
def test_a_changed_role_is_applied_and_a_departed_person_deactivated_with_open_measures_listed():
    orgs, people = district(streets=2, communities=3, per_community=5)
    onboarding_import(data=write_roster(orgs, people))
    leaver, promoted = people[0], people[1]  # the first community's secretary and a member
    community = Organisation.objects.get(name=leaver.organisation)
    person = Person.objects.get(user__profile__employee_number=leaver.employee_number)
    open_measure = f.measure_in(community, leader=person, title="组织生活会整改")
    f.measure_in(community, owners=[person], status=Measure.Status.DONE, title="已完成的措施")

    promoted.role = Role.SECRETARY
    people[2].name = "人员0003（更正）"
    remaining = [p for p in people if p is not leaver]
    plan = onboarding_import(data=write_roster(orgs, remaining))

    assert [(e.employee_number, old, new) for e, _o, old, new in plan.changed_roles] == [
        (promoted.employee_number, Role.MEMBER, Role.SECRETARY)
    ]
    assert Membership.objects.get(user__profile__employee_number=promoted.employee_number).role == Role.SECRETARY
    renamed = User.objects.get(profile__employee_number=people[2].employee_number)
    assert renamed.first_name == "人员0003（更正）" and renamed.people.get().name == "人员0003（更正）"
    user = User.objects.get(profile__employee_number=leaver.employee_number)
    assert [u.pk for u in plan.deactivated] == [user.pk]
    assert not user.is_active  # deactivated, never deleted
    assert Person.objects.filter(user=user).exists() and Measure.objects.get(pk=open_measure.pk).leader_id == person.pk
    assert [m.pk for m in plan.open_measures] == [open_measure.pk]  # the signed-off one is not listed
    assert onboarding_preview(data=write_roster(orgs, remaining)).changes == 0

    # Marked 离职 instead of left out: the same; coming back reactivates.
    leaver.left = False
    back = onboarding_import(data=write_roster(orgs, people))
    assert [e.employee_number for e in back.reactivated] == [leaver.employee_number]
    assert User.objects.get(pk=user.pk).is_active
    promoted.left = True
    gone = onboarding_import(data=write_roster(orgs, people))
    assert [u.profile.employee_number for u in gone.deactivated] == [promoted.employee_number]


@pytest.mark.django_db
def test_a_bad_row_names_its_row_and_column_and_nothing_is_imported():
    orgs, people = district(streets=1, communities=3, per_community=4)
    people[5].role = "主任"
    people[7].mobile = "1234"
    orgs[2].parent = "不存在的街道"
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        onboarding_import(data=write_roster(orgs, people))
    messages = exc.value.messages
    assert (
        "工作表「人员名单」第 7 行「角色」列：「主任」不是角色，应为 书记、委员、工作人员、网格员 或 督导。" in messages
    )
    assert any(m.startswith("工作表「人员名单」第 9 行「手机号码」列") for m in messages)
    assert snapshot() == before  # the organisation sheet's own problem aside, nothing at all

    people[5].role, people[7].mobile = Role.STAFF, "13800000000"
    plan = onboarding_preview(data=write_roster(orgs, people))
    assert [str(p) for p in plan.errors] == [
        "工作表「组织架构」第 4 行「上级党组织」列：找不到党组织「不存在的街道」。"
    ]


@pytest.mark.django_db
def test_identifiers_held_by_another_account_are_refused(personas):
    Profile.objects.create(user=personas.staff_a, employee_number="X1", mobile="13900000001")
    orgs, people = district(streets=1, communities=1, per_community=2)
    plan = onboarding_preview(data=write_roster(orgs, people))
    assert [str(p) for p in plan.errors] == ["工作表「人员名单」第 2 行「手机号码」列：已属于账号「staff_a」。"]
    people[1].employee_number = people[0].employee_number
    plan = onboarding_preview(data=write_roster(orgs, people))
    assert any("同一工号在第 2 行" in str(p) for p in plan.errors)


def test_the_template_reads_back_empty_and_names_its_columns():
    data = write_roster([], [])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["组织架构", "人员名单", "填写说明"]
    assert [c.value for c in wb["人员名单"][1]] == [
        "姓名*",
        "所属党组织*",
        "角色*",
        "手机号码*",
        "工号*",
        "政务平台账号",
        "状态",
    ]
    roster = read_roster(data)
    assert roster.people == [] and roster.organisations == [] and roster.problems == []


@pytest.mark.django_db
def test_the_command_dry_runs_imports_and_refuses_bad_input(tmp_path, capsys):
    orgs, people = district(streets=1, communities=2, per_community=3)
    path = tmp_path / "roster.xlsx"
    path.write_bytes(write_roster(orgs, people))
    call_command("onboard", str(path), "--dry-run")
    assert "试运行" in capsys.readouterr().out and not Organisation.objects.exists()
    call_command("onboard", str(path))
    assert Membership.objects.count() == 6
    call_command("onboard", str(path))
    assert "无需修改" in capsys.readouterr().out
    people[0].employee_number = "bad number"
    path.write_bytes(write_roster(orgs, people))
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("onboard", str(path))
    assert "「工号」列" in capsys.readouterr().err
    call_command("onboard", "--template", str(tmp_path / "t.xlsx"))
    assert (tmp_path / "t.xlsx").stat().st_size > 0
