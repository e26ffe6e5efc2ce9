import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rectification.models import Measure
from rectification.services.sweep import sweep_run


class Command(BaseCommand):
    help = (
        "Run the daily sweep now (the same code as the Celery beat job): overdue and stale flags, "
        "reminders, escalation, re-checks, then drain the notification outbox. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--today", help="the day to sweep for, YYYY-MM-DD (default: today in Asia/Shanghai)")
        parser.add_argument("--no-drain", action="store_true", help="leave e-mail/webhook deliveries in the outbox")

    def handle(self, *args, today: str | None, no_drain: bool, **options) -> None:
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--today must be YYYY-MM-DD, not {today!r}") from exc
        report = sweep_run(today=day, drain=not no_drain)
        self.stdout.write(str(report))
        if report.done.get("measures flagged overdue"):
            # Name what this run flagged, so the output can be checked against the ledger.
            rows = Measure.objects.filter(overdue_since=day).order_by("due_on", "pk")
            for pk, title, due_on in rows.values_list("pk", "title", "due_on"):
                self.stdout.write(f"  overdue: #{pk} {title[:40]} (due {due_on:%Y-%m-%d})")
