"""Login protection: lock-out, password rules, idle timeout, logout on password change."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from . import factories as f

PASSWORD = "pw-Secret-123"  # factories.user's password
T0 = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def _is_logged_in(client: Client) -> bool:
    return client.get(reverse("rectification:home")).status_code == 200


@pytest.mark.django_db
def test_login_through_the_form_works(client):
    f.user(username="amy")
    response = _login(client, "amy")
    assert response.status_code == 302 and response["Location"] == reverse("rectification:home")


@pytest.mark.django_db
def test_lock_out_after_five_failures_with_a_chinese_message(client):
    f.user(username="amy")
    for _ in range(4):
        assert _login(client, "amy", "wrong").status_code == 200
    locked = _login(client, "amy", "wrong")
    assert locked.status_code == 429
    # Even the right password is refused while locked.
    locked = _login(client, "amy")
    assert locked.status_code == 429
    assert "账号已暂时锁定" in locked.content.decode()
    assert not _is_logged_in(client)


@pytest.mark.django_db
def test_lock_out_is_per_user_name_and_ends_after_the_cool_off(client):
    f.user(username="amy")
    f.user(username="bob")
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            _login(client, "amy", "wrong")
        assert _login(Client(), "bob").status_code == 302  # same address, other user: unaffected
        assert _login(client, "amy").status_code == 429
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        assert _login(client, "amy").status_code == 302


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(client):
    f.user(username="amy")
    for _ in range(4):
        _login(client, "amy", "wrong")
    assert _login(client, "amy").status_code == 302
    for _ in range(4):
        _login(Client(), "amy", "wrong")
    assert _login(Client(), "amy").status_code == 302


@pytest.mark.parametrize("password", ["Short-1a", "1234567890123", "password1234", "amyamyamy2025"])
def test_weak_passwords_are_refused(password):
    from django.contrib.auth.models import User

    with pytest.raises(ValidationError):
        validate_password(password, user=User(username="amyamyamy2025"))


def test_a_long_mixed_password_is_accepted():
    assert validate_password("Huafu-河边-2025!") is None


@pytest.mark.django_db
def test_session_ends_after_two_idle_hours(client):
    f.user(username="amy")
    with time_machine.travel(T0, tick=False):
        _login(client, "amy")
        assert _is_logged_in(client)
    with time_machine.travel(T0 + dt.timedelta(hours=2, minutes=1), tick=False):
        assert not _is_logged_in(client)


@pytest.mark.django_db
def test_activity_keeps_the_session_alive(client):
    f.user(username="amy")
    with time_machine.travel(T0, tick=False):
        _login(client, "amy")
    for hours in (1.5, 3, 4.5):  # each visit is within the idle limit of the previous one
        with time_machine.travel(T0 + dt.timedelta(hours=hours), tick=False):
            assert _is_logged_in(client)


def _session_writes(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("rectification:home")).status_code == 200
    return sum(1 for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"])


@pytest.mark.django_db
def test_renewal_writes_the_session_at_most_every_five_minutes(client):
    user = f.user(username="amy")
    with time_machine.travel(T0, tick=False):
        client.force_login(user)
    with time_machine.travel(T0 + dt.timedelta(minutes=4), tick=False):
        assert _session_writes(client) == 0  # the login stamped the session
    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        assert _session_writes(client) == 1
        assert _session_writes(client) == 0


@pytest.mark.django_db
def test_password_change_logs_out_the_other_sessions(client):
    f.user(username="amy")
    phone = Client()
    _login(client, "amy")
    _login(phone, "amy")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Huafu-河边-2025!", "new_password2": "Huafu-河边-2025!"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    assert _is_logged_in(client)
    assert not _is_logged_in(phone)
    assert _login(Client(), "amy", "Huafu-河边-2025!").status_code == 302


@pytest.mark.django_db
def test_password_change_refuses_a_short_password(client):
    f.user(username="amy")
    _login(client, "amy")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Ab-12345", "new_password2": "Ab-12345"},
    )
    assert response.status_code == 200
    assert "10" in response.content.decode()  # "至少包含 10 个字符"


@pytest.mark.django_db
def test_password_change_page_needs_a_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_an_absurdly_long_user_name_is_a_failed_login_not_an_error(client):
    f.user(username="amy")
    response = _login(client, "amy" + "长" * 5000, "wrong")
    assert response.status_code == 200
    for _ in range(4):
        _login(client, "amy" + "长" * 5000, "wrong")
    assert _login(client, "amy" + "长" * 5000).status_code == 429  # counted like any other name
    assert _login(Client(), "amy").status_code == 302
