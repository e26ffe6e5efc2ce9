"""Evidence (佐证材料): upload several files at once, delete.

A file's type is decided from its content (magic bytes; the zip structure for docx/xlsx;
the compound-file streams for doc/xls), never from its name or the browser's claim. Only
PDF, common images, Word and Excel are accepted; HTML, SVG, executables and everything
else are refused. Files are stored under a random name in the private storage
(settings.PRIVATE_MEDIA_ROOT, no public URL) and served only by a permission-checked view.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Evidence, Measure, ProgressEntry
from ..permissions import require
from .measures import add_entry, lock_measure, reopen_if_signed_off, save_measure
from .record import record_language

MAX_FILES_PER_UPLOAD = 20
_HEAD = 16


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    inline: bool  # browsers may show it in place (images, PDF); everything else downloads


PDF = FileType("application/pdf", (".pdf",), True)
PNG = FileType("image/png", (".png",), True)
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), True)
GIF = FileType("image/gif", (".gif",), True)
WEBP = FileType("image/webp", (".webp",), True)
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",), False)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",), False)
DOC = FileType("application/msword", (".doc",), False)
XLS = FileType("application/vnd.ms-excel", (".xls",), False)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Stream names in a compound file's directory are UTF-16LE.
_OLE_WORD = "WordDocument".encode("utf-16-le")
_OLE_EXCEL = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))


def _zip_type(upload: UploadedFile) -> FileType | None:
    try:
        names = set(zipfile.ZipFile(upload).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None  # not OOXML, or macro-enabled (docm/xlsm renamed)
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def _ole_type(upload: UploadedFile) -> FileType | None:
    upload.seek(0)
    data = upload.read()
    if _OLE_WORD in data:
        return DOC
    if any(name in data for name in _OLE_EXCEL):
        return XLS
    return None


def detect_type(upload: UploadedFile) -> FileType | None:
    """The file's type from its content, or None when it is not one we accept."""
    upload.seek(0)
    head = upload.read(_HEAD)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        found = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head[:6] in (b"GIF87a", b"GIF89a"):
        found = GIF
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = WEBP
    elif head.startswith(b"PK\x03\x04"):
        found = _zip_type(upload)
    elif head.startswith(_OLE_MAGIC):
        found = _ole_type(upload)
    else:
        found = None
    upload.seek(0)
    return found


_UNSAFE = re.compile(r'[\\/:*?"<>|]')


def sanitise_name(name: str, file_type: FileType) -> str:
    """A display and download name: no path, no control or reserved characters, and an
    extension that matches the detected type."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, ext = os.path.splitext(name)
    if ext.lower() not in file_type.extensions:
        stem, ext = (stem if ext else name), file_type.extensions[0]
    stem = stem.strip(" .")[:100] or _("佐证材料")
    return f"{stem}{ext.lower()}"


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _validate(files: Sequence[UploadedFile]) -> list[FileType]:
    """Every file checked before any is stored, so a batch is all or nothing."""
    if not files:
        raise ValidationError(_("请选择要上传的文件。"))
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise ValidationError(_("一次最多上传 {n} 个文件。").format(n=MAX_FILES_PER_UPLOAD))
    errors, types = [], []
    limit = settings.EVIDENCE_MAX_BYTES
    for upload in files:
        file_type = detect_type(upload) if upload.size <= limit else None
        if upload.size > limit:
            errors.append(_("“{name}”超过 {limit} 的大小限制。").format(name=upload.name, limit=filesizeformat(limit)))
        elif upload.size == 0:
            errors.append(_("“{name}”是空文件。").format(name=upload.name))
        elif file_type is None:
            errors.append(
                _("“{name}”的文件类型不受支持，仅可上传 PDF、图片、Word 和 Excel 文件。").format(name=upload.name)
            )
        types.append(file_type)
    if errors:
        raise ValidationError(errors)
    return types


@transaction.atomic
def evidence_add(*, measure: Measure, user, files: Sequence[UploadedFile], description: str = "") -> list[Evidence]:
    """Store the files as evidence of the measure. A done measure is reopened for sign-off."""
    current = lock_measure(measure)
    require(user, "add_evidence", current)
    types = _validate(files)
    stored: list[str] = []
    try:
        created = [
            _store(current, user, upload, file_type, description, stored)
            for upload, file_type in zip(files, types, strict=True)
        ]
        names = "、".join(e.original_name for e in created)
        with record_language():
            add_entry(current, user, ProgressEntry.Kind.EVIDENCE, _("上传佐证材料：{names}").format(names=names))
        save_measure(current, user, reopen_if_signed_off(current, user, gettext_lazy("佐证材料")))
    except BaseException:
        # The rows roll back with the transaction; the files must go by hand.
        for path in stored:
            default_storage.delete(path)
        raise
    return created


def _store(
    measure: Measure, user, upload: UploadedFile, file_type: FileType, description: str, stored: list[str]
) -> Evidence:
    evidence = Evidence(
        measure=measure,
        original_name=sanitise_name(upload.name or "", file_type),
        description=description.strip()[:300],
        content_type=file_type.content_type,
        size=upload.size,
        sha256=_sha256(upload),
        uploaded_by=user,
    )
    evidence.file.save(evidence.original_name, upload, save=False)
    stored.append(evidence.file.name)
    evidence._history_user = user
    evidence.save()
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, user) -> None:
    """Delete a file (its uploader or the secretary). A done measure is reopened."""
    current = lock_measure(evidence.measure)
    evidence = Evidence.objects.select_related("measure").get(pk=evidence.pk)
    require(user, "delete_evidence", evidence)
    path, name = evidence.file.name, evidence.original_name
    evidence._history_user = user
    evidence.delete()
    with record_language():
        add_entry(current, user, ProgressEntry.Kind.EVIDENCE, _("删除佐证材料：{name}").format(name=name))
    save_measure(current, user, reopen_if_signed_off(current, user, gettext_lazy("佐证材料")))
    # Only once the row is surely gone; a rolled-back delete keeps its file.
    transaction.on_commit(lambda: default_storage.delete(path))


# The checks and the checksum, for other uploads kept as evidence is (督办回复的附件, services/urging.py).
validate_uploads = _validate
upload_sha256 = _sha256
