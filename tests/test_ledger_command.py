"""`manage.py import_ledger FILE.xlsx [--organisation ID] [--inspection ID] [--dry-run]`."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from rectification.models import Category, Inspection, Measure, Person

from . import factories as f
from .ledger_books import book, row, rows3


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_ledger", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def ledger_file(tmp_path):
    def write(data: bytes, name: str = "台账.xlsx"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def test_import_prints_the_inspection_id_on_the_last_line(personas, ledger_file):
    out, _err = run(ledger_file(book(rows3())))
    inspection = Inspection.objects.get()
    assert out.strip().splitlines()[-1] == f"inspection {inspection.pk}"
    assert "新增问题类别 2 个，整改事项 2 个，整改措施 3 条" in out
    assert inspection.organisation == personas.tree.a and Measure.objects.count() == 3


def test_second_run_updates_the_same_inspection(personas, ledger_file):
    path = ledger_file(book(rows3()))
    run(path)
    rows = rows3()
    rows[0]["整改进展"] = "新的进展"
    out, _err = run(ledger_file(book(rows), "第二版.xlsx"))
    inspection = Inspection.objects.get()
    assert out.strip().splitlines()[-1] == f"inspection {inspection.pk}"
    assert f"更新巡察 {inspection.pk}" in out and "第 2 行 更新“严格落实学习制度”：整改进展" in out
    assert Measure.objects.count() == 3


def test_dry_run_changes_nothing(personas, ledger_file):
    people = Person.objects.count()
    out, _err = run(ledger_file(book([*rows3(), row(measure="新人", owners="孙新")])), "--dry-run")
    assert "试运行" in out.splitlines()[-1] and "新增责任人员 1 人" in out
    assert not Inspection.objects.exists() and not Category.objects.exists()
    assert Person.objects.count() == people


def test_explicit_organisation(personas, ledger_file):
    other = f.organisation(parent=personas.tree.street, name="中共某某社区委员会")
    _out, err = run(ledger_file(book(rows3())), "--organisation", other.pk)
    assert Inspection.objects.get().organisation == other
    assert "提示：" in err and "将导入到所选的" in err


def test_bad_input_exits_non_zero_with_the_row_level_errors(personas, ledger_file):
    data = book([*rows3(), row(measure="坏日期", due="下个月"), row(measure="坏状态", status="办结")])
    with pytest.raises(CommandError, match="台账有 2 处错误，未导入任何内容") as exc:
        run(ledger_file(data))
    assert exc.value.returncode == 1
    assert not Inspection.objects.exists()


def test_errors_are_printed_with_their_place(personas, ledger_file):
    path = ledger_file(book([*rows3(), row(measure="坏日期", due="下个月")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_ledger", str(path), stderr=err)
    assert "工作表「整改台账」第 5 行「完成时限」列：无法识别的日期“下个月”" in err.getvalue()


def test_not_a_workbook_and_missing_file(personas, ledger_file, tmp_path):
    with pytest.raises(CommandError, match="1 处错误"):
        run(ledger_file(b"hello", "notes.xlsx"))
    with pytest.raises(CommandError, match="找不到文件"):
        run(tmp_path / "nope.xlsx")
    with pytest.raises(CommandError, match="找不到编号为 999999 的党组织"):
        run(ledger_file(book(rows3())), "--organisation", 999999)


def test_exit_status_of_the_real_process(personas, ledger_file):
    """call_command raises; the shell sees the exit status through BaseCommand.run_from_argv."""
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "import_ledger", str(ledger_file(b"hello"))])
    with pytest.raises(SystemExit) as exc:
        utility.execute()
    assert exc.value.code == 1
