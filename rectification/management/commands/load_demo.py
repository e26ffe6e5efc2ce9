from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rectification.devdata.demo import DEFAULT_PATH, demo_load


class Command(BaseCommand):
    help = "Load the Fuhua 2025 demo data (idempotent: a second run changes nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", default=str(DEFAULT_PATH))

    def handle(self, *args, path: str, **options) -> None:
        # The demo accounts share a published password: never in production by accident.
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("The demo data is off in production (DEBUG=0); set DEMO_DATA_ALLOWED=1 to load it.")
        self.stdout.write(str(demo_load(path=path)))
