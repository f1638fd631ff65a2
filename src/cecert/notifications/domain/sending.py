"""``notify``: one event to many users, rendered per channel in Chinese, deliveries queued on django-tasks.

Set-based: one query for the recipients' verified contacts and channel choices, one bulk insert of
the in-app notifications, one of the deliveries, one task per ``DELIVERY_TASK_SIZE`` deliveries due
now. E-mail and SMS go only to contacts the user verified (``User.email_verified_at``,
``phone_verified_at``) and not turned off; SMS inside the quiet hours wait for their end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template import loader
from django.utils import timezone

from cecert.accounts.models import User
from cecert.core.bulk import insert_rows, insert_rows_returning_ids
from cecert.notifications.domain.quiet import parse_quiet_hours, quiet_until
from cecert.notifications.events import EMAIL, SMS, Event, event
from cecert.notifications.models import ChannelPreference, Delivery, DeliveryState, Notification

DELIVERY_TASK_SIZE = 200
# (user id, the event's context for that user, an optional key the notification is sent once under)
Item = tuple[int, Mapping[str, Any], str | None]

NOTIFICATION_COLUMNS = ("user_id", "event", "message", "url", "record_id", "created_at", "read_at", "once_key")
DELIVERY_COLUMNS = (
    "user_id",
    "event",
    "notification_id",
    "channel",
    "destination",
    "subject",
    "body",
    "template_params",
    "state",
    "attempts",
    "last_error",
    "not_before",
    "created_at",
    "sent_at",
)


@lru_cache(maxsize=128)
def _template(event_code: str, part: str) -> Any:
    return loader.get_template(f"notifications/{event_code}/{part}.txt")


def render(event_code: str, part: str, context: Mapping[str, Any]) -> str:
    return str(_template(event_code, part).render(dict(context))).strip()


def notify(
    recipients: Iterable[User | int],
    event_code: str,
    context: Mapping[str, Any],
    *,
    record_id: int | None = None,
    url: str = "",
) -> int:
    """Notify every recipient of ``event_code`` with the same ``context``; returns how many were notified."""
    ids = sorted({r if isinstance(r, int) else r.pk for r in recipients})
    return notify_each(event_code, [(uid, context, None) for uid in ids], record_id=record_id, url=url)


def notify_each(event_code: str, items: Sequence[Item], *, record_id: int | None = None, url: str = "") -> int:
    """Notify each ``(user id, context, once key)``; an item whose once key was used before is left out."""
    spec = event(event_code)
    keys = [key for _, _, key in items if key is not None]
    if keys:
        taken = set(Notification.objects.filter(once_key__in=keys).values_list("once_key", flat=True))
        items = [item for item in items if item[2] is None or item[2] not in taken]
    if not items:
        return 0
    now = timezone.now()
    rows = [
        (uid, spec.code, render(spec.code, "inapp", ctx)[:300], url, record_id, now, None, key)
        for uid, ctx, key in items
        if spec.in_app
    ]
    if not spec.channels:  # in-app only (the reviewers' to-dos): one statement, no ids needed
        insert_rows(Notification, NOTIFICATION_COLUMNS, rows)
        return len(items)
    with transaction.atomic():
        notification_ids: list[int | None] = [None] * len(items)
        if spec.in_app:
            notification_ids = list(insert_rows_returning_ids(Notification, NOTIFICATION_COLUMNS, rows))
        contacts = _contacts([uid for uid, _, _ in items], spec)
        deliveries = []
        for (uid, ctx, _), notification_id in zip(items, notification_ids, strict=True):
            for channel in spec.channels:
                destination = contacts.get((uid, channel))
                if destination:
                    deliveries.append(_delivery_row(spec, uid, notification_id, channel, destination, ctx, now))
        _queue(deliveries)
    return len(items)


def send_code(user: User, channel: str, destination: str, event_code: str, context: Mapping[str, Any]) -> int:
    """Queue a one-time code to ``destination`` (which may still be unverified); returns the delivery id."""
    spec = event(event_code)
    if not spec.secret or channel not in spec.channels:
        raise ValueError(f"{event_code} does not send codes by {channel}")
    with transaction.atomic():
        row = _delivery_row(spec, user.pk, None, channel, destination, context, timezone.now())
        return _queue([row])[0]


def _delivery_row(
    spec: Event,
    user_id: int,
    notification_id: int | None,
    channel: str,
    destination: str,
    context: Mapping[str, Any],
    now: Any,
) -> tuple[Any, ...]:
    if channel == EMAIL:
        subject, body, params = render(spec.code, "email_subject", context), render(spec.code, "email", context), {}
    else:
        subject, body = "", render(spec.code, "sms", context)
        params = {name: str(context[name]) for name in spec.sms_params}
    # A code is wanted now; a notice by SMS waits out the night.
    not_before = now if spec.secret or channel != SMS else (quiet_until(now, quiet_hours()) or now)
    return (
        user_id,
        spec.code,
        notification_id,
        channel,
        destination,
        subject[:200],
        body,
        params,
        DeliveryState.QUEUED,
        0,
        "",
        not_before,
        now,
        None,
    )


def _queue(rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert the deliveries and enqueue those due now; the rest are sent by the scheduled sweep."""
    from cecert.notifications.tasks import deliver_task

    ids = insert_rows_returning_ids(Delivery, DELIVERY_COLUMNS, rows)
    now_index = DELIVERY_COLUMNS.index("created_at")
    due_index = DELIVERY_COLUMNS.index("not_before")
    due = [pk for pk, row in zip(ids, rows, strict=True) if row[due_index] <= row[now_index]]
    for start in range(0, len(due), DELIVERY_TASK_SIZE):
        deliver_task.enqueue(due[start : start + DELIVERY_TASK_SIZE])
    return ids


def quiet_hours() -> Any:
    return parse_quiet_hours(settings.CECERT_QUIET_HOURS)


def _contacts(user_ids: list[int], spec: Event) -> dict[tuple[int, str], str]:
    """Verified contacts of the users for the event's channels, minus the channels a user turned off."""
    if not spec.channels:
        return {}
    off = set(ChannelPreference.objects.filter(user_id__in=user_ids, enabled=False).values_list("user_id", "channel"))
    found: dict[tuple[int, str], str] = {}
    rows = User.objects.filter(pk__in=user_ids).values_list(
        "pk", "email", "email_verified_at", "phone", "phone_verified_at"
    )
    for uid, email, email_verified, phone, phone_verified in rows:
        if EMAIL in spec.channels and email and email_verified and (uid, EMAIL) not in off:
            found[(uid, EMAIL)] = email
        if SMS in spec.channels and phone and phone_verified and (uid, SMS) not in off:
            found[(uid, SMS)] = phone
    return found
