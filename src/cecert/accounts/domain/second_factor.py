"""TOTP second factor (RFC 6238) with one-time recovery codes."""

from __future__ import annotations

import secrets

import pyotp
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from cecert.accounts.models import RecoveryCode, User
from cecert.audit.domain import record
from cecert.core.crypto import decrypt_text, encrypt_text

ISSUER = "河南省继续教育证书平台"
RECOVERY_CODE_COUNT = 10


def start_enrolment(user: User) -> str:
    """A fresh secret, stored encrypted but not yet confirmed; returns the otpauth URI."""
    secret = pyotp.random_base32()
    user.totp_secret = encrypt_text(secret)
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def secret_of(user: User) -> str:
    return decrypt_text(user.totp_secret) if user.totp_secret else ""


def code_is_valid(user: User, code: str) -> bool:
    secret = secret_of(user)
    return bool(secret) and pyotp.TOTP(secret).verify(code.strip(), valid_window=1)


def confirm_enrolment(user: User, code: str) -> list[str] | None:
    """Confirm with a first code; returns the recovery codes to show once, or None if the code is wrong."""
    if not code_is_valid(user, code):
        return None
    codes = [secrets.token_hex(4) + "-" + secrets.token_hex(4) for _ in range(RECOVERY_CODE_COUNT)]
    with transaction.atomic():
        user.totp_confirmed_at = timezone.now()
        user.save(update_fields=["totp_confirmed_at"])
        user.recovery_codes.all().delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, code_hash=make_password(c, hasher="argon2")) for c in codes]
        )
        record("second_factor.enrol", actor=user)
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    with transaction.atomic():
        for candidate in user.recovery_codes.select_for_update().filter(used_at__isnull=True):
            if check_password(code.strip(), candidate.code_hash):
                candidate.used_at = timezone.now()
                candidate.save(update_fields=["used_at"])
                record("second_factor.recovery_code_used", actor=user)
                return True
    return False
