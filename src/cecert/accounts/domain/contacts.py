"""Verifying a mobile number and an e-mail address: a code sent to each, entered back (issue 15, item 1).

At registration both contacts get a code; anyone signed in can verify theirs later. The account keeps
when each was verified; changing a contact clears it. Only verified contacts receive notices and
password-recovery codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from cecert.accounts.domain.codes import issue_code, use_code
from cecert.accounts.models import CodePurpose, ResetChannel, User
from cecert.audit.domain import record

if TYPE_CHECKING:
    from django.http import HttpRequest

VERIFIED_FIELD: dict[str, str] = {ResetChannel.SMS: "phone_verified_at", ResetChannel.EMAIL: "email_verified_at"}


def contact_of(user: User, channel: str) -> str:
    return user.phone if channel == ResetChannel.SMS else user.email


def send_verification_codes(user: User, request: HttpRequest | None = None) -> list[str]:
    """Send a code to each of the user's contacts not yet verified; returns the channels a code went to."""
    sent = []
    for channel in (ResetChannel.SMS, ResetChannel.EMAIL):
        destination = contact_of(user, channel)
        unverified = destination and getattr(user, VERIFIED_FIELD[channel]) is None
        if unverified and issue_code(user, channel, CodePurpose.VERIFY, destination) is not None:
            sent.append(str(channel))
    record("contact.codes_sent", actor=user, obj=user, after={"channels": sent}, request=request)
    return sent


def verify_contact(user: User, channel: str, code: str, request: HttpRequest | None = None) -> bool:
    """Mark the contact verified if ``code`` is the live code sent to it (and the contact is unchanged)."""
    spent = use_code(user, CodePurpose.VERIFY, code, channel=channel)
    if spent is None or spent.destination != contact_of(user, channel):
        record("contact.verify_failed", actor=user, obj=user, after={"channel": channel}, request=request)
        return False
    setattr(user, VERIFIED_FIELD[channel], timezone.now())
    user.save(update_fields=[VERIFIED_FIELD[channel]])
    record("contact.verified", actor=user, obj=user, after={"channel": channel}, request=request)
    return True


def set_contacts(user: User, phone: str, email: str) -> None:
    """Change the contacts (unsaved); a changed one must be verified again."""
    if phone != user.phone:
        user.phone, user.phone_verified_at = phone, None
    if email != user.email:
        user.email, user.email_verified_at = email, None
