from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cecert.notifications"
    label = "notifications"
    verbose_name = "通知"
