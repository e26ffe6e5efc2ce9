"""Import a district's onboarding workbook (上线名册, .xlsx) from the command line.

Prints what will change (organisations, people, roles, accounts deactivated and their open
measures to reassign). Bad input prints every problem (sheet, row, column) on stderr and
exits with status 1, changing nothing; ``--dry-run`` changes nothing either;
``--template FILE`` writes the empty template.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rectification.ledger.onboarding import write_roster
from rectification.ledger.reader import Limits
from rectification.services.onboarding import OnboardingPlan, onboarding_import, onboarding_preview


class Command(BaseCommand):
    help = "Import an onboarding workbook (上线名册): organisations, people, roles; --dry-run shows what would change."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the .xlsx workbook")
        parser.add_argument("--dry-run", action="store_true", help="check and show the plan, change nothing")
        parser.add_argument("--template", metavar="FILE", help="write the empty template to FILE and stop")

    def handle(self, *args, file: str | None, dry_run: bool, template: str | None, **options):
        if template:
            Path(template).write_bytes(write_roster([], []))
            self.stdout.write(f"template {template}")
            return
        if not file:
            raise CommandError("give the workbook (or --template FILE)")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        with path.open("rb") as fh:
            data = fh.read(Limits.from_settings().max_bytes + 1)
        plan = onboarding_preview(data=data)
        for problem in plan.warnings:
            self.stderr.write(f"提示：{problem}")
        if plan.errors:
            for problem in plan.errors:
                self.stderr.write(str(problem))
            raise CommandError(f"名册有 {len(plan.errors)} 处错误，未导入任何内容。")
        for line in summary_lines(plan):
            self.stdout.write(line)
        if dry_run:
            self.stdout.write("试运行（--dry-run）：未作任何修改。")
            return
        try:
            onboarding_import(data=data, expected_sha256=plan.sha256)
        except ValidationError as exc:  # the database changed between preview and import
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(f"imported {plan.changes} changes")


def summary_lines(plan: OnboardingPlan) -> list[str]:
    lines = [
        f"党组织 {plan.organisations_total} 个：新增 {len(plan.new_organisations)}，变更 {len(plan.changed_organisations)}",
        f"人员 {plan.people_total} 人：新增账号 {len(plan.new_people)}，信息变更 {len(plan.changed_people)}，"
        f"恢复 {len(plan.reactivated)}，停用 {len(plan.deactivated)}",
        f"角色：新增 {len(plan.new_roles)}，变更 {len(plan.changed_roles)}，撤销 {len(plan.removed_roles)}",
    ]
    lines += [f"{org.name}：{'；'.join(changes)}" for org, changes in plan.changed_organisations]
    lines += [f"第 {e.row} 行 {e.name}：{'；'.join(changes)}" for e, changes in plan.changed_people]
    lines += [f"{e.name} 在 {org}：{old} → {new}" for e, org, old, new in plan.changed_roles]
    lines += [f"停用：{u.first_name or u.username}（{u.username}）" for u in plan.deactivated]
    for m in plan.open_measures:
        org = m.finding.category.inspection.organisation
        lines.append(f"待重新分配：{org.short_name} 措施 {m.pk}「{m.title[:40]}」")
    if not plan.changes:
        lines.append("与系统中的数据一致，无需修改。")
    return lines
