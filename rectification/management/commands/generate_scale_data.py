import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandParser

from rectification.devdata.scale import REFERENCE_DATE, ScaleSpec, scale_data_generate


class Command(BaseCommand):
    help = (
        "Generate a district-size data set for benchmarks and load tests (bulk inserts, repeatable with "
        "--seed; a second run with the same arguments finds it in place). Never run it on production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communities", type=int, required=True)
        parser.add_argument("--inspections-per-org", type=int, required=True)
        parser.add_argument("--items-per-inspection", type=int, required=True)
        parser.add_argument("--measures-per-item", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--reference-date",
            type=dt.date.fromisoformat,
            default=REFERENCE_DATE,
            help="the 'today' deadlines and statuses are drawn around (default %(default)s)",
        )

    def handle(self, *args, **options) -> None:
        spec = ScaleSpec(
            communities=options["communities"],
            inspections_per_org=options["inspections_per_org"],
            items_per_inspection=options["items_per_inspection"],
            measures_per_item=options["measures_per_item"],
            seed=options["seed"],
            reference_date=options["reference_date"],
        )
        started = time.monotonic()
        step = max(1, spec.communities // 20)

        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 1 and (done % step == 0 or done == total):
                self.stderr.write(f"  {done}/{total} communities ({time.monotonic() - started:.0f} s)")

        report = scale_data_generate(spec=spec, progress=progress)
        self.stdout.write(f"{report} in {time.monotonic() - started:.1f} s")
