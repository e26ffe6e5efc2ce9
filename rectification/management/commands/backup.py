from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from rectification.backup import backup_create


class Command(BaseCommand):
    help = "Back up the database and the evidence files into one .tar.gz with a SHA-256 manifest."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", default=str(Path(settings.VAR_DIR) / "backups"), help="target directory")

    def handle(self, *args, dir: str, **options) -> None:
        summary = backup_create(directory=Path(dir))
        self.stdout.write(f"{summary.path} ({summary.files} evidence files, {summary.bytes} bytes)")
        for name in summary.missing:
            self.stderr.write(f"WARNING: evidence file missing, not in the backup: {name}")
