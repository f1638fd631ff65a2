"""One-time codes sent to a mobile number or e-mail address (a forgotten password, verifying a contact).

Six digits, single use, valid ten minutes, stored as keyed digests, refused after five wrong entries;
a new code replaces the previous live one of the same purpose; at most ``MAX_CODES_PER_HOUR`` per
account and purpose, so nobody's phone or mailbox is flooded through us. The code travels only in
the delivery (``cecert.notifications``), whose text is not kept once sent.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cecert.accounts.models import PasswordResetCode, User

CODE_VALID_FOR = dt.timedelta(minutes=10)
MAX_WRONG_ENTRIES = 5
MAX_CODES_PER_HOUR = 5


def code_digest(user_id: int, code: str) -> str:
    return salted_hmac(
        "cecert.accounts.password-reset", f"{user_id}:{code}", secret=settings.CECERT_ID_HASH_KEY, algorithm="sha256"
    ).hexdigest()


def issue_code(user: User, channel: str, purpose: str, destination: str) -> str | None:
    """Store a new code for ``user`` and queue it to ``destination``; None when the hourly limit is reached."""
    from cecert.notifications.domain.sending import send_code

    now = timezone.now()
    with transaction.atomic():
        mine = PasswordResetCode.objects.filter(user=user, purpose=purpose)
        if mine.filter(created_at__gte=now - dt.timedelta(hours=1)).count() >= MAX_CODES_PER_HOUR:
            return None
        code = f"{secrets.randbelow(10**6):06d}"
        mine.filter(used_at__isnull=True, expires_at__gt=now, channel=channel).update(expires_at=now)
        PasswordResetCode.objects.create(
            user=user,
            channel=channel,
            purpose=purpose,
            destination=destination,
            digest=code_digest(user.pk, code),
            created_at=now,
            expires_at=now + CODE_VALID_FOR,
        )
        event = "password.code" if purpose == "reset" else "contact.code"
        send_code(user, channel, destination, event, {"code": code})
    return code


def use_code(user: User, purpose: str, code: str, *, channel: str | None = None) -> PasswordResetCode | None:
    """Spend ``code`` if it is ``user``'s live code of ``purpose`` (and ``channel``); a wrong one counts."""
    now = timezone.now()
    with transaction.atomic():
        live = PasswordResetCode.objects.select_for_update().filter(
            user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=now, failed_attempts__lt=MAX_WRONG_ENTRIES
        )
        if channel is not None:
            live = live.filter(channel=channel)
        current = live.order_by("-created_at").first()
        if current is None or not constant_time_compare(current.digest, code_digest(user.pk, code.strip())):
            if current is not None:
                current.failed_attempts += 1
                current.save(update_fields=["failed_attempts"])
            return None
        current.used_at = now
        current.save(update_fields=["used_at"])
    return current
