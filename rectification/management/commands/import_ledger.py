"""Import a rectification ledger (整改台账, .xlsx) from the command line.

The last line of a successful import is ``inspection <id>``. Bad input prints every
problem (sheet, row, column) on stderr and exits with status 1, changing nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rectification.ledger.container import Limits
from rectification.models import Inspection, Organisation
from rectification.services.ledger import LedgerPlan, ledger_import, ledger_preview


class Command(BaseCommand):
    help = "Import a rectification ledger (整改台账) workbook; --dry-run shows what would change."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--organisation", type=int, help="organisation id (default: matched by full name)")
        parser.add_argument("--inspection", type=int, help="update this inspection (default: matched or new)")
        parser.add_argument("--dry-run", action="store_true", help="check and show the plan, change nothing")

    def handle(self, *args, file: str, organisation: int | None, inspection: int | None, dry_run: bool, **options):
        data = self._read(Path(file))
        org = self._get(Organisation, organisation, "党组织")
        insp = self._get(Inspection, inspection, "巡察")
        plan = ledger_preview(data=data, organisation=org, inspection=insp)
        for problem in plan.warnings:
            self.stderr.write(f"提示：{problem}")
        if plan.errors or plan.actions is None:
            self._fail(plan)
        for line in summary_lines(plan):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("试运行（--dry-run）：未作任何修改。")
            return
        try:
            result = ledger_import(data=data, organisation=org, inspection=insp, expected_sha256=plan.sha256)
        except ValidationError as exc:  # the database changed between preview and import
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(f"inspection {result.inspection.pk}")

    def _read(self, path: Path) -> bytes:
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        with path.open("rb") as fh:
            # One byte over the limit is enough for the reader to name the problem.
            return fh.read(Limits.from_settings().max_bytes + 1)

    def _get(self, model, pk: int | None, label: str):
        if pk is None:
            return None
        obj = model.objects.filter(pk=pk).first()
        if obj is None:
            raise CommandError(f"找不到编号为 {pk} 的{label}。")
        return obj

    def _fail(self, plan: LedgerPlan) -> None:
        for problem in plan.errors:
            self.stderr.write(str(problem))
        raise CommandError(f"台账有 {len(plan.errors)} 处错误，未导入任何内容。")


def summary_lines(plan: LedgerPlan) -> list[str]:
    target = f"更新巡察 {plan.inspection.pk}（{plan.inspection}）" if plan.is_update else "新建巡察"
    lines = [
        f"党组织：{plan.organisation.name}；{target}",
        f"新增问题类别 {len(plan.new_categories)} 个，整改事项 {len(plan.new_items)} 个，整改措施 {len(plan.new_measures)} 条",
        f"更新整改措施 {len(plan.updated_measures)} 条，无变化 {len(plan.unchanged_measures)} 条，"
        f"台账外保持不变 {plan.untouched_measures} 条",
        f"新增责任人员 {len(plan.new_people) + len(plan.linked_people)} 人"
        + (f"（其中关联已有账号：{'、'.join(plan.linked_people)}）" if plan.linked_people else ""),
    ]
    lines += [f"巡察信息更新：{change}" for change in plan.info_changes]
    lines += [f"第 {m.row} 行 更新“{m.title}”：{'；'.join(m.changes)}" for m in plan.updated_measures]
    return lines
