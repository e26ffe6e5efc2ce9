"""Evidence uploads: accepted and refused types (decided from the content), size limit,
sanitised names, private storage, permission-checked downloads, deletes."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectification import services
from rectification.models import Evidence, ProgressEntry
from rectification.services.evidence import PDF, detect_type, sanitise_name

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
GIF_BYTES = b"GIF89a" + b"\x00" * 20
WEBP_BYTES = b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 20
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500


def _docx() -> bytes:
    import docx

    buf = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("会议纪要")
    document.save(buf)
    return buf.getvalue()


def _xlsx() -> bytes:
    import openpyxl

    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active["A1"] = "台账"
    wb.save(buf)
    return buf.getvalue()


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "x")
    return buf.getvalue()


def _file(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


ACCEPTED = [
    ("纪要.pdf", PDF_BYTES, "application/pdf"),
    ("现场.png", PNG_BYTES, "image/png"),
    ("现场.jpg", JPEG_BYTES, "image/jpeg"),
    ("动图.gif", GIF_BYTES, "image/gif"),
    ("照片.webp", WEBP_BYTES, "image/webp"),
    ("方案.docx", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("台账.xlsx", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("旧方案.doc", OLE + "WordDocument".encode("utf-16-le"), "application/msword"),
    ("旧台账.xls", OLE + "Workbook".encode("utf-16-le"), "application/vnd.ms-excel"),
]

REFUSED = [
    ("renamed exe", "报告.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
    ("ELF binary", "photo.jpg", b"\x7fELF\x02\x01\x01" + b"\x00" * 100),
    ("renamed html", "纪要.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("html with bom", "纪要.docx", b"\xef\xbb\xbf<html><body>x</body></html>"),
    (
        "svg image",
        "图.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    ),
    ("macro docm as docx", "方案.docx", _zip(["[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"])),
    ("plain zip as xlsx", "台账.xlsx", _zip(["a.txt"])),
    ("ole without doc/xls stream", "旧.doc", OLE),
    ("text file", "说明.txt", "普通文本".encode()),
]


def _content(spec):
    return {"docx": _docx, "xlsx": _xlsx}[spec]() if isinstance(spec, str) else spec


@pytest.mark.django_db
@pytest.mark.parametrize("name, spec, content_type", ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_types(personas, measure_a, name, spec, content_type):
    content = _content(spec)
    ev = services.evidence_add(measure=measure_a, user=personas.staff_a, files=[_file(name, content)])[0]
    assert ev.content_type == content_type and ev.original_name == name
    assert ev.sha256 == hashlib.sha256(content).hexdigest() and ev.size == len(content)
    # Stored under a random name in the private storage, with the same bytes.
    assert ev.file.name.startswith("evidence/") and name not in ev.file.name
    with default_storage.open(ev.file.name, "rb") as fh:
        assert fh.read() == content


@pytest.mark.django_db
@pytest.mark.parametrize("why, name, content", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_types(personas, measure_a, why, name, content):
    with pytest.raises(ValidationError, match="不受支持"):
        services.evidence_add(measure=measure_a, user=personas.staff_a, files=[_file(name, content, "application/pdf")])
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_too_large_and_empty_refused(personas, measure_a, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    big = _file("大文件.pdf", b"%PDF-1.4\n" + b"0" * 1100)
    with pytest.raises(ValidationError, match="大小限制"):
        services.evidence_add(measure=measure_a, user=personas.staff_a, files=[big])
    with pytest.raises(ValidationError, match="空文件"):
        services.evidence_add(measure=measure_a, user=personas.staff_a, files=[_file("空.pdf", b"")])
    exactly = _file("刚好.pdf", b"%PDF-1.4\n" + b"0" * (1024 - 9))
    assert services.evidence_add(measure=measure_a, user=personas.staff_a, files=[exactly])


@pytest.mark.django_db
def test_a_batch_is_all_or_nothing(personas, measure_a, tmp_path):
    files = [_file("好.pdf", PDF_BYTES), _file("坏.pdf", b"MZ" + b"\x00" * 50)]
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(measure=measure_a, user=personas.staff_a, files=files)
    assert any("坏.pdf" in m for m in caught.value.messages)
    assert not Evidence.objects.exists()
    measure_a.refresh_from_db()
    assert measure_a.version == 1


@pytest.mark.django_db
def test_several_files_at_once(personas, measure_a):
    files = [_file("一.pdf", PDF_BYTES), _file("二.png", PNG_BYTES), _file("三.jpg", JPEG_BYTES)]
    created = services.evidence_add(measure=measure_a, user=personas.staff_a, files=files, description="现场照片")
    assert [e.original_name for e in created] == ["一.pdf", "二.png", "三.jpg"]
    measure_a.refresh_from_db()
    assert measure_a.version == 2  # one write for the batch
    entry = measure_a.entries.get(kind=ProgressEntry.Kind.EVIDENCE)
    assert "一.pdf、二.png、三.jpg" in entry.text
    assert Evidence.history.filter(measure_id=measure_a.pk, history_type="+").count() == 3


@pytest.mark.parametrize(
    "given, expected",
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张\\报告.PDF", "报告.pdf"),
        ("报告\x00\x1f.exe", "报告.pdf"),  # control characters gone, the extension follows the content
        ("无扩展名", "无扩展名.pdf"),
        ('a<b>:"c|?*.pdf', "a_b___c___.pdf"),
        ("...", "佐证材料.pdf"),
        ("长" * 300 + ".pdf", "长" * 100 + ".pdf"),
    ],
)
def test_sanitised_names(given, expected):
    assert sanitise_name(given, PDF) == expected


def test_type_is_from_content_not_name():
    assert detect_type(_file("x.exe", PDF_BYTES)) is PDF
    assert detect_type(_file("x.pdf", b"<html>")) is None


# ---------------------------------------------------------------- views


@pytest.fixture
def uploaded(personas, measure_a):
    return {
        "pdf": services.evidence_add(measure=measure_a, user=personas.staff_a, files=[_file("纪要.pdf", PDF_BYTES)])[0],
        "docx": services.evidence_add(measure=measure_a, user=personas.staff_a, files=[_file("方案.docx", _docx())])[0],
    }


@pytest.mark.django_db
def test_download_headers(client, personas, uploaded):
    client.force_login(personas.staff_a)
    r = client.get(reverse("rectification:evidence_download", args=[uploaded["pdf"].pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF_BYTES
    assert r["Content-Type"] == "application/pdf" and r["X-Content-Type-Options"] == "nosniff"
    assert (
        r["Content-Disposition"].startswith("inline")
        and "filename*=utf-8''%E7%BA%AA%E8%A6%81.pdf" in r["Content-Disposition"]
    )
    r = client.get(reverse("rectification:evidence_download", args=[uploaded["docx"].pk]))
    assert r["Content-Disposition"].startswith("attachment") and r["X-Content-Type-Options"] == "nosniff"
    assert "private" in r["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("supervisor", 200), ("member_a", 200), ("staff_b", 404), (None, 302)])
def test_download_permission(client, personas, uploaded, who, status):
    if who:
        client.force_login(getattr(personas, who))
    r = client.get(reverse("rectification:evidence_download", args=[uploaded["pdf"].pk]))
    assert r.status_code == status
    if who is None:
        assert reverse("login") in r["Location"]


@pytest.mark.django_db
def test_no_public_url_for_files(client, personas, uploaded):
    # The storage's base URL is not routed: the only way to a file is the download view.
    client.force_login(personas.secretary_a)
    assert client.get("/evidence-not-public/" + uploaded["pdf"].file.name).status_code == 404


@pytest.mark.django_db
def test_upload_view_several_files(client, personas, measure_a):
    client.force_login(personas.staff_a)
    r = client.post(
        reverse("rectification:evidence_upload", args=[measure_a.pk]),
        {"files": [_file("一.pdf", PDF_BYTES), _file("二.png", PNG_BYTES)], "description": "会议"},
    )
    assert r.status_code == 302
    assert sorted(measure_a.evidence.values_list("original_name", flat=True)) == ["一.pdf", "二.png"]


@pytest.mark.django_db
def test_upload_view_refuses_with_a_message(client, personas, measure_a):
    client.force_login(personas.staff_a)
    r = client.post(
        reverse("rectification:evidence_upload", args=[measure_a.pk]),
        {"files": [_file("木马.pdf", b"MZ" + b"\x00" * 64)]},
    )
    assert r.status_code == 400 and "不受支持" in r.content.decode()
    assert not measure_a.evidence.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who, status", [("supervisor", 403), ("staff_b", 404), ("member_a", 302)])
def test_upload_view_permission(client, personas, measure_a, who, status):
    client.force_login(getattr(personas, who))
    r = client.post(
        reverse("rectification:evidence_upload", args=[measure_a.pk]), {"files": [_file("a.pdf", PDF_BYTES)]}
    )
    assert r.status_code == status


@pytest.mark.django_db
def test_delete_by_uploader_removes_the_file(client, personas, uploaded, django_capture_on_commit_callbacks):
    ev = uploaded["pdf"]
    path = ev.file.name
    client.force_login(personas.member_a)  # leader, but not the uploader
    assert client.post(reverse("rectification:evidence_delete", args=[ev.pk])).status_code == 403
    client.force_login(personas.staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("rectification:evidence_delete", args=[ev.pk])).status_code == 302
    assert not Evidence.objects.filter(pk=ev.pk).exists() and not default_storage.exists(path)
    assert Evidence.history.filter(id=ev.pk, history_type="-").get().history_user == personas.staff_a


@pytest.mark.django_db
def test_delete_by_secretary_and_refusals(personas, uploaded):
    with pytest.raises(PermissionDenied):
        services.evidence_delete(evidence=uploaded["pdf"], user=personas.supervisor)
    services.evidence_delete(evidence=uploaded["pdf"], user=personas.secretary_a)
    assert not Evidence.objects.filter(pk=uploaded["pdf"].pk).exists()
