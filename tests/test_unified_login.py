"""Unified login (统一身份认证) through a real OpenID Connect provider started on 127.0.0.1
(tests/oidc_provider: django-oauth-toolkit in a subprocess), and local login kept for
administrators only. The browser tests log a person in through the provider in Chromium."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.urls import reverse

from rectification.models import AdministratorRole, AuditEvent, Membership, Profile

from . import factories as f
from .helpers.browser import artifacts, chromium, new_page

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "pw-Secret-123"
PROVIDER_PASSWORD = "Provider-Pass-1"
PEOPLE = [
    {"username": "zhao.min", "password": PROVIDER_PASSWORD, "employee_number": "FT-1001", "name": "赵敏"},
    {"username": "stranger", "password": PROVIDER_PASSWORD, "employee_number": "FT-9999", "name": "陌生人"},
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Provider:
    """The test provider's process; ``url`` is its issuer base (…/o)."""

    def __init__(self, tmp: Path, redirect_uri: str) -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        self.port = _free_port()
        self.client_id, self.client_secret = "fuhua-app", secrets.token_urlsafe(24)
        env = {**os.environ, "PROVIDER_DB": str(tmp / "provider.sqlite3"), "PROVIDER_RSA_KEY": pem}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.pop("DATABASE_URL", None)
        args = [str(self.port), redirect_uri, self.client_id, self.client_secret, json.dumps(PEOPLE)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=open(tmp / "provider.log", "w"),
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"the test provider did not start: {(tmp / 'provider.log').read_text()[-2000:]}")
        self.url = f"http://127.0.0.1:{self.port}/o"
        _wait_for_port(self.port)

    def configure(self, settings) -> None:
        settings.OIDC_ENABLED = True
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, settings.UNIFIED_LOGIN_BACKEND]
        settings.OIDC_RP_CLIENT_ID = self.client_id
        settings.OIDC_RP_CLIENT_SECRET = self.client_secret
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{self.url}/authorize/"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{self.url}/token/"
        settings.OIDC_OP_USER_ENDPOINT = f"{self.url}/userinfo/"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{self.url}/.well-known/jwks.json"
        settings.OIDC_MATCH_CLAIM = settings.OIDC_MATCH_FIELD = "employee_number"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _wait_for_port(port: int) -> None:
    import time

    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture
def provider(live_server, tmp_path, settings):
    running = Provider(tmp_path, live_server.url + "/oidc/callback/")
    running.configure(settings)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _person(tree):
    user = f.user(username="gongzuo", organisation=tree.a, role=Membership.Role.STAFF, name="赵敏")
    Profile.objects.create(user=user, employee_number="FT-1001", mobile="13800000001")
    return user


def _through_provider(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.click("a.oidc-login")
    page.wait_for_url(re.compile(r"http://127\.0\.0\.1:\d+/accounts/login/.*"))
    page.fill("#provider-username", username)
    page.fill("#provider-password", PROVIDER_PASSWORD)
    page.click("#provider-login")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_logs_in_through_the_provider_and_an_unknown_one_is_refused(browser, live_server, provider, tree):
    person = _person(tree)
    shots = artifacts("unified-login")
    page = new_page(browser, {"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("login"))
    page.screenshot(path=str(shots / "login-with-unified.png"))
    _through_provider(page, live_server, "zhao.min")
    page.wait_for_url(live_server.url + "/")
    assert "赵敏" in page.inner_text(".userbox")
    page.screenshot(path=str(shots / "logged-in.png"))
    login = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert login.actor_id == person.pk and login.detail == "UnifiedLoginBackend"
    # No role came with the login: the person holds exactly the membership they had.
    assert list(person.memberships.values_list("role", flat=True)) == [Membership.Role.STAFF]

    page.context.clear_cookies()
    _through_provider(page, live_server, "stranger")
    page.wait_for_url(re.compile(r".*/accounts/login/unified-refused/$"))
    assert "没有与您的身份对应的账号" in page.inner_text("main")
    page.screenshot(path=str(shots / "unknown-refused.png"))
    refused = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert refused.actor_name == "FT-9999" and refused.detail == "unified login: unknown"
    assert not Profile.objects.filter(employee_number="FT-9999").exists()


def _local_login(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


@pytest.mark.django_db
def test_local_login_switched_off_refuses_staff_and_admits_administrators(client, settings, tree):
    settings.LOCAL_LOGIN = "administrators"
    f.user(username="staff", organisation=tree.a, role=Membership.Role.STAFF)
    refused = _local_login(client, "staff")
    assert refused.status_code == 200 and "本地密码登录仅限管理员" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    superuser = f.user(username="root")
    superuser.is_superuser = True
    superuser.save()
    auditor = f.user(username="auditor")
    AdministratorRole.objects.create(user=auditor, role=AdministratorRole.Role.AUDITOR)
    for name in ("root", "auditor"):
        client.logout()
        assert _local_login(client, name).status_code == 302, name


@pytest.mark.django_db
def test_matching_takes_the_configured_field_and_never_creates_an_account(settings, tree, rf):
    from rectification.oidc import REFUSAL_KEY, UnifiedLoginBackend

    person = _person(tree)
    settings.OIDC_MATCH_CLAIM, settings.OIDC_MATCH_FIELD = "phone_number", "mobile"
    backend = UnifiedLoginBackend()
    request = rf.get("/oidc/callback/")
    request.session = {}
    backend.request = request
    assert backend.user_for_claims({"phone_number": "13800000001"}) == person
    users = person.__class__.objects.count()
    assert backend.user_for_claims({"phone_number": "13900000000"}) is None
    assert request.session[REFUSAL_KEY] == "unknown"
    assert backend.user_for_claims({"employee_number": "FT-1001"}) is None  # not the configured claim
    assert request.session[REFUSAL_KEY] == "no_claim"
    person.is_active = False
    person.save()
    assert backend.user_for_claims({"phone_number": "13800000001"}) is None
    assert request.session[REFUSAL_KEY] == "inactive"
    assert person.__class__.objects.count() == users
