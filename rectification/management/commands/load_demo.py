from django.core.management.base import BaseCommand

from rectification.services.demo import DEFAULT_PATH, demo_load


class Command(BaseCommand):
    help = "Load the Fuhua 2025 demo data (idempotent: a second run changes nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", default=str(DEFAULT_PATH))

    def handle(self, *args, path: str, **options) -> None:
        self.stdout.write(str(demo_load(path=path)))
