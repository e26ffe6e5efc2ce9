"""The second factor (TOTP, django-otp): enrolment with recovery codes, and the check at login.

A person enrols once: an authenticator app scans the secret (a QR code), the first code it
shows confirms the device, and ten one-time recovery codes are shown once, for the day the
phone is lost. At each login that needs the second step, a code from the app or one recovery
code (used up by it) passes; every failure is in the audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import Kind, audit_record

DEVICE_NAME = "authenticator"
RECOVERY_NAME = "recovery"


def otp_enrolled(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def otp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed device being enrolled (the same one until confirmed, so a reload
    keeps the QR code the person may already have scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


@transaction.atomic
def otp_enrolment_confirm(*, user, token: str) -> list[str] | None:
    """Confirm the pending device with its first code; returns the new recovery codes (the
    old ones, and any earlier device, no longer count), or None for a wrong code."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        audit_record(Kind.OTP_FAILED, actor=user, detail="enrolment")
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
    audit_record(Kind.OTP_ENROLLED, actor=user, target=user)
    return codes


@transaction.atomic
def otp_check(*, user, token: str) -> str | None:
    """ "totp" or "recovery" when the token passes (a recovery code is used up), None otherwise."""
    token = token.strip().replace(" ", "")
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            return "totp"
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            return "recovery"
    audit_record(Kind.OTP_FAILED, actor=user)
    return None
