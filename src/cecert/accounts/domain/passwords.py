"""Password change, forgotten password by a one-time code, and assisted reset (issue 15, item 1).

The 等保 rules (``AUTH_PASSWORD_VALIDATORS``: ≥ 8 characters, 3 of 4 character classes, not a common
password) apply to every new password. Codes are six digits, single use, valid ten minutes, stored
as keyed digests, refused after five wrong entries; a new code replaces the previous one. Whether
the account exists or not, a request answers the same, and every step is audited.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cecert.accounts.backends import login_name_for
from cecert.accounts.models import PasswordResetCode, ResetChannel, User
from cecert.audit.domain import record
from cecert.core.sms import send_sms

if TYPE_CHECKING:
    from django.http import HttpRequest

CODE_VALID_FOR = dt.timedelta(minutes=10)
MAX_WRONG_ENTRIES = 5
MAX_CODES_PER_HOUR = 5  # per account: the phone or mailbox of someone else is not to be flooded


def account_for(login: str) -> User | None:
    """The active account a login name or ID number names, or None."""
    return User.objects.filter(username=login_name_for(login), is_active=True).first()


def _digest(user_id: int, code: str) -> str:
    return salted_hmac(
        "cecert.accounts.password-reset", f"{user_id}:{code}", secret=settings.CECERT_ID_HASH_KEY, algorithm="sha256"
    ).hexdigest()


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return (name[:1] + "***@" + domain) if domain else "***"


def request_reset_code(login: str, channel: str, request: HttpRequest | None = None) -> None:
    """Send a code to the account's mobile number or e-mail address, if there is such an account and contact.

    Returns nothing either way: the caller answers the same whatever happened here.
    """
    user = account_for(login)
    destination = "" if user is None else (user.phone if channel == ResetChannel.SMS else user.email)
    if user is None or not destination:
        record("password.reset_requested_unknown", request=request, after={"channel": channel})
        return
    now = timezone.now()
    with transaction.atomic():
        recent = PasswordResetCode.objects.filter(user=user, created_at__gte=now - dt.timedelta(hours=1)).count()
        if recent >= MAX_CODES_PER_HOUR:
            record("password.reset_throttled", actor=user, request=request, after={"channel": channel})
            return
        code = f"{secrets.randbelow(10**6):06d}"
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        PasswordResetCode.objects.create(
            user=user, channel=channel, digest=_digest(user.pk, code), created_at=now, expires_at=now + CODE_VALID_FOR
        )
        record("password.reset_requested", actor=user, request=request, after={"channel": channel})
    # Sent once the code is stored (and never from inside the transaction: a slow gateway holds no lock).
    text = f"【河南省继续教育证书平台】您正在找回密码，验证码 {code}，10分钟内有效。如非本人操作，请忽略。"
    if channel == ResetChannel.SMS:
        send_sms(destination, text)
    else:
        send_mail("找回密码验证码", text, None, [destination])


def reset_with_code(login: str, code: str, new_password: str, request: HttpRequest | None = None) -> bool:
    """Set ``new_password`` if ``code`` is the account's live code; False (and nothing changed) otherwise.

    The password must already have passed ``validate_password`` (the form does it).
    """
    user = account_for(login)
    if user is None:
        record("password.reset_failed", request=request)
        return False
    now = timezone.now()
    with transaction.atomic():
        live = (
            PasswordResetCode.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, expires_at__gt=now, failed_attempts__lt=MAX_WRONG_ENTRIES)
            .order_by("-created_at")
            .first()
        )
        if live is None or not constant_time_compare(live.digest, _digest(user.pk, code.strip())):
            if live is not None:
                live.failed_attempts += 1
                live.save(update_fields=["failed_attempts"])
            record("password.reset_failed", actor=user, request=request)
            return False
        live.used_at = now
        live.save(update_fields=["used_at"])
        user.set_password(new_password)
        user.password_must_change = False
        user.save(update_fields=["password", "password_must_change"])
        record("password.reset", actor=user, request=request, after={"channel": live.channel})
    _unlock(user)
    return True


def change_password(user: User, new_password: str, request: HttpRequest | None = None) -> None:
    """The user's own change (current password already checked by the form)."""
    with transaction.atomic():
        user.set_password(new_password)
        user.password_must_change = False
        user.save(update_fields=["password", "password_must_change"])
        record("password.changed", actor=user, request=request)


def temporary_password() -> str:
    """A random password meeting the 等保 rules, for an assisted reset."""
    alphabet = string.ascii_letters + string.digits
    while True:
        body = "".join(secrets.choice(alphabet) for _ in range(12))
        candidate = f"{body[:6]}#{body[6:]}"
        if any(c.islower() for c in body) and any(c.isupper() for c in body) and any(c.isdigit() for c in body):
            validate_password(candidate)
            return candidate


def assisted_reset(target: User, *, by: User, request: HttpRequest | None = None) -> str:
    """An administrator resets ``target``'s password (jurisdiction checked by the caller); returns it, shown once.

    The target must choose a new password at the next login.
    """
    password = temporary_password()
    with transaction.atomic():
        target.set_password(password)
        target.password_must_change = True
        target.save(update_fields=["password", "password_must_change"])
        record("password.assisted_reset", actor=by, obj=target, request=request)
    _unlock(target)
    return password


def _unlock(user: User) -> None:
    """A proven owner or an administrator resets the password: lift Axes' lockout of the account."""
    from axes.utils import reset

    reset(username=user.username)
