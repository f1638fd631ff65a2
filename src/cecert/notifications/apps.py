from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "cecert.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self) -> None:
        from cecert.core.scheduler import register_job

        checks.register(check_settings)
        register_job(
            "send_due_deliveries",
            "*/5 * * * *",
            "cecert.notifications.tasks.send_due_deliveries_task",
            "发送到时的短信和邮件",
        )
        register_job("review_deadlines", "0 9 * * *", "cecert.notifications.tasks.review_deadline_task", "审核期限提醒")
        register_job(
            "shortfall_reminders",
            "0 10 1 11,12 *",
            "cecert.notifications.tasks.shortfall_reminders_task",
            "年度学时不足提醒（11月1日、12月1日）",
        )


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
