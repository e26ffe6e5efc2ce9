"""Ledger import service: what it creates, how it updates without duplicating, that bad
input changes nothing, its bounded query count, and the round trip of the Fuhua demo."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from rectification.documents.kinds.bulletin import bulletin_document
from rectification.ledger.writer import write_inspection_ledger
from rectification.models import (
    Bulletin,
    Category,
    Finding,
    Inspection,
    Measure,
    Membership,
    Organisation,
    Person,
    ProgressEntry,
)
from rectification.selectors.ledger import ledger_export_for_inspection
from rectification.services.ledger import ledger_import, ledger_preview

from . import factories as f
from .ledger_books import INFO, ORG_NAME, book, row, rows3

TODAY = dt.date(2025, 7, 1)


def counts() -> dict[str, int]:
    models = (Inspection, Category, Finding, Measure, Person, ProgressEntry, Measure.owners.through)
    return {m.__name__: m.objects.count() for m in models}


def tree_of(inspection: Inspection) -> list:
    """Categories -> items -> measures as plain values, in order."""
    out = []
    for c in inspection.categories.order_by("position"):
        items = []
        for fd in c.findings.order_by("position"):
            measures = [
                (m.title, m.progress, m.kind, m.due_on, m.status, m.leader.name if m.leader else "",
                 sorted(p.name for p in m.owners.all()), m.unit, m.note)
                for m in fd.measures.order_by("position")
            ]  # fmt: skip
            items.append((fd.heading, fd.problem, fd.lead_in, measures))
        out.append((c.title, items))
    return out


def do_import(data: bytes, user, **kwargs):
    with time_machine.travel(dt.datetime(2025, 7, 1, 10, 0, tzinfo=dt.UTC)):
        return ledger_import(data=data, user=user, today=TODAY, **kwargs)


# ---------------------------------------------------------------- creating


def test_import_creates_the_inspection_in_the_matched_organisation(personas):
    plan = do_import(book(rows3()), personas.secretary_a)
    inspection = plan.inspection
    assert inspection.organisation == personas.tree.a
    assert (inspection.team, inspection.deployed_by) == ("区委第四巡察组", "区委")
    assert (inspection.onsite_start, inspection.onsite_end) == (dt.date(2024, 9, 25), dt.date(2024, 12, 27))
    assert (inspection.feedback_on, inspection.deadline) == (dt.date(2025, 1, 21), dt.date(2025, 12, 31))
    assert tree_of(inspection) == [
        ("关于党的建设方面", [("落实第一议题制度", "学习不够深入。", "", [
            ("严格落实学习制度", "已建立学习台账。", "time_bound", dt.date(2025, 6, 30), "in_progress", "王委员", ["赵敏"], "党建办", ""),
            ("推动学用结合", "已建立学习台账。", "ongoing", None, "in_progress", "王委员", ["赵敏"], "党建办", ""),
        ])]),
        ("关于民生服务方面", [("提升小区环境", "环境较差。", "", [
            ("开展环境整治", "已建立学习台账。", "time_bound", dt.date(2025, 4, 30), "done", "王委员", ["赵敏"], "党建办", ""),
        ])]),
    ]  # fmt: skip
    assert [c.position for c in inspection.categories.order_by("position")] == [1, 2]
    assert plan.new_categories == ["关于党的建设方面", "关于民生服务方面"]
    assert [m.row for m in plan.new_measures] == [2, 3, 4]


def test_done_in_the_ledger_counts_as_signed_off_by_the_importer(personas):
    do_import(book(rows3()), personas.secretary_a)
    done = Measure.objects.get(title="开展环境整治")
    assert done.signed_off_by == personas.secretary_a and done.completed_on == TODAY
    assert done.signed_off_at is not None and done.original_due_on == done.due_on
    assert done.last_progress_at is not None and done.version == 1


def test_each_new_measure_gets_a_timeline_entry_and_history(personas):
    do_import(book(rows3()), personas.secretary_a)
    entries = ProgressEntry.objects.filter(kind=ProgressEntry.Kind.SYSTEM).order_by("measure__position", "pk")
    assert sorted(e.text for e in entries) == [f"由整改台账导入（第 {n} 行）。" for n in (2, 3, 4)]
    assert all(e.author == personas.secretary_a for e in entries)
    assert Measure.history.filter(history_type="+", history_user=personas.secretary_a).count() == 3
    assert Category.history.count() == 2 and Finding.history.count() == 2


def test_people_without_accounts_become_people_without_login(personas):
    tree = personas.tree
    zhou = f.user(username="zhouting", organisation=tree.a, role=Membership.Role.STAFF, name="周婷")
    f.user(username="outsider", organisation=tree.b, role=Membership.Role.STAFF, name="吴强")  # not in A
    rows = [row(leader="王委员", owners="赵敏、周婷、吴强 孙新")]
    plan = do_import(book(rows), personas.secretary_a)
    assert plan.linked_people == ["周婷"] and plan.new_people == ["吴强", "孙新"]
    people = {p.name: p.user for p in Person.objects.filter(organisation=tree.a)}
    assert people["周婷"] == zhou
    assert people["吴强"] is None and people["孙新"] is None
    assert people["赵敏"] == personas.staff_a  # the existing Person row is reused
    m = Measure.objects.get()
    assert m.leader == personas.person_member_a
    assert sorted(p.name for p in m.owners.all()) == ["吴强", "周婷", "孙新", "赵敏"]


# ---------------------------------------------------------------- updating


def test_importing_the_same_ledger_twice_duplicates_nothing(personas):
    data = book(rows3())
    first = do_import(data, personas.secretary_a)
    before = counts()
    second = do_import(data, personas.secretary_a)
    assert second.inspection == first.inspection and second.is_update
    assert counts() == before
    assert (second.new_categories, second.new_items, second.new_measures, second.updated_measures) == ([], [], [], [])
    assert len(second.unchanged_measures) == 3


def test_update_changes_what_the_ledger_changes_and_adds_what_is_new(personas):
    first = do_import(book(rows3()), personas.secretary_a).inspection
    extra = f.measure(finding=Finding.objects.get(heading="提升小区环境"), title="系统里新增的措施")
    rows = rows3()
    rows[0].update({"整改进展": "学习台账已建立，每月检查。", "整改状态": "待销号"})
    rows[1].update({"完成时限": "2025-09-30", "整改类型": "限期整改"})
    rows.insert(2, row(measure="新增一条措施", due="2025/8/31"))
    rows.append(row("关于民生服务方面", "新的事项", "新事项的措施"))
    plan = do_import(book(rows), personas.secretary_a)

    assert plan.inspection == first
    assert [m.title for m in plan.new_measures] == ["新增一条措施", "新事项的措施"]
    assert plan.new_items == [("关于民生服务方面", "新的事项")] and plan.new_categories == []
    assert [m.title for m in plan.updated_measures] == ["严格落实学习制度", "推动学用结合"]
    assert plan.updated_measures[0].changes == ["整改进展", "整改状态：推进中 → 待销号"]
    assert plan.untouched_measures == 1
    m1 = Measure.objects.get(title="严格落实学习制度")
    assert (m1.progress, m1.status, m1.version) == ("学习台账已建立，每月检查。", "awaiting_sign_off", 2)
    assert m1.submitted_at is not None
    m2 = Measure.objects.get(title="推动学用结合")
    assert (m2.kind, m2.due_on) == ("time_bound", dt.date(2025, 9, 30))
    assert Measure.objects.get(title="新增一条措施").position == 3
    extra.refresh_from_db()
    assert extra.version == 1  # not in the ledger: left alone
    status_entry = ProgressEntry.objects.get(measure=m1, kind=ProgressEntry.Kind.STATUS)
    assert (status_entry.old_status, status_entry.new_status) == ("in_progress", "awaiting_sign_off")
    assert Measure.history.filter(id=m1.pk, history_type="~").count() == 1


def test_update_matches_a_retitled_measure_by_position(personas):
    do_import(book(rows3()), personas.secretary_a)
    rows = rows3()
    rows[1]["整改措施"] = "推动理论学习与工作实践深度融合"
    before = counts()
    plan = do_import(book(rows), personas.secretary_a)
    assert plan.new_measures == []
    assert plan.updated_measures[0].changes == ["措施改为“推动理论学习与工作实践深度融合”"]
    assert counts()["Measure"] == before["Measure"]
    assert Measure.objects.filter(title="推动理论学习与工作实践深度融合", position=2).exists()


def test_update_with_empty_cells_erases_nothing(personas):
    do_import(book(rows3()), personas.secretary_a)
    rows = [dict(r, 整改进展="", 责任人="", 责任领导="", 问题描述="", 整改状态="") for r in rows3()]
    plan = do_import(book(rows), personas.secretary_a)
    assert plan.updated_measures == []
    m = Measure.objects.get(title="严格落实学习制度")
    assert (m.progress, m.leader.name, m.status) == ("已建立学习台账。", "王委员", "in_progress")
    assert [p.name for p in m.owners.all()] == ["赵敏"]
    assert m.finding.problem == "学习不够深入。"


def test_update_into_a_chosen_inspection_rewrites_its_information(personas):
    existing = f.inspection(organisation=personas.tree.a, feedback_on=dt.date(2025, 2, 1))
    plan = do_import(book(rows3()), personas.secretary_a, inspection=existing)
    assert plan.inspection == existing and plan.is_update
    existing.refresh_from_db()
    assert existing.feedback_on == dt.date(2025, 1, 21)
    assert "反馈日期：2025-01-21" in plan.info_changes
    assert existing.categories.count() == 2


# ---------------------------------------------------------------- organisations


def test_organisation_outside_the_secretarys_scope_is_not_found(personas):
    info = [("被巡察党组织", personas.tree.b.name), *INFO[1:]]
    before = counts()
    with pytest.raises(ValidationError) as exc:
        do_import(book(rows3(), info=info), personas.secretary_a)
    assert "无权导入" in exc.value.messages[0] and "工作表「巡察信息」第 1 行" in exc.value.messages[0]
    assert counts() == before


def test_a_member_who_is_not_secretary_finds_no_organisation(personas):
    plan = ledger_preview(data=book(rows3()), user=personas.member_a)
    assert plan.organisation is None and "无权导入" in plan.errors[0].message


def test_organisation_by_short_name_and_explicit_choice(personas):
    info = [("被巡察党组织", personas.tree.a.short_name), *INFO[1:]]
    assert ledger_preview(data=book(rows3(), info=info), user=personas.secretary_a).organisation == personas.tree.a
    other = f.organisation(parent=personas.tree.a, name="中共某某网格支部委员会")
    plan = ledger_preview(data=book(rows3()), user=personas.secretary_a, organisation=other)
    assert plan.organisation == other and plan.errors == []
    assert "将导入到所选的“中共某某网格支部委员会”" in plan.warnings[0].message


def test_system_import_without_a_user_matches_any_organisation(personas):
    plan = do_import(book(rows3()), None)
    assert plan.inspection.organisation.name == ORG_NAME
    assert Measure.objects.get(title="开展环境整治").signed_off_by is None


# ---------------------------------------------------------------- nothing changes on bad input


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"not a workbook", id="not-xlsx"),
        pytest.param(book(rows3(), info=None), id="missing-sheet"),
        pytest.param(book([*rows3(), row(due="明年")]), id="bad-date"),
        pytest.param(book([*rows3(), row()]), id="duplicate"),
        pytest.param(book([*rows3(), row(measure="另一条", status="办结")]), id="unknown-status"),
        pytest.param(book([], header=["问题类别", "整改事项", "整改措施", "完成时限"]), id="no-rows"),
    ],
)
def test_bad_input_raises_and_writes_nothing(personas, data):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        do_import(data, personas.secretary_a)
    assert exc.value.messages
    assert counts() == before


def test_a_failure_while_writing_rolls_everything_back(personas, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    before = counts()
    monkeypatch.setattr(ProgressEntry.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        do_import(book(rows3()), personas.secretary_a)
    assert counts() == before


def test_a_changed_file_is_refused(personas):
    data = book(rows3())
    plan = ledger_preview(data=data, user=personas.secretary_a)
    with pytest.raises(ValidationError, match="校验不一致"):
        do_import(book(rows3()[:2]), personas.secretary_a, expected_sha256=plan.sha256)
    assert not Measure.objects.exists()


# ---------------------------------------------------------------- query count


def _rows(n: int) -> list[dict]:
    """n measures over n/5 items in 2 categories, with 3 people per row (one new per item)."""
    return [
        row(
            f"关于第{i % 2}方面",
            f"事项{i // 5}",
            f"措施{i}",
            owners=f"赵敏、新人{i // 5}",
            status="已完成" if i % 3 else "",
        )
        for i in range(n)
    ]


# Sizes that fit one INSERT batch on SQLite (999 parameters; a measure row has 27): beyond
# that, bulk inserts split into batches of ~37 rows, still no query per cell or row.
@pytest.mark.parametrize("n", [5, 30])
def test_import_query_count_does_not_grow_with_rows(personas, n, django_assert_num_queries):
    data = book(_rows(n))
    # Plan: the user's memberships (scope), organisation, its row lock, inspection lookup,
    # existing people, accounts by name = 6.
    # Write: savepoint + release (atomic inside the test's transaction) 2, inspection and
    # its history 2, people 1, categories + history 2, findings + history 2, measures +
    # history 2, owners 1, timeline entries 1 = 13.
    # Documents due (documents_schedule): the inspection, the rules up its tree, its
    # documents, then the new documents and their history = 5.
    # Standard headings for the new categories: the code list up the tree, which the first
    # use creates (the 四个聚焦: insert, read back) = 3; its titles match none here.
    with django_assert_num_queries(27):
        do_import(data, personas.secretary_a)
    assert Measure.objects.count() == n


def test_update_query_count_does_not_grow_with_rows(personas, django_assert_num_queries):
    def update(n: int, queries: int) -> None:
        Inspection.objects.all().delete()
        do_import(book(_rows(n)), personas.secretary_a)
        rows = [dict(r, 整改进展=f"更新{i}", 责任人="赵敏") for i, r in enumerate(_rows(n))]
        # Plan: organisation, its row lock, inspection, categories, findings, measures, their
        # owners, people = 8 (memberships are cached on the user by now). Write: savepoint + release 2,
        # measures bulk update + history 2, timeline entries 1, owners delete + insert 2 = 7.
        # Documents due: the inspection, the rules, its documents (all in place) = 3.
        with django_assert_num_queries(queries):
            do_import(book(rows), personas.secretary_a)

    update(5, 18)
    update(30, 18)
    assert Measure.objects.filter(progress__startswith="更新").count() == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_concurrent_imports_of_one_ledger_create_one_inspection(personas):
    """A double-clicked confirmation: the organisation's row lock makes the second import an
    update of the first's inspection."""
    data = book(rows3())
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def confirm() -> None:
        try:
            barrier.wait(timeout=10)
            ledger_import(data=data, user=None)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert (Inspection.objects.count(), Measure.objects.count(), Person.objects.filter(name="王委员").count()) == (
        1,
        3,
        1,
    )


# ---------------------------------------------------------------- round trip


@pytest.mark.django_db
def test_round_trip_of_the_fuhua_demo_renders_the_same_bulletin(demo):
    shuji = Membership.objects.get(organisation=demo.organisation, role=Membership.Role.SECRETARY).user
    data = write_inspection_ledger(ledger_export_for_inspection(inspection=demo, today=TODAY))
    expected_tree = tree_of(demo)
    old = demo.bulletin
    expected_text = bulletin_document(old, today=TODAY).plain_text()
    # The seed's own marks after a lead phrase (「，」「；」) travel in the measure's title.
    assert "一是多维开展宣传动员，通过微信群宣传" in expected_text
    assert "联合多方人员开展联合验收；同步强化项目全流程监督" in expected_text
    narrative = {"section1_text": old.section1_text, "section3_text": old.section3_text, "issued_on": old.issued_on}
    # An empty database for this organisation: the ledger must bring everything back.
    demo.delete()
    Person.objects.filter(organisation=demo.organisation).delete()

    plan = do_import(data, shuji)

    assert plan.errors == [] and not plan.is_update
    assert tree_of(plan.inspection) == expected_tree
    assert set(plan.linked_people) == {"李明华", "王建国", "张丽", "刘洋", "赵敏", "孙磊", "周婷", "郑伟"}
    assert plan.new_people == ["吴强"]
    # The ledger carries no narrative: copy sections 一 and 三 across; section 二 and the
    # intro come from the imported data.
    bulletin = Bulletin.objects.create(inspection=plan.inspection, **narrative)
    assert bulletin_document(bulletin, today=TODAY).plain_text() == expected_text


def test_exported_ledger_round_trips_into_a_fresh_organisation(demo):
    data = write_inspection_ledger(ledger_export_for_inspection(inspection=demo, today=TODAY))
    fresh = f.organisation(name="中共某新社区委员会")
    plan = do_import(data, None, organisation=fresh)
    assert tree_of(plan.inspection) == tree_of(demo)
    assert Organisation.objects.get(pk=fresh.pk).people.filter(user__isnull=True).count() == 9
