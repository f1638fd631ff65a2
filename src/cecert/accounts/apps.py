from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cecert.accounts"
    label = "accounts"
    verbose_name = "账户"

    def ready(self) -> None:
        from cecert.accounts import signals  # noqa: F401  (connects the audit receivers)
