from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from rectification.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `backup` into an empty database (checksums verified first)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("archive", help="a fuhua-backup-*.tar.gz file")

    def handle(self, *args, archive: str, **options) -> None:
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"no such file: {archive}")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = backup_restore(archive=path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {summary.path} ({summary.files} evidence files)")
        for name in summary.missing:
            self.stderr.write(f"WARNING: the backup had no file for evidence {name}")
