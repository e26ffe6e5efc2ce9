"""Evidence hardening, the hostile cases (the everyday ones are in test_evidence.py):
no route to the private directory, polyglot files, header-injecting names, oversized
requests, open redirects through ``next``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectification import services
from rectification.models import Evidence

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"
EVIL = ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)")


def _upload(measure, user, name: str, content: bytes) -> Evidence:
    (evidence,) = services.evidence_add(measure=measure, user=user, files=[SimpleUploadedFile(name, content)])
    return evidence


def test_private_directory_is_outside_everything_served():
    """With the production defaults, evidence is under none of the static directories."""
    code = (
        "from django.conf import settings as s; "
        "print(s.PRIVATE_MEDIA_ROOT); print(s.STATIC_ROOT); print(*s.STATICFILES_DIRS, sep='\\n')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fuhua.settings", "DEBUG": "0", "SECRET_KEY": "x" * 50}
    env.pop("PRIVATE_MEDIA_ROOT", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    private, *served = (Path(line).resolve() for line in done.stdout.split())
    assert served, done.stderr
    for directory in served:
        assert not private.is_relative_to(directory) and not directory.is_relative_to(private)


@pytest.mark.django_db
def test_no_url_reaches_a_stored_file(client, personas, measure_a):
    evidence = _upload(measure_a, personas.staff_a, "照片.png", PNG)
    client.force_login(personas.secretary_a)
    name = evidence.file.name
    for url in (f"/evidence-not-public/{name}", f"/media/{name}", f"/static/{name}", f"/private/{name}", f"/{name}"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/static/../private/{name}").status_code == 404


@pytest.mark.django_db
def test_a_pdf_html_polyglot_is_served_as_pdf_with_scripts_blocked(client, personas, measure_a):
    evidence = _upload(measure_a, personas.staff_a, "纪要.html", POLYGLOT)
    assert evidence.content_type == "application/pdf" and evidence.original_name == "纪要.pdf"
    client.force_login(personas.staff_a)
    response = client.get(reverse("rectification:evidence_download", args=[evidence.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp  # no script source at all


@pytest.mark.django_db
def test_header_injecting_and_spoofing_names_are_neutralised(client, personas, measure_a):
    hostile = 'a"\r\nSet-Cookie: sessionid=x;\u202egnp.exe'
    evidence = _upload(measure_a, personas.staff_a, hostile, PNG)
    assert not any(ch in evidence.original_name for ch in '"\r\n\u202e/\\')
    assert evidence.original_name.endswith(".png")
    client.force_login(personas.staff_a)
    response = client.get(reverse("rectification:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"] and "\r" not in response["Content-Disposition"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_an_oversized_upload_request_is_refused_before_it_is_read(client, personas, measure_a, settings):
    settings.MAX_UPLOAD_REQUEST_BYTES = 4096
    client.force_login(personas.staff_a)
    big = SimpleUploadedFile("大.png", PNG + b"\x00" * 8192)
    response = client.post(
        reverse("rectification:evidence_upload", args=[measure_a.pk]), {"files": big, "version": measure_a.version}
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


@pytest.mark.django_db
def test_uploads_within_the_request_limit_still_work(client, personas, measure_a, settings):
    settings.MAX_UPLOAD_REQUEST_BYTES = 64 * 1024
    client.force_login(personas.staff_a)
    response = client.post(
        reverse("rectification:evidence_upload", args=[measure_a.pk]),
        {"files": SimpleUploadedFile("照片.png", PNG), "version": measure_a.version},
    )
    assert response.status_code == 302
    assert Evidence.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("target", EVIL)
def test_next_never_leads_off_site(client, personas, measure_a, target):
    """Every view that follows a ``next`` parameter stays on this site."""
    client.force_login(personas.staff_a)
    posts = [
        (
            reverse("rectification:measure_progress", args=[measure_a.pk]),
            {"version": 1, "note": "进展", "next": target},
        ),
        (reverse("rectification:notifications_mark_read"), {"next": target}),
        (reverse("set_language"), {"language": "zh-hans", "next": target}),
        (reverse("login"), {"username": "staff_a", "password": "pw-Secret-123", "next": target}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        location = response.get("Location", "")
        assert not location.startswith(EVIL) and "evil.example" not in location, (url, location)
