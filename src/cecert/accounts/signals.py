"""Logins, logouts and failed logins go to the audit trail (never the password or ID number).

``person_transferred`` is sent when a transfer is approved, inside its
transaction, with ``person`` (the ``Person``, already under the new employer) and
``from_employer_id``. The records app recomputes the person's yearly requirement
rows from it; the reports app then the two employers' figures.
``person_approved`` is sent when a registration is approved, inside its transaction,
with ``person``: the reports app counts them into their employer's figures.
``people_moved_in`` is sent when people or their past years arrive in bulk from the current
platform (moving in, ADR 0023), inside the chunk's transaction, with ``employer_ids`` and ``years``
(``None``: every year): the reports app recomputes those employers' kept figures.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from cecert.audit.domain import record

person_transferred = Signal()
person_approved = Signal()
people_moved_in = Signal()


@receiver(user_logged_in)
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record("login.success", actor=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", actor=user, request=request)


@receiver(user_login_failed)
def audit_failed_login(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    record("login.failed", request=request)
