"""Production smoke test: the production profile (DEBUG=0) served by gunicorn, with a Celery
worker and beat, against the machine's PostgreSQL (a throw-away database) and Redis (DB 7).

One login, one status change that notifies the secretary, the e-mail delivered end to end
(file-based mail backend: the worker writes it where the test can read it), a PostgreSQL
drill (every app connection killed; the app carries on without a restart), then a clean
shutdown of all three processes. Requests carry X-Forwarded-Proto like the TLS proxy's.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.worker]

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG = os.environ.get("SMOKE_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("SMOKE_REDIS", "redis://127.0.0.1:6379/7")
DEMO_PASSWORD = "Fuhua@2025"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _psql(sql: str, database: str = "postgres") -> str:
    import psycopg2

    conn = psycopg2.connect(f"{PG}/{database}")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return str(cursor.fetchall()) if cursor.description else ""
    finally:
        conn.close()


@dataclass
class Stack:
    tmp: Path
    env: dict[str, str]
    port: int
    database: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def manage(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, name: str, *argv: str) -> None:
        log = (self.tmp / f"{name}.log").open("w")
        self.processes[name] = subprocess.Popen(
            [str(VENV_BIN / argv[0]), *argv[1:]], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    try:
        _psql("SELECT 1")
    except Exception as exc:
        pytest.skip(f"no PostgreSQL at {PG}: {exc}")
    tmp = tmp_path_factory.mktemp("smoke")
    database = f"fuhua_smoke_{os.getpid()}"
    _psql(f"DROP DATABASE IF EXISTS {database}")
    _psql(f"CREATE DATABASE {database}")
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "!#%*-_=+") for _ in range(50))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_"))},
        "DJANGO_SETTINGS_MODULE": "fuhua.settings",
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{PG}/{database}?application_name=fuhua-smoke",
        "CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": REDIS,
        "VAR_DIR": str(tmp / "var"),
        "STATIC_ROOT": str(tmp / "static"),
        "EMAIL_URL": f"filemail:///{tmp / 'mail'}",
        "NOTIFY_EMAIL_ENABLED": "1",
        "DEMO_DATA_ALLOWED": "1",  # a throw-away database
        "OUTBOX_DRAIN_EVERY_SECONDS": "2",
        "LOG_LEVEL": "WARNING",
    }
    (tmp / "var").mkdir()
    s = Stack(tmp=tmp, env=env, port=_free_port(), database=database)
    _flush_redis()
    s.manage("migrate", "--no-input", "-v0")
    s.manage("collectstatic", "--no-input", "-v0")
    s.manage("load_demo")
    s.manage("shell", "--no-imports", "-c", "from django.contrib.auth.models import User; "
             "User.objects.filter(username='shuji').update(email='shuji@fuhua.example.cn')")  # fmt: skip
    s.start("gunicorn", "gunicorn", "fuhua.wsgi:application", "--bind", f"127.0.0.1:{s.port}", "--workers", "2",
            "--timeout", "60", "--graceful-timeout", "10")  # fmt: skip
    s.start("worker", "celery", "-A", "fuhua", "worker", "--loglevel", "INFO", "--concurrency", "1")
    s.start("beat", "celery", "-A", "fuhua", "beat", "--loglevel", "INFO", "--schedule", str(tmp / "beat-schedule"))
    try:
        _wait_until(lambda: _healthy(s.port), 60, "gunicorn did not answer /healthz")
        yield s
    finally:
        for proc in s.processes.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        _psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        _flush_redis()


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def _wait_until(check, seconds: float, message: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(message)


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/healthz")  # plain HTTP, as a load balancer probes
        return conn.getresponse().status == 200
    except OSError:
        return False


class Browser:
    """A minimal HTTPS-behind-a-proxy browser: keeps cookies (Secure ones too, since the
    proxy speaks TLS to the real browser) and sends the CSRF token back."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if data is not None:
            data = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **data}
            body = urlencode(data)
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _sep, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> tuple[int, dict, str]:
        return self.request("POST", path, data)


def _login(stack: Stack, username: str) -> Browser:
    browser = Browser(stack.port)
    status, _headers, _body = browser.get("/accounts/login/")
    assert status == 200 and "csrftoken" in browser.cookies
    status, headers, body = browser.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert status == 302, body[:500]
    return browser


def _a_measure_to_submit(stack: Stack) -> tuple[int, int]:
    """(pk, version) of a measure of gongzuo's that is in progress and has public progress."""
    out = stack.manage(
        "shell", "--no-imports", "-c",
        "import json; from rectification.models import Measure; "
        "m = Measure.objects.filter(owners__user__username='gongzuo', status='in_progress', kind='time_bound')"
        ".exclude(progress='').order_by('pk').first(); print(json.dumps([m.pk, m.version]))",
    )  # fmt: skip
    pk, version = json.loads(out.strip().splitlines()[-1])
    return pk, version


def _kill_app_connections(stack: Stack) -> int:
    rows = _psql(
        "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{stack.database}' AND application_name = 'fuhua-smoke'"
    )
    return rows.count("True")


def test_production_profile_is_served_securely(stack):
    browser = Browser(stack.port)
    conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=10)
    conn.request("GET", "/accounts/login/")  # plain HTTP, no proxy header
    plain = conn.getresponse()
    assert plain.status == 301 and plain.getheader("Location").startswith("https://")
    status, headers, body = browser.get("/accounts/login/")
    assert status == 200 and "登录" in body
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    status, headers, _body = browser.get("/static/css/app.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")  # WhiteNoise


def test_login_status_change_and_the_mail_goes_out(stack):
    staff = _login(stack, "gongzuo")
    status, _h, body = staff.get("/measures/")
    assert status == 200 and "整改" in body
    pk, version = _a_measure_to_submit(stack)

    killed = _kill_app_connections(stack)  # a database restart under the running app
    assert killed >= 1
    for _ in range(4):  # both gunicorn workers notice the dead connection and open a new one
        status, _h, _body = staff.get(f"/measures/{pk}/")
        assert status == 200

    status, headers, body = staff.post(
        f"/measures/{pk}/status/", {"version": version, "to_status": "awaiting_sign_off", "reason": ""}
    )
    assert status == 302, body[:500]
    mail_dir = stack.tmp / "mail"
    files = _wait_until(lambda: sorted(mail_dir.glob("*.log")) if mail_dir.exists() else [], 60, "no mail sent")
    message = files[0].read_text()
    assert "To: shuji@fuhua.example.cn" in message and "提请销号" in message  # an 8-bit UTF-8 body


def test_clean_shutdown(stack):
    for name in ("gunicorn", "worker", "beat"):
        proc = stack.processes[name]
        assert proc.poll() is None, f"{name} died early:\n{stack.log(name)[-2000:]}"
        proc.send_signal(signal.SIGTERM)
    for name in ("gunicorn", "worker", "beat"):
        code = stack.processes[name].wait(60)
        assert code == 0, f"{name} exited with {code}:\n{stack.log(name)[-2000:]}"
    assert not re.search(r"Traceback|CRITICAL", stack.log("gunicorn")), stack.log("gunicorn")[-2000:]
