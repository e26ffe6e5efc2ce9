"""Backups: the database as a Django JSON dump (natural keys, so it loads into SQLite or
PostgreSQL alike) plus the evidence files, in one .tar.gz with a SHA-256 manifest.

Restore verifies every checksum before it touches anything, refuses a database that
already holds data, loads the dump and the files in one transaction, and finally checks
each Evidence row against its file.

Layout of an archive::

    MANIFEST.sha256      "<sha256>  <path>" per line, as sha256sum writes it
    db.json              manage.py dumpdata --natural-foreign --natural-primary
    files/<name>         the evidence files, by their storage name
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from .models import Evidence, Organisation

MANIFEST = "MANIFEST.sha256"
DUMP = "db.json"
FILES = "files"
# Derived or short-lived rows: recreated by migrate, or worthless after a restore.
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes.accessattempt"]


class BackupError(Exception):
    """The archive is damaged or does not fit the target; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    path: Path
    files: int
    bytes: int
    missing: tuple[str, ...] = ()  # evidence rows whose file was not found


# Evidence and backups are readable by the service's user and group only, like the files
# uploads write (FILE_UPLOAD_PERMISSIONS), never by every local user.
PRIVATE_FILE_MODE = 0o640


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ------------------------------------------------------------------------- backup


def backup_create(*, directory: Path) -> Summary:
    """Write fuhua-backup-<timestamp>.tar.gz into ``directory`` and return its summary."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"fuhua-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="fuhua-backup-") as tmp:
        staging = Path(tmp)
        _dump_database(staging / DUMP)
        # Files after the dump: every file a dumped row names was already stored.
        names = _evidence_files(staging / DUMP)
        missing = _copy_files(Path(settings.PRIVATE_MEDIA_ROOT), names, staging / FILES)
        _write_manifest(staging)
        partial = directory / f".{name}.partial"
        with tarfile.open(partial, "w:gz") as tar:
            for path in sorted(p for p in staging.rglob("*") if p.is_file()):
                tar.add(path, arcname=path.relative_to(staging).as_posix())
        partial.chmod(PRIVATE_FILE_MODE)  # it holds every evidence file and the whole database
        target = directory / name
        partial.replace(target)  # an archive is either complete or absent
    return Summary(path=target, files=len(names) - len(missing), bytes=target.stat().st_size, missing=missing)


def _dump_database(path: Path) -> None:
    """One consistent snapshot: on PostgreSQL a repeatable-read transaction (unless the
    caller already holds a transaction, whose snapshot then applies)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=EXCLUDED,
            output=str(path),
            verbosity=0,
        )


def _evidence_files(dump: Path) -> list[str]:
    """The storage names of the evidence in the dump: only files a row names are kept
    (not left-overs of failed uploads, nor the ledger import's temporary files)."""
    rows = json.loads(dump.read_text(encoding="utf-8"))
    return sorted({row["fields"]["file"] for row in rows if row["model"] == "rectification.evidence"})


def _copy_files(source: Path, names: list[str], target: Path) -> tuple[str, ...]:
    """Copy the named files; returns the names that were not found."""
    missing = []
    for name in names:
        path = source / name
        if not path.is_file() or ".." in PurePosixPath(name).parts:
            missing.append(name)
            continue
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
    return tuple(missing)


def _write_manifest(staging: Path) -> None:
    lines = [
        f"{sha256_of(p)}  {p.relative_to(staging).as_posix()}\n"
        for p in sorted(staging.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    ]
    (staging / MANIFEST).write_text("".join(lines), encoding="utf-8")


# ------------------------------------------------------------------------- restore


def backup_restore(*, archive: Path) -> Summary:
    """Restore ``archive`` into the (migrated, empty) database and the evidence directory."""
    with tempfile.TemporaryDirectory(prefix="fuhua-restore-") as tmp:
        staging = Path(tmp)
        _extract(archive, staging)
        _verify_manifest(staging)
        if get_user_model().objects.exists() or Organisation.objects.exists():
            raise BackupError("目标数据库已有数据：只能恢复到空数据库。")
        media = Path(settings.PRIVATE_MEDIA_ROOT)
        created: list[Path] = []
        try:
            with transaction.atomic():
                call_command("loaddata", str(staging / DUMP), verbosity=0)
                archived = _restore_files(staging / FILES, media, created)
                missing = _verify_evidence(media, archived)
        except BaseException:
            for path in created:  # the rows rolled back; the files they named go too
                path.unlink(missing_ok=True)
            raise
    return Summary(path=archive, files=len(archived), bytes=archive.stat().st_size, missing=missing)


def _extract(archive: Path, staging: Path) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                _check_member(member)
            # The "data" filter also refuses links, devices and paths outside staging.
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"无法读取备份文件：{exc}") from exc


def _check_member(member: tarfile.TarInfo) -> None:
    path = PurePosixPath(member.name)
    allowed = member.name in (MANIFEST, DUMP) or (path.parts[:1] == (FILES,) and ".." not in path.parts)
    if not (member.isfile() or member.isdir()) or not allowed or path.is_absolute():
        raise BackupError(f"备份文件中有不应存在的条目：{member.name}")


def _verify_manifest(staging: Path) -> None:
    manifest = staging / MANIFEST
    if not manifest.is_file():
        raise BackupError("备份文件缺少校验清单。")
    listed: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _sep, name = line.partition("  ")
        listed[name] = digest
    present = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file() and p.name != MANIFEST}
    if present != set(listed) or DUMP not in listed:
        raise BackupError("备份文件与校验清单不一致（文件缺失或多余）。")
    bad = [name for name, digest in listed.items() if sha256_of(staging / name) != digest]
    if bad:
        raise BackupError(f"校验失败，备份文件已损坏：{', '.join(sorted(bad)[:5])}")


def _restore_files(source: Path, media: Path, created: list[Path]) -> set[str]:
    """Copy the files in; ``created`` collects those that were not there before."""
    archived = set()
    for path in sorted(source.rglob("*")) if source.exists() else []:
        if not path.is_file():
            continue
        archived.add(path.relative_to(source).as_posix())
        dest = media / path.relative_to(source)
        if dest.exists():
            if sha256_of(dest) != sha256_of(path):
                raise BackupError(f"证据目录中已有不同内容的同名文件：{dest}")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, dest)
        dest.chmod(PRIVATE_FILE_MODE)
        created.append(dest)
    return archived


def _verify_evidence(media: Path, archived: set[str]) -> tuple[str, ...]:
    """Every restored Evidence row whose file was archived finds it with the checksum it
    was uploaded with; returns the rows whose file the backup already lacked."""
    missing = []
    for name, digest in Evidence.objects.values_list("file", "sha256").iterator():
        if name not in archived:
            missing.append(name)
        elif sha256_of(media / name) != digest:
            raise BackupError(f"佐证材料文件内容与记录不符：{name}")
    return tuple(missing)
