"""The second factor of officers and administrators, on django-otp (ADR 0016).

A TOTP authenticator (RFC 6238) and ten single-use recovery codes are two django-otp devices of
the user; ``django_otp.verify_token`` checks a code under a row lock (two requests cannot both use
one code), the session is marked verified by ``django_otp.login`` and read back by
``OTPMiddleware``. Every attempt (verified, refused, throttled) is audited.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import django_otp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.oath import hotp

from cecert.accounts.models import (
    AuthenticatorDevice,
    RecoveryCodeDevice,
    RecoveryToken,
    User,
    normalise_recovery_code,
    recovery_code_digest,
)
from cecert.audit.domain import record
from cecert.core.crypto import encrypt_text

if TYPE_CHECKING:
    from django.http import HttpRequest

RECOVERY_CODE_COUNT = 10
# 31 letters and digits without look-alikes (0/o, 1/l/i): 12 of them are ~59 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 12
AUTHENTICATOR_NAME = "身份验证器"


def new_secret() -> str:
    """A 160-bit key (RFC 4226's recommended length), base32 as authenticator apps take it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def authenticator(user: User, *, confirmed: bool = True) -> AuthenticatorDevice | None:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def is_enrolled(user: User) -> bool:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def enrol_device(user: User, secret: str | None = None, *, confirmed: bool = False) -> AuthenticatorDevice:
    """A new authenticator for ``user`` (unconfirmed until a first code is entered), replacing unconfirmed ones."""
    with transaction.atomic():
        AuthenticatorDevice.objects.filter(user=user, confirmed=False).delete()
        if confirmed:
            AuthenticatorDevice.objects.filter(user=user).delete()
        return AuthenticatorDevice.objects.create(
            user=user,
            name=AUTHENTICATOR_NAME,
            confirmed=confirmed,
            key_encrypted=encrypt_text(secret or new_secret()),
        )


def provisioning_uri(device: AuthenticatorDevice) -> str:
    """The ``otpauth://`` URI for the QR code (Key URI Format, as django-otp's ``TOTPDevice.config_url``)."""
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "")).replace(":", "")
    label = f"{issuer}:{device.user.get_username()}" if issuer else device.user.get_username()
    params = urlencode({"secret": device.secret, "algorithm": "SHA1", "digits": device.digits, "period": device.step})
    if issuer:
        params += "&issuer=" + quote(issuer)
    return f"otpauth://totp/{quote(label)}?{params}"


def confirm_enrolment(
    user: User, device: AuthenticatorDevice, code: str, request: HttpRequest | None = None
) -> list[str] | None:
    """Confirm with a first code; returns the recovery codes to show once, or None if the code is refused."""
    verified = django_otp.verify_token(user, device.persistent_id, code.strip())
    if verified is None:
        record("second_factor.enrol_failed", actor=user, request=request)
        return None
    with transaction.atomic():
        verified.confirmed = True
        verified.save(update_fields=["confirmed"])
        AuthenticatorDevice.objects.filter(user=user).exclude(pk=verified.pk).delete()
        record("second_factor.enrol", actor=user, request=request)
        codes = issue_recovery_codes(user, request=request)
    if request is not None:
        django_otp.login(request, verified)
    return codes


def issue_recovery_codes(user: User, request: HttpRequest | None = None) -> list[str]:
    """Ten new single-use codes (the old ones stop working); only their keyed digests are stored."""
    raw = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH)) for _ in range(10)]
    with transaction.atomic():
        RecoveryCodeDevice.objects.filter(user=user).delete()
        device = RecoveryCodeDevice.objects.create(user=user, name="恢复码")
        RecoveryToken.objects.bulk_create([RecoveryToken(device=device, digest=recovery_code_digest(c)) for c in raw])
        record("second_factor.recovery_codes_issued", actor=user, request=request)
    return ["-".join(c[i : i + 4] for i in range(0, RECOVERY_CODE_LENGTH, 4)) for c in raw]


def recovery_codes_left(user: User) -> int:
    return RecoveryToken.objects.filter(device__user=user, device__confirmed=True, used_at__isnull=True).count()


def throttled_until(user: User) -> dt.datetime | None:
    """Until when the user's second factor refuses every code (the latest of its devices), or None."""
    until = None
    for device in django_otp.devices_for_user(user):
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            until = max(until, info["locked_until"]) if until else info["locked_until"]
    return until


@dataclass(frozen=True)
class Attempt:
    device: Device | None  # the device that accepted the code
    method: str  # "totp" or "recovery_code"
    retry_at: dt.datetime | None  # when throttled: the earliest time another code is looked at


def verify(user: User, code: str, request: HttpRequest | None = None) -> Attempt:
    """Check a code: six digits against the authenticator, anything else against the recovery codes.

    While any device of the user is throttled no code is looked at, so alternating between the two
    kinds gains an attacker nothing.
    """
    token = "".join(code.split())
    as_totp = token.isdigit() and len(token) <= 8
    method = "totp" if as_totp else "recovery_code"
    retry_at = throttled_until(user)
    if retry_at is not None:
        record("login.second_factor_throttled", actor=user, request=request, after={"method": method})
        return Attempt(None, method, retry_at)
    device: Device | None = (
        authenticator(user)
        if as_totp
        else RecoveryCodeDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    )
    if not as_totp:
        token = normalise_recovery_code(token)
    verified = django_otp.verify_token(user, device.persistent_id, token) if device is not None else None
    if verified is None:
        record("login.second_factor_failed", actor=user, request=request, after={"method": method})
        return Attempt(None, method, throttled_until(user))
    after: dict[str, object] = {"method": method}
    if method == "recovery_code":
        after["recovery_codes_left"] = recovery_codes_left(user)
    record("login.second_factor", actor=user, request=request, after=after)
    if request is not None:
        django_otp.login(request, verified)
    return Attempt(verified, method, None)


def next_code(device: AuthenticatorDevice) -> str | None:
    """The code ``device`` accepts next (development and tests only): this step's, or the next if it was used."""
    totp = device.totp()
    now_t = totp.t()
    target = max(now_t, device.last_t + 1)
    if target > now_t + device.tolerance:
        return None
    return str(hotp(device.bin_key, target, digits=device.digits)).zfill(device.digits)


def retry_message(retry_at: dt.datetime) -> str:
    """Chinese: when to try again, in local time."""
    seconds = max(1, int((retry_at - timezone.now()).total_seconds() + 0.999))
    local = timezone.localtime(retry_at)
    return f"验证码错误次数过多，请于 {local:%H:%M:%S}（约 {seconds} 秒后）再试。"
