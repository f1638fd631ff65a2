from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "cecert.core"
    label = "core"
    verbose_name = "公共组件"

    def ready(self) -> None:
        from cecert.core.network import check_trusted_proxies

        checks.register(check_trusted_proxies, checks.Tags.security)
