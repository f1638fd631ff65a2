"""Delivering queued e-mails and SMS: each delivery claimed, sent once, and its outcome kept.

A refusal by the provider or the mail server (a wrong number, a mailbox that does not exist, a
template not approved) fails the delivery for good with the reason; anything else (a timeout, a
server error) leaves it queued for another try after a pause, failed after ``MAX_ATTEMPTS``.
A delivery whose user no longer has that verified contact is skipped, not sent.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from cecert.core.sms import SmsMessage, SmsRejected, get_backend
from cecert.notifications.events import EMAIL, event
from cecert.notifications.models import Delivery, DeliveryState

MAX_ATTEMPTS = 3
RETRY_PAUSE = dt.timedelta(minutes=5)
NOT_KEPT = "（验证码已发出，内容不留存）"


class Refused(Exception):
    """The other side answered and will not take this message: retrying cannot help."""


def deliver(ids: Sequence[int]) -> dict[str, int]:
    """Send the queued, due deliveries among ``ids``; returns the count of each outcome."""
    counts = {state: 0 for state in DeliveryState.values}
    mail = None
    try:
        for pk in ids:
            with transaction.atomic():
                delivery = (
                    Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("user")
                    .filter(pk=pk, state=DeliveryState.QUEUED, not_before__lte=timezone.now())
                    .first()
                )
                if delivery is None:
                    continue  # sent, given up, not due yet, or another worker has it
                if delivery.channel == EMAIL and mail is None:
                    mail = get_connection()
                _attempt(delivery, mail)
                counts[delivery.state] += 1
    finally:
        if mail is not None:
            mail.close()
    return counts


def due_deliveries(limit: int = 5000) -> list[int]:
    return list(
        Delivery.objects.filter(state=DeliveryState.QUEUED, not_before__lte=timezone.now())
        .order_by("not_before", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _attempt(delivery: Delivery, mail: Any) -> None:
    spec = event(delivery.event)
    fields = ["state", "attempts", "last_error", "not_before", "sent_at", "body", "template_params"]
    gone = None if spec.secret else _contact_gone(delivery)
    if gone:
        delivery.state, delivery.last_error = DeliveryState.SKIPPED, gone
        delivery.save(update_fields=fields)
        return
    delivery.attempts += 1
    try:
        _send(delivery, mail)
    except Refused as exc:
        delivery.state, delivery.last_error = DeliveryState.FAILED, str(exc)[:300]
    except Exception as exc:
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.state = DeliveryState.FAILED
        else:
            delivery.not_before = timezone.now() + RETRY_PAUSE * delivery.attempts
    else:
        delivery.state, delivery.sent_at, delivery.last_error = DeliveryState.SENT, timezone.now(), ""
    if spec.secret and delivery.state != DeliveryState.QUEUED:
        delivery.body, delivery.template_params = NOT_KEPT, {}
    delivery.save(update_fields=fields)


def _contact_gone(delivery: Delivery) -> str:
    user = delivery.user
    if delivery.channel == EMAIL:
        still = user.email == delivery.destination and user.email_verified_at is not None
    else:
        still = user.phone == delivery.destination and user.phone_verified_at is not None
    return "" if still else "联系方式已变更或未验证"


def _send(delivery: Delivery, mail: Any) -> None:
    if delivery.channel == EMAIL:
        message = EmailMessage(delivery.subject, delivery.body, None, [delivery.destination], connection=mail)
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise Refused(f"收件地址被拒绝 / recipient refused: {exc.recipients}") from None
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise Refused(f"邮件服务器拒收 / refused: {exc.smtp_code} {exc.smtp_error!r}") from None
            raise
        return
    template = settings.CECERT_SMS_TEMPLATES.get(delivery.event, "")
    params = {str(k): str(v) for k, v in delivery.template_params.items()}
    try:
        get_backend().send_messages([SmsMessage(delivery.destination, delivery.body, template, params)])
    except SmsRejected as exc:
        raise Refused(f"短信服务商拒绝 / provider refused: {exc.reason}") from None
