"""Password change, forgotten password by a one-time code, and assisted reset (issue 15, item 1).

The 等保 rules (``AUTH_PASSWORD_VALIDATORS``: ≥ 8 characters, 3 of 4 character classes, not a common
password) apply to every new password. Codes (``accounts.domain.codes``) go only to a verified
mobile number or e-mail address. Whether the account exists or not, a request answers the same and
does the same work, and every step is audited.
"""

from __future__ import annotations

import secrets
import string
from typing import TYPE_CHECKING

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from cecert.accounts.backends import login_name_for
from cecert.accounts.domain.codes import MAX_CODES_PER_HOUR, MAX_WRONG_ENTRIES, issue_code, use_code
from cecert.accounts.models import CodePurpose, ResetChannel, User
from cecert.audit.domain import record

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["MAX_CODES_PER_HOUR", "MAX_WRONG_ENTRIES"]


def account_for(login: str) -> User | None:
    """The active account a login name or ID number names, or None."""
    return User.objects.filter(username=login_name_for(login), is_active=True).first()


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def mask_email(email: str) -> str:
    name, _, domain = email.partition("@")
    return (name[:1] + "***@" + domain) if domain else "***"


def request_reset_code(login: str, channel: str, request: HttpRequest | None = None) -> None:
    """Queue the look-up and the sending of a code; the request itself does the same work for any login.

    Whether the account exists, has that contact verified or is over its hourly limit is found out by
    the task (``send_reset_code``), so the answer, its timing and what was queued are alike for a known
    and an unknown account: one login-name hash, one audit entry without an actor, one task whose
    arguments are the hashed login name and the channel.
    """
    from cecert.accounts.tasks import send_reset_code_task

    username = login_name_for(login)
    record("password.reset_requested", request=request, after={"channel": channel})
    send_reset_code_task.enqueue(username, str(channel))


def send_reset_code(username: str, channel: str) -> str:
    """Send a code to the account's verified mobile number or e-mail address; returns what happened."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        record("password.reset_requested_unknown", after={"channel": channel})
        return "unknown"
    verified = user.phone_verified_at if channel == ResetChannel.SMS else user.email_verified_at
    destination = user.phone if channel == ResetChannel.SMS else user.email
    if not destination or verified is None:
        record("password.reset_unverified_contact", actor=user, after={"channel": channel})
        return "unverified"
    if issue_code(user, channel, CodePurpose.RESET, destination) is None:
        record("password.reset_throttled", actor=user, after={"channel": channel})
        return "throttled"
    record("password.reset_code_sent", actor=user, after={"channel": channel})
    return "sent"


def reset_with_code(login: str, code: str, new_password: str, request: HttpRequest | None = None) -> bool:
    """Set ``new_password`` if ``code`` is the account's live code; False (and nothing changed) otherwise.

    The password must already have passed ``validate_password`` (the form does it).
    """
    user = account_for(login)
    if user is None:
        record("password.reset_failed", request=request)
        return False
    with transaction.atomic():
        spent = use_code(user, CodePurpose.RESET, code)
        if spent is None:
            record("password.reset_failed", actor=user, request=request)
            return False
        user.set_password(new_password)
        user.password_must_change = False
        user.save(update_fields=["password", "password_must_change"])
        record("password.reset", actor=user, request=request, after={"channel": spent.channel})
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
