from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world (``cecert demo``, ``cecert totp-code``): installed last, above every other app,
    because it builds a world with all of them; nothing imports it."""

    name = "cecert.demo"
    label = "demo"
    verbose_name = "演示数据"
