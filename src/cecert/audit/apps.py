from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


def check_anchor_dir(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """In production the audit chain must be anchored outside the database (ADR 0017)."""
    from django.conf import settings

    if getattr(settings, "PRODUCTION", False) and not getattr(settings, "CECERT_AUDIT_ANCHOR_DIR", ""):
        return [
            checks.Warning(
                "未配置审计锚定目录：审计日志可被删短而不被发现 / CECERT_AUDIT_ANCHOR_DIR is not set",
                hint="Set CECERT_AUDIT_ANCHOR_DIR to an append-only (WORM) store and run `cecert scheduler`.",
                id="cecert.W017",
            )
        ]
    return []


class AuditConfig(AppConfig):
    name = "cecert.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from cecert.audit.archive import PARTITIONED
        from cecert.core.partitioning import register_partitioned_table
        from cecert.core.scheduler import register_job

        register_partitioned_table(PARTITIONED)
        checks.register(check_anchor_dir, checks.Tags.security, deploy=True)
        register_job(
            "audit_checkpoint", "0 * * * *", "cecert.audit.tasks.checkpoint_task", "审计链签名检查点（ADR 0017）"
        )
