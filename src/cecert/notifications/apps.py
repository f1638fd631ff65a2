from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "cecert.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        checks.register(check_settings)


def check_settings(**kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed quiet-hours setting or an SMS template for no event stops ``cecert check`` and ``migrate``."""
    from django.conf import settings

    from cecert.notifications.domain.quiet import parse_quiet_hours
    from cecert.notifications.events import EVENTS, SMS

    errors: list[checks.CheckMessage] = []
    try:
        parse_quiet_hours(settings.CECERT_QUIET_HOURS)
    except ValueError as exc:
        errors.append(checks.Error(f"短信免打扰时段设置有误 / {exc}", id="cecert.E022"))
    unknown = sorted(set(settings.CECERT_SMS_TEMPLATES) - {code for code, e in EVENTS.items() if SMS in e.channels})
    if unknown:
        errors.append(
            checks.Error(
                f"CECERT_SMS_TEMPLATES 含有不发短信的事件 / names events that send no SMS: {', '.join(unknown)}",
                id="cecert.E023",
            )
        )
    return errors
