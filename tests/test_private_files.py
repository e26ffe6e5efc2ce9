"""Evidence files and backup archives are readable by the service's user and group only
(0640), not by every local user (issue 26)."""

from __future__ import annotations

import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rectification import services
from rectification.backup import backup_create

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.django_db
def test_evidence_and_backups_are_not_world_readable(personas, measure_a, tmp_path):
    (evidence,) = services.evidence_add(
        measure=measure_a, user=personas.staff_a, files=[SimpleUploadedFile("照片.png", PNG)], description=""
    )
    assert stat.S_IMODE(os.stat(evidence.file.path).st_mode) == 0o640
    summary = backup_create(directory=tmp_path)
    assert stat.S_IMODE(summary.path.stat().st_mode) == 0o640
