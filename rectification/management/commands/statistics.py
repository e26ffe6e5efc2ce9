"""Write the district statistics workbook (巡察整改统计表) of an organisation, without the
web server.

python manage.py statistics <organisation-id> [--round N] --output stats.xlsx
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ...ledger.statistics import write_statistics
from ...models import Organisation
from ...selectors.statistics import statistics_data


class Command(BaseCommand):
    help = "Write the statistics workbook of the organisations below one (of one round) to an .xlsx file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation_id", type=int)
        parser.add_argument("--round", type=int, dest="round_no", help="only the inspections of this round")
        parser.add_argument("--output", type=Path, required=True, help="the .xlsx file to write")

    def handle(self, *args, organisation_id: int, round_no: int | None, output: Path, **options) -> None:
        try:
            root = Organisation.objects.get(pk=organisation_id)
        except Organisation.DoesNotExist:
            raise CommandError(f"no organisation {organisation_id}") from None
        data = statistics_data(root=root, today=timezone.localdate(), round_no=round_no)
        output.write_bytes(write_statistics(data))
        self.stdout.write(f"{len(data.rows)} organisations, {data.total.counts.total} measures → {output}")
