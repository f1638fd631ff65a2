from __future__ import annotations

from django.apps import AppConfig


def role_name(code: str) -> str | None:
    from cecert.accounts.models import Role

    name = dict(Role.choices).get(code)
    return str(name) if name is not None else None


class AccountsConfig(AppConfig):
    name = "cecert.accounts"
    label = "accounts"
    verbose_name = "账户"

    def ready(self) -> None:
        from cecert.accounts import signals  # noqa: F401  (connects the audit receivers)
        from cecert.core.labels import register_label_lookup
        from cecert.core.scheduler import register_job

        register_label_lookup("role", role_name)
        register_job("prune_codes", "20 3 * * *", "cecert.accounts.tasks.prune_codes_task", "清理过期验证码")
