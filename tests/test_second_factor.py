"""The second factor (TOTP with recovery codes), the periodic password change, and a lock-out
that an attacker cannot stretch for ever — each tried as the person (or the attacker) would,
through the login form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from rectification.models import AuditEvent, Membership, PasswordRecord

from . import factories as f

PASSWORD = "pw-Secret-123"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _login(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def _pages(personas) -> list[str]:
    return [
        reverse("rectification:home"),
        reverse("rectification:measure_list"),
        reverse("rectification:dashboard"),
        reverse("rectification:notifications"),
        reverse("rectification:audit_list"),
        reverse("password_change"),
        "/admin/",
    ]


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def _current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


@pytest.mark.django_db
def test_a_secretary_required_to_use_totp_reaches_no_page_before_the_second_step(client, settings, personas):
    settings.OTP_REQUIRED_FOR = ["secretary"]
    # django-otp makes a device wait after a wrong code (1 s, doubling); this test types
    # its codes faster than that. test_wrong_codes_are_throttled keeps the throttle honest.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    assert _login(client, "secretary_a").status_code == 302
    for url in _pages(personas):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("otp_verify"), url
    # Not enrolled yet: the second step is the enrolment.
    assert client.get(reverse("otp_verify"))["Location"] == reverse("otp_setup")
    setup = client.get(reverse("otp_setup"))
    assert setup.status_code == 200 and "<svg" in setup.content.decode()
    assert client.post(reverse("otp_setup"), {"token": "000000"}).status_code == 200  # a wrong code: still pending
    assert client.get(reverse("rectification:home")).status_code == 302
    done = client.post(reverse("otp_setup"), {"token": _code(personas.secretary_a)})
    codes = re.findall(r"<code>([a-z0-9]+)</code>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("rectification:home")).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.OTP_ENROLLED, actor_id=personas.secretary_a.pk).exists()

    # Next login: a recovery code works once.
    for attempt, expected in ((codes[0], 302), (codes[0], 200)):
        client.logout()
        _login(client, "secretary_a")
        assert client.get(reverse("rectification:home"))["Location"] == reverse("otp_verify")
        response = client.post(reverse("otp_verify"), {"token": attempt})
        assert response.status_code == expected
    assert "验证码不正确" in response.content.decode()
    assert client.get(reverse("rectification:home")).status_code == 302
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.OTP_FAILED).exists()
    # The authenticator's own code, in a later 30-second step (the enrolment's code is used up).
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=35), tick=False):
        assert client.post(reverse("otp_verify"), {"token": _current_code(personas.secretary_a)}).status_code == 302
        assert client.get(reverse("rectification:home")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token", ["", " " * 20, "1" * 500, "\x00\x01123456", "<script>1</script>", "' OR 1=1 --", "１２３４５６"]
)
def test_hostile_codes_are_refused(client, settings, personas, token):
    settings.OTP_REQUIRED_FOR = ["secretary"]
    from rectification.services import two_factor

    two_factor.otp_enrolment_start(user=personas.secretary_a)
    two_factor.otp_enrolment_confirm(user=personas.secretary_a, token=_code(personas.secretary_a))
    _login(client, "secretary_a")
    assert client.post(reverse("otp_verify"), {"token": token}).status_code == 200
    assert client.get(reverse("rectification:home"))["Location"] == reverse("otp_verify")


@pytest.mark.django_db
def test_wrong_codes_are_throttled(settings, personas):
    from rectification.services import two_factor

    user = personas.secretary_a
    with time_machine.travel(T0, tick=False):
        device = two_factor.otp_enrolment_start(user=user)
        assert two_factor.otp_enrolment_confirm(user=user, token=_code(user)) is not None
        assert two_factor.otp_check(user=user, token="000000") is None
        # Right away, even the right code waits for the throttle.
        device.refresh_from_db()
        assert two_factor.otp_check(user=user, token=_current_code(user)) is None
    with time_machine.travel(T0 + dt.timedelta(seconds=30), tick=False):
        assert two_factor.otp_check(user=user, token=_current_code(user)) == "totp"


@pytest.mark.django_db
def test_roles_not_named_log_in_with_the_password_alone(client, settings, personas):
    settings.OTP_REQUIRED_FOR = ["secretary", "admin"]
    _login(client, "staff_a")
    assert client.get(reverse("rectification:home")).status_code == 200


@pytest.mark.django_db
def test_an_expired_password_must_be_changed_before_anything_else(client, settings, personas):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(T0, tick=False):
        PasswordRecord.objects.filter(user=personas.staff_a).delete()
        PasswordRecord.objects.create(user=personas.staff_a, password=personas.staff_a.password)
    with time_machine.travel(T0 + dt.timedelta(days=89), tick=False):
        _login(client, "staff_a")
        assert client.get(reverse("rectification:home")).status_code == 200
        client.logout()
    with time_machine.travel(T0 + dt.timedelta(days=91), tick=False):
        _login(client, "staff_a")
        for url in _pages(personas):
            if url != reverse("password_change"):
                assert client.get(url)["Location"] == reverse("password_change"), url
        page = client.get(reverse("password_change"))
        assert "密码已过期" in page.content.decode()
        # The same password again is refused (history), a new one frees the account.
        same = {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}
        assert client.post(reverse("password_change"), same).status_code == 200
        new = "Anders-Wort-2026"
        changed = client.post(
            reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )
        assert changed.status_code == 302
        assert client.get(reverse("rectification:home")).status_code == 200


@pytest.mark.parametrize("password", ["alllowercase-words", "ALLUPPER12345", "lowerand12345"])
def test_passwords_need_three_character_classes(password):
    with pytest.raises(ValidationError, match="至少 3 类"):
        validate_password(password)


@pytest.mark.django_db
def test_none_of_the_last_five_passwords_comes_back():
    amy = f.user(username="amy")
    passwords = [f"Passwort-Nummer-{n}" for n in range(6)]
    for password in passwords:
        amy.set_password(password)
        amy.save()
    for recent in passwords[1:]:
        with pytest.raises(ValidationError):
            validate_password(recent, amy)
    validate_password(passwords[0], amy)  # the sixth back may return


@pytest.mark.django_db
def test_wrong_passwords_during_a_lock_out_do_not_keep_the_owner_out(personas):
    """The attack of issue 26: one wrong password every ~14 minutes used to restart the
    15-minute lock for ever. Now the lock ends when it said, and the owner gets in."""
    attacker, owner = Client(REMOTE_ADDR="10.9.9.9"), Client(REMOTE_ADDR="10.1.1.1")
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            _login(attacker, "staff_a", "wrong")
        locked = _login(owner, "staff_a")
        assert locked.status_code == 429
        assert "锁定将于 2026-03-02 17:15 解除" in locked.content.decode()  # Asia/Shanghai
    for minutes in (7, 14):
        with time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False):
            assert _login(attacker, "staff_a", "wrong").status_code == 429
            assert _login(owner, "staff_a").status_code == 429
    with time_machine.travel(T0 + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert _login(owner, "staff_a").status_code == 302
        assert owner.get(reverse("rectification:home")).status_code == 200
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOCKED_OUT).count() >= 3
    assert Membership.objects.filter(user=personas.staff_a).exists()
