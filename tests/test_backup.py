"""Backup and restore: a restore into an empty database finds the same data and files."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from rectification import services
from rectification.backup import EXCLUDED, MANIFEST, BackupError, backup_create, backup_restore
from rectification.models import Bulletin, BulletinVersion, Evidence, Measure

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n" + "整改佐证".encode() * 50 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def data(demo):
    """The demo plus what a backup must carry besides rows: files and binary fields."""
    measure = Measure.objects.filter(finding__category__inspection=demo).order_by("pk").first()
    secretary = measure.finding.category.inspection.organisation.memberships.get(role="secretary").user
    services.evidence_add(
        measure=measure,
        user=secretary,
        files=[SimpleUploadedFile("验收材料.pdf", PDF), SimpleUploadedFile("现场照片.png", PNG)],
    )
    bulletin, _ = Bulletin.objects.get_or_create(inspection=demo)
    BulletinVersion.objects.create(
        bulletin=bulletin,
        number=1,
        html="<p>通报</p>",
        pdf=PDF,
        sha256=hashlib.sha256(PDF).hexdigest(),
        html_sha256="0" * 64,
        published_by=secretary,
    )
    return demo


def _dump_here() -> str:
    out = io.StringIO()
    call_command("dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDED, stdout=out)
    return out.getvalue()


def _ms(dump: str) -> list[dict]:
    """Django's JSON keeps times to the millisecond: 12:00:00.000Z (µs lost) loads back as 12:00:00Z."""
    return json.loads(re.sub(r"(T\d\d:\d\d:\d\d)\.000(Z|[+-])", r"\1\2", dump))


def _manage(var_dir: Path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PRIVATE_MEDIA_ROOT")}
    env.update(DJANGO_SETTINGS_MODULE="fuhua.settings", VAR_DIR=str(var_dir), DEBUG="1")
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _files(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


def _restore_elsewhere_and_compare(tmp_path: Path, database_url: str | None = None) -> None:
    summary = backup_create(directory=tmp_path / "backups")
    assert summary.files == Evidence.objects.count() == 2
    target = tmp_path / "restored"
    target.mkdir()
    _manage(target, "restore", str(summary.path), database_url=database_url)
    restored = _manage(
        target,
        "dumpdata",
        "--natural-foreign",
        "--natural-primary",
        *[arg for model in EXCLUDED for arg in ("-e", model)],
        database_url=database_url,
    )
    assert _ms(restored.stdout) == _ms(_dump_here())
    media = Path(settings.PRIVATE_MEDIA_ROOT)
    evidence = {e.file.name: e.sha256 for e in Evidence.objects.all()}
    assert _files(target / "private") == evidence
    assert {name: hashlib.sha256((media / name).read_bytes()).hexdigest() for name in evidence} == evidence


@pytest.mark.django_db
def test_restore_into_an_empty_sqlite_database_finds_the_same_data_and_files(data, tmp_path):
    _restore_elsewhere_and_compare(tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db
def test_restore_into_an_empty_postgres_database(data, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    import psycopg2

    name = "fuhua_security_restore"
    params = connection.get_connection_params()
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        user, host, port = params.get("user", "postgres"), params.get("host", "127.0.0.1"), params.get("port", 5432)
        _restore_elsewhere_and_compare(tmp_path, database_url=f"postgres://{user}@{host}:{port}/{name}")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def _rewrite(archive: Path, target: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, bytes) -> bytes | None`` applied to each member."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            content = change(member.name, src.extractfile(member).read())
            if content is not None:
                member.size = len(content)
                dst.addfile(member, io.BytesIO(content))
    return target


@pytest.mark.django_db
def test_restore_refuses_a_database_with_data(data, tmp_path):
    summary = backup_create(directory=tmp_path)
    with pytest.raises(BackupError, match="空数据库"):
        backup_restore(archive=summary.path)


@pytest.mark.django_db
def test_restore_refuses_a_damaged_archive_before_touching_anything(data, tmp_path):
    archive = backup_create(directory=tmp_path).path

    def flip(name: str, content: bytes) -> bytes:
        return content[:-1] + bytes([content[-1] ^ 1]) if name.startswith("files/") else content

    with pytest.raises(BackupError, match="校验失败"):
        backup_restore(archive=_rewrite(archive, tmp_path / "damaged.tar.gz", flip))
    with pytest.raises(BackupError, match="不一致"):
        backup_restore(
            archive=_rewrite(archive, tmp_path / "short.tar.gz", lambda n, c: None if n.startswith("files/") else c)
        )


@pytest.mark.django_db
def test_restore_refuses_paths_outside_the_archive(data, tmp_path):
    archive = backup_create(directory=tmp_path).path
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "r:gz") as src, tarfile.open(evil, "w:gz") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member))
        info = tarfile.TarInfo("files/../../escaped.txt")
        info.size = 2
        dst.addfile(info, io.BytesIO(b"hi"))
    with pytest.raises(BackupError, match="不应存在"):
        backup_restore(archive=evil)
    assert not (tmp_path.parent / "escaped.txt").exists()


@pytest.mark.django_db
def test_the_archive_manifest_lists_every_file_with_its_checksum(data, tmp_path):
    archive = backup_create(directory=tmp_path).path
    with tarfile.open(archive, "r:gz") as tar:
        manifest = dict(
            reversed(line.split("  ", 1)) for line in tar.extractfile(MANIFEST).read().decode().splitlines()
        )
        names = {m.name for m in tar.getmembers() if m.isfile()} - {MANIFEST}
        assert set(manifest) == names
        for name in names:
            assert hashlib.sha256(tar.extractfile(name).read()).hexdigest() == manifest[name]
    assert archive.name.startswith(f"fuhua-backup-{timezone.localdate():%Y%m%d}")


@pytest.mark.django_db
def test_a_missing_evidence_file_is_reported_not_fatal(data, tmp_path):
    lost = Evidence.objects.order_by("pk").first()
    (Path(settings.PRIVATE_MEDIA_ROOT) / lost.file.name).unlink()
    summary = backup_create(directory=tmp_path)
    assert summary.missing == (lost.file.name,)
    assert summary.files == 1
