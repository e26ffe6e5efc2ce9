import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rectification.devdata.demo import DEFAULT_PATH, REFERENCE_DAY, demo_documents, demo_load, demo_working_day


class Command(BaseCommand):
    help = (
        "Load the Fuhua demo data as a working day: its dates placed relative to today (or --today), "
        "then the daily sweep and one published bulletin version. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", default=str(DEFAULT_PATH))
        parser.add_argument(
            "--today",
            help=f"the day the demo stands on, YYYY-MM-DD (default: today); {REFERENCE_DAY} keeps the fixture's dates",
        )

    def handle(self, *args, path: str, today: str | None, **options) -> None:
        # The demo accounts share a published password: never in production by accident.
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("The demo data is off in production (DEBUG=0); set DEMO_DATA_ALLOWED=1 to load it.")
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD, not {today!r}") from exc
        report = demo_load(path=path, today=day)
        self.stdout.write(str(report))
        if report.created.get("measures"):  # just created: let the days since pass over it
            for line in [*demo_working_day(today=day), *demo_documents(today=day)]:
                self.stdout.write(line)
