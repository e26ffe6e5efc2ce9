"""The production profile: `check --deploy` is silent, every response carries the headers."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL")}
    base.update(DJANGO_SETTINGS_MODULE="fuhua.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def _secret() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*-_=+") for _ in range(50))


def test_check_deploy_reports_nothing_in_production(tmp_path):
    done = _manage(
        "check", "--deploy", "--fail-level", "DEBUG", DEBUG="0", SECRET_KEY=_secret(), ALLOWED_HOSTS="x",
        VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout + done.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    done = _manage("check", DEBUG="0", ALLOWED_HOSTS="x", VAR_DIR=str(tmp_path))
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_headers_are_on_error_pages_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_production_defaults(tmp_path):
    """The values `check --deploy` does not look at, checked against the production profile."""
    done = _manage(
        "shell", "--no-imports", "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_AGE, s.X_FRAME_OPTIONS)",
        DEBUG="0", SECRET_KEY=_secret(), ALLOWED_HOSTS="x", VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert done.stdout.split() == ["('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "True", "7200", "DENY"]


TEMPLATE_DIRS = [ROOT / "templates", ROOT / "rectification" / "templates"]
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_no_template_has_inline_scripts_or_event_handlers():
    """The CSP allows scripts from our static files only: an inline <script>, an on…=
    attribute or a javascript: URL would be dead code in the browser."""
    found = []
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*.html")) if directory.exists() else []:
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JS_URL):
                found += [f"{path.relative_to(ROOT)}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    assert not found, "\n".join(found)


def test_the_demo_accounts_cannot_be_loaded_in_production(tmp_path):
    done = _manage("load_demo", DEBUG="0", SECRET_KEY=_secret(), ALLOWED_HOSTS="x", VAR_DIR=str(tmp_path))
    assert done.returncode != 0 and "DEMO_DATA_ALLOWED" in done.stderr
